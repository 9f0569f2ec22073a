/*
 * vm_copy_test.c - `test=vm-copy` (lab 3, Exercise 6): fork's copy of an
 * address space, page by page. The test maps seeded pages into a new space
 * with every kind of entry — writable or not, executable or not, with
 * software bits set, with the accessed and dirty bits set — fills them
 * with seeded bytes, copies the space with vm_copy_user and compares each
 * page: a new frame, the same bytes, and the same entry bits except
 * accessed and dirty (the copy has not been touched yet). Then it frees
 * both spaces: every frame must come back.
 */
#include "frame.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "random.h"
#include "selftest.h"
#include "vm.h"

#define COPY_TEST_PAGES 12
#define COPY_TEST_WINDOW (1UL << 39)    /* pages fall in [512 GiB, 1 TiB) */
/* Software bits a copy keeps. Not PTE_BORROWED (bit 9: never copied) nor
 * PTE_SHARED (bit 10: the frame is shared, lab 5), which fork treats apart. */
#define COPY_TEST_SOFT_BITS (0x0000000000000800UL | 0x0010000000000000UL)

static const unsigned copy_flags[] = {
	VM_USER | VM_WRITE, VM_USER, VM_USER | VM_EXEC, VM_USER | VM_WRITE | VM_EXEC, VM_WRITE, 0,
};

int selftest_vm_copy(void)
{
	uint64_t before = frame_free_count(), src = vm_create(), dst = vm_create();
	uint64_t va[COPY_TEST_PAGES], wrong_bits = 0, same_frame = 0, wrong_bytes = 0, missing = 0;

	if (!src || !dst)
		return kprintf("copy-test: out of memory\n"), 1;
	for (int i = 0; i < COPY_TEST_PAGES; i++) {
		uint64_t pa = frame_alloc(), *pte, extra = 0;

		va[i] = COPY_TEST_WINDOW + (random_next() % COPY_TEST_WINDOW & ~(PAGE_SIZE - 1));
		if (!pa || vm_map_range(src, va[i], pa, PAGE_SIZE, copy_flags[i % 6]) != 0) {
			if (pa)
				frame_free(pa);
			va[i] = 0;
			continue;
		}
		for (uint64_t w = 0; w < PAGE_SIZE / 8; w++)
			((uint64_t *)P2V(pa))[w] = random_next();
		pte = pt_walk(src, va[i], false);
		if (i % 3 == 1)
			extra |= COPY_TEST_SOFT_BITS & (random_next() | 0x800);
		if (i % 2 == 0)
			extra |= PTE_ACCESSED | PTE_DIRTY;
		*pte |= extra;
	}
	if (vm_copy_user(dst, src) != 0)
		return kprintf("copy-test: vm_copy_user failed\n"), 1;
	for (int i = 0; i < COPY_TEST_PAGES; i++) {
		uint64_t s_pte, d_pte, s_pa, d_pa, ignore = PTE_ADDR_MASK | PTE_ACCESSED | PTE_DIRTY;

		if (!va[i])
			continue;
		if (!vm_translate(src, va[i], &s_pa, &s_pte) || !vm_translate(dst, va[i], &d_pa, &d_pte)) {
			missing++;
			continue;
		}
		if ((s_pte & ~ignore) != (d_pte & ~ignore) || (d_pte & (PTE_ACCESSED | PTE_DIRTY)))
			wrong_bits++, kprintf("copy-test: page 0x%lx: entry 0x%016lx copied as 0x%016lx\n",
					      va[i], s_pte, d_pte);
		same_frame += s_pa == d_pa;
		wrong_bytes += memcmp(P2V(s_pa), P2V(d_pa), PAGE_SIZE) != 0;
	}
	kprintf("copy-test: %d pages copied: %lu missing, %lu with wrong entry bits, %lu sharing the "
		"frame, %lu with different bytes\n", COPY_TEST_PAGES, missing, wrong_bits, same_frame,
		wrong_bytes);
	vm_destroy(src);
	vm_destroy(dst);
	kprintf("copy-test: free frames before %lu, after %lu\n", before, frame_free_count());
	kprintf("copy-test: done\n");
	return 0;
}
