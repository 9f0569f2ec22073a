/*
 * gdt.h - segment selectors and the GDT/TSS setup (gdt.c).
 *
 * Order matters for `sysret` (lab 3): it loads SS from STAR[63:48] + 8 and
 * CS from STAR[63:48] + 16, so user data must sit just below user code.
 */
#ifndef ANODE_GDT_H
#define ANODE_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA (0x18 | 3)
#define GDT_USER_CODE (0x20 | 3)
#define GDT_TSS 0x28

/* Interrupt stack table slots (1-based, as the IDT encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

void gdt_init(void);
/* Sets the stack the CPU switches to when an interrupt arrives in user mode. */
void gdt_set_kernel_stack(uint64_t rsp0);

#endif
