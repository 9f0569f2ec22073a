/* pic.h - the legacy 8259 interrupt controllers (pic.c). */
#ifndef ANODE_PIC_H
#define ANODE_PIC_H

#include <stdint.h>

#define IRQ_TIMER 0
#define IRQ_COM1 4  /* the first serial port (console input, lib/console_input.c) */
#define PIC_FIRST_VECTOR 32 /* IRQ n arrives as vector 32 + n */

void pic_init(void);
void pic_unmask(unsigned irq);
void pic_end_of_interrupt(unsigned irq);

#endif
