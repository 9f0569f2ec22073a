/* idt.h - the interrupt descriptor table (idt.c) and trap dispatch (trap.c). */
#ifndef ANODE_IDT_H
#define ANODE_IDT_H

#include "arch/x86_64/trapframe.h"

/* CPU exception vectors (Intel SDM vol. 3 table 6-1). */
#define VEC_DIVIDE_ERROR 0
#define VEC_DEBUG 1
#define VEC_NMI 2
#define VEC_BREAKPOINT 3
#define VEC_INVALID_OPCODE 6
#define VEC_DOUBLE_FAULT 8
#define VEC_GENERAL_PROTECTION 13
#define VEC_PAGE_FAULT 14
#define VEC_MACHINE_CHECK 18
#define VEC_FIRST_IRQ 32

void idt_init(void);
void trap_dispatch(struct trap_frame *tf);

#endif
