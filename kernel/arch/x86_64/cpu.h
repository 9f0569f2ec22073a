/*
 * cpu.h - per-CPU state, reached through the GS segment base in the kernel
 * (`swapgs` on every entry from user mode switches GS to it). Anode runs
 * on one CPU, but keeping this in one struct is what SMP would need.
 * syscall_entry.asm reaches kernel_rsp and user_rsp at the offsets
 * asm_offsets.c takes from this struct.
 */
#ifndef ANODE_CPU_H
#define ANODE_CPU_H

#include <stddef.h>
#include <stdint.h>

struct proc;

struct cpu {
	uint64_t kernel_rsp;      /* 0: top of the running process's kernel stack */
	uint64_t user_rsp;        /* 8: user rsp, saved by syscall entry */
	struct proc *current;     /* 16: the running process, or NULL */
	uint64_t scheduler_rsp;   /* 24: saved context of the scheduler loop */
};

extern struct cpu boot_cpu;

static inline struct cpu *this_cpu(void)
{
	return &boot_cpu;
}

/* Sets up GS, the syscall MSRs (syscall_msr.c). */
void cpu_syscall_init(void);

#endif
