/*
 * fault_test.c - `test=fault-*`: make the CPU raise one exception each, at
 * a known function and, where it matters, with seeded values the report
 * must show (registers for #UD, the address for #GP and #PF). The grader
 * checks the vector, the symbol and the values. All but the breakpoint
 * end the run with the panic status.
 */
#include <stdint.h>

#include "compiler.h"
#include "kprintf.h"
#include "random.h"
#include "selftest.h"

/* Page-map level 4 slots 1..255 are unmapped until user space exists. */
#define FAULT_PML4_SLOT_BYTES (1UL << 39)

int selftest_fault_divide(void)
{
	uint64_t dividend = random_next(), divisor = 0;

	/* In assembly: a C division by zero is undefined, not a #DE. */
	__asm__ volatile("xorl %%edx, %%edx\n\tdivq %1" : "+a"(dividend) : "r"(divisor) : "rdx");
	kprintf("fault-test: divide by zero did not fault\n");
	return 1;
}

int selftest_fault_breakpoint(void)
{
	__asm__ volatile("int3");
	kprintf("fault-test: resumed after breakpoint\n");
	return 0;
}

int selftest_fault_invalid_opcode(void)
{
	uint64_t a = random_next(), b = random_next(), c = random_next();

	kprintf("fault-test: ud2 with rax=0x%016lx rbx=0x%016lx r15=0x%016lx\n", a, b, c);
	__asm__ volatile("movq %0, %%rax\n\tmovq %1, %%rbx\n\tmovq %2, %%r15\n\tud2"
			 :
			 : "r"(a), "r"(b), "r"(c)
			 : "rax", "rbx", "r15");
	return 1;
}

int selftest_fault_general_protection(void)
{
	/* Bits 63..48 must copy bit 47; setting only bit 63 breaks that. */
	uint64_t address = (1UL << 63) | (random_next() & 0x00007ffffffffff8UL);

	kprintf("fault-test: load from non-canonical 0x%016lx\n", address);
	(void)*(volatile uint64_t *)address;
	return 1;
}

int selftest_fault_page(void)
{
	uint64_t r = random_next();
	uint64_t address = (1 + r % 255) * FAULT_PML4_SLOT_BYTES + ((r >> 8) & 0x7ffffffff8UL);
	bool write = (r >> 63) & 1;

	kprintf("fault-test: %s unmapped 0x%016lx\n", write ? "write to" : "read from", address);
	if (write)
		*(volatile uint64_t *)address = r;
	else
		(void)*(volatile uint64_t *)address;
	return 1;
}
