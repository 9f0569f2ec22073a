/*
 * memlayout.h - the kernel's view of the address space.
 *
 *   0xffffffffffffffff +-----------------------------+
 *                      | kernel image (text, rodata, |  KERNEL_VMA + physical
 *                      | data, bss, symbol table)    |  (-mcmodel=kernel window)
 *   0xffffffff80000000 +-----------------------------+  KERNEL_VMA
 *                      |            ...              |
 *   0xfffffe8000000000 | process kernel stacks       |  KSTACK_REGION (lab 3)
 *                      |            ...              |
 *                      +-----------------------------+
 *                      | direct map of all physical  |  P2V(pa) = pa + DIRECT_MAP_BASE
 *                      | memory                      |  (lab 1: first 1 GiB only)
 *   0xffff800000000000 +-----------------------------+  DIRECT_MAP_BASE
 *
 * Kernel image permissions (lab 2): text R-X, rodata R--, data and bss
 * RW- (no execute), symbol table R--; the page under the boot stack is
 * left unmapped as a guard.
 *                      |  non-canonical hole         |
 *   0x0000800000000000 +-----------------------------+
 *                      | top user page: never mapped |
 *   0x00007ffffffff000 +-----------------------------+  USER_END
 *                      | user space                  |
 *   0x0000000000001000 +-----------------------------+  USER_BASE
 *   0x0000000000000000   never mapped: catches NULL
 */
#ifndef ANODE_MEMLAYOUT_H
#define ANODE_MEMLAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE 4096UL
#define KERNEL_VMA 0xffffffff80000000UL
#define DIRECT_MAP_BASE 0xffff800000000000UL
#define USER_BASE 0x1000UL
/*
 * The end of mappable user space. The last 4 KiB below the non-canonical
 * hole stay unmapped for good: a `syscall` in the last bytes there would
 * return to 0x800000000000, and on Intel CPUs sysret to a non-canonical
 * address faults in ring 0 with the user's stack loaded (CVE-2012-0217).
 * Everything that maps user memory (fmap, mprotect, the ELF loader, and
 * exec, scheme bounce windows and shared memory in later labs) checks
 * against this one constant.
 */
#define USER_END 0x00007ffffffff000UL
/* The end of the lower half (PML4 entries 0-255): the first non-canonical address. */
#define USER_HALF_END 0x0000800000000000UL
_Static_assert(USER_END + PAGE_SIZE == USER_HALF_END, "exactly one page is kept unmapped");

/* Kernel stacks of processes (lab 3): slot i is a guard page, then the stack. */
#define KSTACK_REGION 0xfffffe8000000000UL /* PML4 slot 509 */
#define KSTACK_SLOT_PAGES 5               /* 1 guard + KSTACK_PAGES (proc.h) */

/* User stack (lab 3): grows down from USER_STACK_TOP, a guard page below it. */
#define USER_STACK_TOP 0x00007ffffff00000UL
#define USER_STACK_BYTES (64UL * 1024)
/*
 * The scheme bounce window (lab 4): while a daemon serves a request, the
 * client's buffer is copied into kernel-owned frames mapped here, one slot
 * per request (at most SCHEME_MAX_IO bytes, page-aligned). fmap never maps
 * into it, and fork never copies it.
 */
#define USER_BOUNCE_BASE 0x00007ffe00000000UL
#define BOUNCE_SLOT_BYTES (128UL * 1024)
#define BOUNCE_SLOTS 256
#define USER_BOUNCE_END (USER_BOUNCE_BASE + BOUNCE_SLOTS * BOUNCE_SLOT_BYTES)
_Static_assert(USER_BOUNCE_END < USER_STACK_TOP - USER_STACK_BYTES - PAGE_SIZE,
	       "the bounce window lies below the user stack and its guard");

/* True if [va, va + len) (already checked not to wrap) meets the bounce window. */
static inline bool user_range_meets_bounce_window(uint64_t va, uint64_t len)
{
	return va < USER_BOUNCE_END && va + len > USER_BOUNCE_BASE;
}

/* Anonymous fmap without an address hint starts here and grows up. */
#define USER_MMAP_BASE 0x0000100000000000UL

/* Physical memory the boot page tables (boot.asm) map; lab 2 maps it all. */
#define BOOT_MAPPED_BYTES (1UL << 30)

static inline void *P2V(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t V2P(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
}

/* Symbols from kernel.ld; only their addresses mean anything. */
extern char kernel_phys_start[], kernel_text_start[], kernel_text_end[];
extern char kernel_rodata_start[], kernel_rodata_end[], kernel_data_start[];
extern char kernel_bss_start[], kernel_bss_end[], kernel_ksyms_start[], kernel_end[];
/* From boot.asm: the boot stack and the unmapped page under it (lab 2). */
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

/* Physical memory reachable through P2V: BOOT_MAPPED_BYTES until lab 2's
 * kernel_vm_init maps it all. */
extern uint64_t direct_map_end;

#endif
