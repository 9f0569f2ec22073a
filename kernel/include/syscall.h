/*
 * syscall.h - the system-call layer (kernel/syscall/): the dispatcher and
 * one handler per call, named sys_NAME after syscall.def.
 */
#ifndef ANODE_SYSCALL_H
#define ANODE_SYSCALL_H

#include <stdint.h>

#include "abi.h"
#include "arch/x86_64/trapframe.h"

/* The six argument registers, in order: rdi, rsi, rdx, r10, r8, r9. */
struct syscall_args {
	uint64_t a[6];
	struct trap_frame *tf; /* the caller's registers (fork copies them) */
};

void syscall_dispatch(struct trap_frame *tf);
/* Reads `strace` from the command line. */
void syscall_trace_init(void);

#define SYSCALL(name, number, nargs) int64_t sys_##name(const struct syscall_args *args);
#include "syscall.def"
#undef SYSCALL

#endif
