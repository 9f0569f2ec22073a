/*
 * syscall_msr.c - turns on the `syscall` instruction (lab 3, handout §2).
 *
 *   EFER.SCE   enables syscall/sysret
 *   STAR       CS/SS selectors: bits 47-32 kernel CS (SS = +8), bits 63-48
 *              the base for sysret (user SS = base + 8, user CS = base + 16)
 *   LSTAR      the 64-bit entry point (syscall_entry.asm)
 *   SFMASK     rflags bits cleared on entry (the rest of the user's flags
 *              would otherwise run the kernel): IF (no interrupts until the
 *              kernel is on its own stack), DF (the C ABI wants it clear), TF
 *              (no single-stepping the kernel), AC (with SMAP, AC=1 would let
 *              the kernel touch user pages), NT (a user popfq can set it, and
 *              the kernel's next iretq would then try a 32-bit task return:
 *              #GP in ring 0) and IOPL (ring 3 cannot change it today; clear
 *              it anyway, so no kernel path ever runs with a user's I/O level)
 * GS: KERNEL_GS_BASE holds the per-CPU struct while user code runs; swapgs
 * exchanges it with GS_BASE on every entry and exit.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/x86.h"
#include "kprintf.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE (1UL << 0)
#define RFLAGS_TF (1UL << 8)
#define RFLAGS_DF (1UL << 10)
#define RFLAGS_IOPL (3UL << 12)
#define RFLAGS_NT (1UL << 14)
#define RFLAGS_AC (1UL << 18)

struct cpu boot_cpu;

extern char syscall_entry[];

void cpu_syscall_init(void)
{
	// LAB 3.1 BEGIN: EFER.SCE, STAR, LSTAR, SFMASK (IF DF TF AC NT IOPL), GS bases; handout §2
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* sysret adds 16 for CS and 8 for SS to the base: user data sits just below user code. */
	wrmsr(MSR_STAR, ((uint64_t)(GDT_KERNEL_DATA | 3) << 48) | ((uint64_t)GDT_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL);
	/* In the kernel GS points at the per-CPU data; user GS starts at 0. */
	wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	// LAB 3.1 STUB
	// lab_not_implemented(3, "cpu_syscall_init");
	// LAB 3.1 END
}
