/*
 * uaccess_test.c - `test=uaccess` (lab 3, Exercise 3): the user-memory
 * checks, without user mode. The test builds a small address space for a
 * process it makes current, then copies in and out of it:
 *
 *   base + 0  user, writable        base + 4  user, writable
 *   base + 1  user, read-only       base + 5  nothing mapped
 *   base + 2  kernel only           base + 6  user, writable
 *   base + 3  nothing mapped
 *   USER_END - 4096 and USER_END: user, writable; the second is above the
 *   user range (it is never mapped for a program) and mapped here on purpose
 *
 * Each line says what a copy returned; the grader knows what each must
 * return. A refused copy must also have changed nothing.
 */
#include "errno.h"
#include "frame.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "random.h"
#include "selftest.h"
#include "uaccess.h"
#include "vm.h"

#define UACCESS_TEST_PAGES 7
#define UACCESS_TEST_WINDOW (1UL << 40)    /* base falls in [1 TiB, 2 TiB) */

static const unsigned page_flags[UACCESS_TEST_PAGES] = {
	VM_USER | VM_WRITE, VM_USER, VM_WRITE, 0, VM_USER | VM_WRITE, 0, VM_USER | VM_WRITE,
};

static uint8_t scratch[3 * PAGE_SIZE];

static int map_test_page(uint64_t pml4, uint64_t va, unsigned flags)
{
	uint64_t pa = frame_alloc();

	if (!pa)
		return -ENOMEM;
	memset(P2V(pa), 0xa5, PAGE_SIZE);
	if (vm_map_range(pml4, va, pa, PAGE_SIZE, flags) != 0) {
		frame_free(pa);
		return -ENOMEM;
	}
	return 0;
}

/* The byte at user address va, read through the page tables (0 if unmapped). */
static uint8_t peek(uint64_t pml4, uint64_t va)
{
	uint64_t pa;

	return vm_translate(pml4, va, &pa, NULL) ? *(uint8_t *)P2V(pa) : 0;
}

static void try_read(const char *what, uint64_t va, uint64_t len)
{
	int got = copy_from_user(scratch, user_ptr(va), len);

	kprintf("uaccess-test: read %s -> %d\n", what, got);
}

/* A write of fresh bytes; a refused write must leave the first byte alone. */
static void try_write(uint64_t pml4, const char *what, uint64_t va, uint64_t len)
{
	uint8_t before = peek(pml4, va), value = (uint8_t)(random_next() | 1);
	int got;

	memset(scratch, value, len);
	got = copy_to_user(user_ptr(va), scratch, len);
	kprintf("uaccess-test: write %s -> %d, %s\n", what, got,
		peek(pml4, va) == (got == 0 ? value : before) ? "memory as expected" : "MEMORY WRONG");
}

int selftest_uaccess(void)
{
	uint64_t frames_before = frame_free_count();
	struct proc *p = selftest_enter_proc("uaccess-test", true);
	uint64_t base = UACCESS_TEST_WINDOW + (random_next() % UACCESS_TEST_WINDOW & ~(PAGE_SIZE - 1));
	uint64_t off = random_next() % 2048;

	if (!p)
		return 1;
	for (int i = 0; i < UACCESS_TEST_PAGES; i++)
		if (page_flags[i] && map_test_page(p->pml4, base + i * PAGE_SIZE, page_flags[i]) != 0)
			return kprintf("uaccess-test: out of memory\n"), selftest_leave_proc(p), 1;
	if (map_test_page(p->pml4, USER_END - PAGE_SIZE, VM_USER | VM_WRITE) != 0 ||
	    map_test_page(p->pml4, USER_END, VM_USER | VM_WRITE) != 0)
		return kprintf("uaccess-test: out of memory\n"), selftest_leave_proc(p), 1;
	kprintf("uaccess-test: pages at 0x%lx, offset %lu\n", base, off);

	try_read("inside the writable page", base + off, 1024);
	try_write(p->pml4, "inside the writable page", base + off, 1024);
	try_read("across writable and read-only", base + PAGE_SIZE - off - 1, 2 * off + 2);
	try_read("the whole read-only page", base + PAGE_SIZE, PAGE_SIZE);
	try_write(p->pml4, "inside the read-only page", base + PAGE_SIZE + off, 16);
	try_write(p->pml4, "across writable and read-only", base + PAGE_SIZE - off - 1, 2 * off + 2);
	try_read("across read-only and kernel-only", base + 2 * PAGE_SIZE - 8, 16);
	try_read("inside the kernel-only page", base + 2 * PAGE_SIZE + off, 8);
	try_read("inside the unmapped page", base + 3 * PAGE_SIZE + off, 8);
	try_read("the last byte of the second writable page", base + 5 * PAGE_SIZE - 1, 1);
	try_read("the last byte plus one unmapped byte", base + 5 * PAGE_SIZE - 1, 2);
	try_write(p->pml4, "ending one byte into the unmapped page", base + 4 * PAGE_SIZE + off,
		  PAGE_SIZE - off + 1);
	try_read("three pages with an unmapped one in the middle", base + 4 * PAGE_SIZE + off,
		 2 * PAGE_SIZE);
	try_read("at address 0", 0, 8);
	try_read("the kernel's text", KERNEL_VMA + 0x100000, 8);
	try_read("at USER_END (mapped, but not user space)", USER_END, 8);
	try_read("across USER_END", USER_END - 8, 16);
	try_read("wrapping around the address space", base + off, ~0UL - off);
	selftest_leave_proc(p);
	kprintf("uaccess-test: free frames before %lu, after %lu\n", frames_before, frame_free_count());
	kprintf("uaccess-test: done\n");
	return 0;
}
