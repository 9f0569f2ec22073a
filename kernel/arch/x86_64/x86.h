/*
 * x86.h - one-instruction wrappers: port I/O, control registers, MSRs,
 * interrupts on/off, halting. Portable kernel code calls these instead of
 * writing inline assembly itself.
 */
#ifndef ANODE_X86_H
#define ANODE_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline void outl(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

/* Loading CR3 also flushes every non-global TLB entry. */
static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline uint64_t read_rbp(void)
{
	uint64_t v;

	__asm__ volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/* Under ICOUNT=1 (-icount shift=0) this counts guest instructions exactly. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause");
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt");
}

static inline void interrupts_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* CPUID leaf (and subleaf): regs[] = eax, ebx, ecx, edx. */
static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(leaf), "c"(subleaf));
}

/*
 * Set only by the mem-tlb self-test (tlb.c): it sees every address
 * invalidated. QEMU drops its whole TLB for an invlpg inside a large page
 * it has cached (boot.asm's direct map uses 2 MiB pages), which hides an
 * invlpg of the wrong address; the record does not.
 */
extern void (*tlb_invalidate_observer)(uint64_t va);

/* Drops the TLB's cached translation of the page holding va. */
static inline void tlb_invalidate(uint64_t va)
{
	if (tlb_invalidate_observer)
		tlb_invalidate_observer(va);
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * Enables interrupts, sleeps until one arrives and has been handled, and
 * disables them again. `sti` takes effect after the next instruction, so
 * an interrupt cannot slip in between the two and be missed by the hlt.
 */
static inline void cpu_wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

#define MSR_EFER 0xc0000080
#define EFER_NXE (1UL << 11)
#define RFLAGS_IF (1UL << 9)

#endif
