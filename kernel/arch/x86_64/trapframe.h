/*
 * trapframe.h - the registers saved on every interrupt and exception.
 *
 * vectors.asm builds this on the kernel stack: the CPU pushes ss..rip (and
 * an error code for some exceptions), the stub pushes a zero error code for
 * the others and the vector number, then trap_common pushes r15..rax
 * (trapframe.inc, shared with syscall_entry.asm). The offsets are used by
 * assembly; the asserts keep the two in step.
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

#define TRAP_FRAME_CS 144
#define TRAP_FRAME_SIZE 176
_Static_assert(offsetof(struct trap_frame, vector) == 120, "vectors.asm pushes vector here");
_Static_assert(offsetof(struct trap_frame, cs) == TRAP_FRAME_CS, "vectors.asm tests cs here");
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "keeps rsp 16-byte aligned");

#endif
