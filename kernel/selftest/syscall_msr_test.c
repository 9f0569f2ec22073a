/*
 * syscall_msr_test.c - `test=syscall-msrs` (lab 3): prints the MSRs that
 * cpu_syscall_init set, so the grader can check every bit. Some mistakes
 * are invisible in behaviour under QEMU (its TCG clears DF on `syscall`
 * whatever SFMASK says), and a missing flag is a hole on real hardware;
 * only reading the registers back shows them.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/x86.h"
#include "kprintf.h"
#include "selftest.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

int selftest_syscall_msrs(void)
{
	kprintf("msr-test: EFER 0x%lx\n", rdmsr(MSR_EFER));
	kprintf("msr-test: STAR 0x%016lx\n", rdmsr(MSR_STAR));
	kprintf("msr-test: LSTAR 0x%lx\n", rdmsr(MSR_LSTAR));
	kprintf("msr-test: SFMASK 0x%lx\n", rdmsr(MSR_SFMASK));
	kprintf("msr-test: GS_BASE 0x%lx, KERNEL_GS_BASE 0x%lx\n", rdmsr(MSR_GS_BASE),
		rdmsr(MSR_KERNEL_GS_BASE));
	return 0;
}
