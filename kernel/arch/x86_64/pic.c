/*
 * pic.c - the two cascaded 8259A interrupt controllers of the PC.
 *
 * At power-on they deliver IRQ 0-15 as vectors 8-15 and 0x70-0x77, which
 * collide with CPU exceptions; pic_init moves them to 32-47 and masks all
 * lines. Every interrupt must be acknowledged (EOI) or no lower-priority
 * one is delivered again. Layer above: pit.c, trap.c, lib/console_input.c.
 */
#include "arch/x86_64/pic.h"
#include "arch/x86_64/x86.h"

#define PIC1_COMMAND 0x20
#define PIC1_DATA 0x21
#define PIC2_COMMAND 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11 /* start initialisation, ICW4 follows */
#define ICW4_8086 0x01
#define PIC_EOI 0x20
#define CASCADE_IRQ 2

static uint16_t pic_mask = 0xffff; /* bit n set: IRQ n masked */

static void pic_write_mask(void)
{
	outb(PIC1_DATA, pic_mask & 0xff);
	outb(PIC2_DATA, pic_mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_COMMAND, ICW1_INIT_ICW4);
	outb(PIC2_COMMAND, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_FIRST_VECTOR);          /* ICW2: vector base */
	outb(PIC2_DATA, PIC_FIRST_VECTOR + 8);
	outb(PIC1_DATA, 1 << CASCADE_IRQ);          /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	pic_mask = (uint16_t)~(1u << CASCADE_IRQ);  /* everything masked but the cascade */
	pic_write_mask();
}

void pic_unmask(unsigned irq)
{
	pic_mask &= (uint16_t)~(1u << irq);
	pic_write_mask();
}

void pic_end_of_interrupt(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_COMMAND, PIC_EOI);
	outb(PIC1_COMMAND, PIC_EOI);
}
