/*
 * vm_test.c - lab 2 self-tests of page tables and the kernel address space:
 *   mem-map            map seeded addresses in a new address space, check
 *                      writes through aliases, protection, unmapping and
 *                      that destroying the space gives every frame back;
 *   mem-teardown       map seeded, widely spread pages and count the
 *                      page-table frames; destroy; all frames come back;
 *   mem-unmapped       read a page just unmapped (fault: not present);
 *   mem-write-text     write into kernel text (fault: protection);
 *   mem-nx-heap        jump into a kmalloc buffer (fault: no-execute);
 *   mem-null           read near address 0 (fault: nothing mapped there);
 *   mem-stack-overflow recurse until the stack's guard page (double fault).
 */
#include "arch/x86_64/x86.h"
#include "compiler.h"
#include "frame.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "memlayout.h"
#include "random.h"
#include "selftest.h"
#include "vm.h"

#define MAP_TEST_PAGES 12
#define MAP_TEST_WINDOW (1UL << 30)     /* test pages fall in [1 GiB, 2 GiB) */
#define MAP_TEST_ALIAS_OFFSET (1UL << 32)
#define TEARDOWN_TEST_PAGES 20
#define KERNEL_TEST_BASE 0xffffc00000000000UL /* PML4 slot 384: unused by the kernel */

static uint64_t map_test_address(void)
{
	return MAP_TEST_WINDOW + (random_next() % MAP_TEST_WINDOW & ~(PAGE_SIZE - 1));
}

/* Writes through va, reads through the direct map and through alias. */
static int map_test_one(uint64_t space, uint64_t va, uint64_t *frames_used)
{
	uint64_t pa = frame_alloc(), value = random_next(), alias = va + MAP_TEST_ALIAS_OFFSET, got;

	if (!pa || vm_map_range(space, va, pa, PAGE_SIZE, VM_WRITE) != 0)
		return kprintf("map-test: could not map 0x%lx\n", va), 1;
	frame_ref(pa);
	if (vm_map_range(space, alias, pa, PAGE_SIZE, VM_WRITE) != 0)
		return kprintf("map-test: could not map the alias 0x%lx\n", alias), 1;
	*(volatile uint64_t *)va = value;
	if (*(volatile uint64_t *)P2V(pa) != value || *(volatile uint64_t *)alias != value)
		return kprintf("map-test: write through 0x%lx not seen through its aliases\n", va), 1;
	*(volatile uint64_t *)(alias + 8) = ~value;
	if (*(volatile uint64_t *)(va + 8) != ~value)
		return kprintf("map-test: write through the alias not seen at 0x%lx\n", va), 1;
	if (!vm_translate(space, va + 123, &got, NULL) || got != pa + 123)
		return kprintf("map-test: translate(0x%lx) is wrong\n", va + 123), 1;
	if (vm_map_range(space, va, pa, PAGE_SIZE, VM_WRITE) != -17)
		return kprintf("map-test: mapping 0x%lx twice did not give -EEXIST\n", va), 1;
	*frames_used += 1;
	kprintf("map-test: page 0x%016lx -> frame mapped, aliased, checked\n", va);
	return 0;
}

static int map_test_protect_and_unmap(uint64_t space, uint64_t va)
{
	uint64_t pte, *entry = pt_walk(space, va, false);
	/* A software bit (later labs mark pages a process does not own with one). */
	uint64_t soft = 1UL << (9 + random_next() % 3);

	*entry |= soft;
	if (vm_protect_range(space, va, PAGE_SIZE, 0) != 0 || !vm_translate(space, va, NULL, &pte) ||
	    (pte & PTE_WRITE) || !(pte & PTE_NX))
		return kprintf("map-test: protect did not make 0x%lx read-only\n", va), 1;
	if (!(pte & soft))
		return kprintf("map-test: protect dropped software bit 0x%lx of 0x%lx\n", soft, va), 1;
	if (vm_protect_range(space, va + PAGE_SIZE * 7919, PAGE_SIZE, 0) == 0 &&
	    !vm_translate(space, va + PAGE_SIZE * 7919, NULL, NULL))
		return kprintf("map-test: protect of an unmapped page succeeded\n"), 1;
	vm_unmap_range(space, va, PAGE_SIZE, true);
	vm_unmap_range(space, va + MAP_TEST_ALIAS_OFFSET, PAGE_SIZE, true);
	if (vm_translate(space, va, NULL, NULL))
		return kprintf("map-test: 0x%lx still mapped after unmap\n", va), 1;
	return 0;
}

int selftest_map(void)
{
	uint64_t before = frame_free_count(), space = vm_create(), used = 0, va[MAP_TEST_PAGES];
	int failures = 0;

	if (!space)
		return 1;
	write_cr3(space);
	for (int i = 0; i < MAP_TEST_PAGES; i++) {
		va[i] = map_test_address();
		failures += map_test_one(space, va[i], &used);
	}
	failures += map_test_protect_and_unmap(space, va[0]);
	write_cr3(kernel_pml4());
	vm_destroy(space);
	kprintf("map-test: free frames before %lu, after destroy %lu\n", before, frame_free_count());
	failures += frame_free_count() != before;
	return failures ? 1 : 0;
}

int selftest_teardown(void)
{
	uint64_t before = frame_free_count(), space = vm_create(), mapped = 0, tables;

	if (!space)
		return 1;
	for (int i = 0; i < TEARDOWN_TEST_PAGES; i++) {
		uint64_t va = random_next() % USER_END & ~(PAGE_SIZE - 1), pa = frame_alloc();

		if (va < USER_BASE || vm_map_range(space, va, pa, PAGE_SIZE, VM_WRITE | VM_USER) != 0) {
			frame_free(pa);
			continue;
		}
		mapped++;
	}
	/* What is not a mapped page is a table, the PML4 included. */
	tables = before - frame_free_count() - mapped;
	kprintf("teardown-test: mapped %lu pages using %lu page-table frames\n", mapped, tables);
	vm_destroy(space);
	kprintf("teardown-test: free frames before %lu, after destroy %lu\n", before,
		frame_free_count());
	return frame_free_count() == before ? 0 : 1;
}

int selftest_unmapped(void)
{
	uint64_t va = KERNEL_TEST_BASE + (random_next() % (1UL << 30) & ~(PAGE_SIZE - 1));
	uint64_t pa = frame_alloc();

	if (vm_map_range(kernel_pml4(), va, pa, PAGE_SIZE, VM_WRITE) != 0)
		return 1;
	*(volatile uint64_t *)va = 1;
	vm_unmap_range(kernel_pml4(), va, PAGE_SIZE, true);
	kprintf("unmapped-test: reading 0x%016lx after unmapping it\n", va);
	(void)*(volatile uint64_t *)va;
	return 1;
}

int selftest_write_text(void)
{
	uint64_t span = (uint64_t)kernel_text_end - (uint64_t)kernel_text_start;
	volatile char *target = kernel_text_start + random_next() % span;

	kprintf("write-text-test: writing to kernel text at 0x%016lx\n", (uint64_t)target);
	*target = 0;
	return 1;
}

int selftest_nx_heap(void)
{
	unsigned char *buffer = kmalloc(64);
	void (*code)(void);

	if (!buffer)
		return 1;
	code = (void (*)(void))(buffer + random_next() % 48);
	*(unsigned char *)code = 0xc3; /* ret: harmless if NX does not stop it */
	kprintf("nx-heap-test: calling heap address 0x%016lx\n", (uint64_t)code);
	code();
	kprintf("nx-heap-test: the heap is executable\n");
	return 1;
}

int selftest_null(void)
{
	uint64_t address = random_next() % PAGE_SIZE & ~7UL;

	kprintf("null-test: reading 0x%016lx\n", address);
	(void)*(volatile uint64_t *)address;
	return 1;
}

/* A limit the compiler cannot see through, so the recursion is not "infinite". */
static volatile uint64_t stack_overflow_limit = UINT64_MAX;

/* Each call takes 256+ bytes of stack; volatile keeps the array. */
NOINLINE static uint64_t stack_overflow_recurse(uint64_t depth)
{
	volatile uint64_t pad[32];

	pad[depth % 32] = depth;
	if (depth >= stack_overflow_limit)
		return 0;
	return stack_overflow_recurse(depth + 1) + pad[(depth + 1) % 32];
}

int selftest_stack_overflow(void)
{
	kprintf("stack-overflow-test: recursing from rsp near 0x%lx\n", read_rbp());
	return (int)stack_overflow_recurse(0);
}
