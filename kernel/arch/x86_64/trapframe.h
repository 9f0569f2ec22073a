/*
 * trapframe.h - the registers saved on every interrupt and exception.
 *
 * vectors.asm builds this on the kernel stack: the CPU pushes ss..rip (and
 * an error code for some exceptions), the stub pushes a zero error code for
 * the others and the vector number, then trap_common pushes r15..rax
 * (trapframe.inc, shared with syscall_entry.asm). The assembly gets the
 * offsets from this struct (asm_offsets.c), and trapframe.inc checks its
 * push order against them.
 */
#ifndef ANODE_TRAPFRAME_H
#define ANODE_TRAPFRAME_H

#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;     /* offsets 0..48 */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;  /* offsets 56..112 */
	uint64_t vector;                                /* 120: pushed by the stub */
	uint64_t error_code;                            /* 128: CPU or stub */
	uint64_t rip, cs, rflags, rsp, ss;              /* 136..168: pushed by the CPU */
};

/* The CPU starts the frame on a 16-byte boundary; a whole number of 16
 * bytes leaves rsp aligned for the C call that follows. */
_Static_assert(sizeof(struct trap_frame) % 16 == 0, "keeps rsp 16-byte aligned");

#endif
