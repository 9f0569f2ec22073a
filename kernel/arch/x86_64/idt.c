/*
 * idt.c - fills the interrupt descriptor table: one gate per vector, each
 * pointing at its stub in vectors.asm. Layer above: trap.c.
 */
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "compiler.h"

#define GATE_INTERRUPT 0x8e /* present, ring 0, 64-bit interrupt gate (IF cleared) */
#define GATE_USER 0x60      /* DPL 3: `int n` allowed from user mode */

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} PACKED;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout is fixed by the CPU");

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} PACKED;

extern const uint64_t trap_stubs[256]; /* vectors.asm */
static struct idt_gate idt[256] ALIGNED(16);

static void idt_set_gate(int vector, uint64_t handler, uint8_t ist, uint8_t type_attr)
{
	idt[vector] = (struct idt_gate){
		.offset_low = handler & 0xffff,
		.selector = GDT_KERNEL_CODE,
		.ist = ist,
		.type_attr = type_attr,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_high = handler >> 32,
	};
}

void idt_init(void)
{
	struct idt_pointer pointer = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < 256; v++)
		idt_set_gate(v, trap_stubs[v], 0, GATE_INTERRUPT);
	/* These must work even on a broken stack, so they get their own. */
	idt_set_gate(VEC_DOUBLE_FAULT, trap_stubs[VEC_DOUBLE_FAULT], IST_DOUBLE_FAULT, GATE_INTERRUPT);
	idt_set_gate(VEC_NMI, trap_stubs[VEC_NMI], IST_NMI, GATE_INTERRUPT);
	idt_set_gate(VEC_MACHINE_CHECK, trap_stubs[VEC_MACHINE_CHECK], IST_MACHINE_CHECK, GATE_INTERRUPT);
	/* int3 from user mode is a debugger's breakpoint, not a protection fault. */
	idt_set_gate(VEC_BREAKPOINT, trap_stubs[VEC_BREAKPOINT], 0, GATE_INTERRUPT | GATE_USER);
	__asm__ volatile("lidt %0" : : "m"(pointer));
}
