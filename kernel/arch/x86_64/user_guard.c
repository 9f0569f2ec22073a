/*
 * user_guard.c - SMEP and SMAP: the CPU itself keeps the kernel out of
 * user pages (lab 3's stage turns them on; handout lab 3 §3).
 *
 *   SMEP (CR4 bit 20)  the kernel may not execute a user page: a kernel
 *                      bug that jumps to a user address faults instead of
 *                      running code the user wrote there.
 *   SMAP (CR4 bit 21)  the kernel may not read or write a user page (unless
 *                      RFLAGS.AC is set, which Anode never does): a kernel
 *                      bug that follows a user pointer directly faults.
 *
 * Anode's uaccess (syscall/uaccess.c) never touches a user address: it
 * finds the frame in the process's page tables and copies through the
 * direct map, which is kernel memory. So nothing legitimate needs AC, and
 * every direct use of a user pointer is a fault the self-tests can show.
 * QEMU's default qemu64 CPU has neither feature; make, the grader and
 * make bench all run `-cpu qemu64,+smep,+smap`.
 */
#include "arch/x86_64/user_guard.h"
#include "arch/x86_64/x86.h"

#define CPUID_MAX_LEAF 0
#define CPUID_EXTENDED_FEATURES 7
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

unsigned user_guard_enable(void)
{
	uint32_t regs[4];
	unsigned enabled = 0;
	uint64_t cr4 = read_cr4();

	cpuid(CPUID_MAX_LEAF, 0, regs);
	if (regs[0] < CPUID_EXTENDED_FEATURES)
		return 0;
	cpuid(CPUID_EXTENDED_FEATURES, 0, regs);
	if (regs[1] & CPUID7_EBX_SMEP) {
		cr4 |= CR4_SMEP;
		enabled |= USER_GUARD_SMEP;
	}
	if (regs[1] & CPUID7_EBX_SMAP) {
		cr4 |= CR4_SMAP;
		enabled |= USER_GUARD_SMAP;
	}
	write_cr4(cr4);
	return enabled;
}
