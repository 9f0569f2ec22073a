/*
 * frame_test.c - lab 2 self-tests of the frame allocator:
 *   mem-frames             allocate every free frame, check each is distinct
 *                          and zeroed, free them all, check the counts and
 *                          reference counting;
 *   mem-frame-double-free  free a frame twice: must panic;
 *   mem-module-frames      the frames of a boot module (-initrd) are held
 *                          once by the boot: never handed out, and a
 *                          mapping that takes and drops its own reference
 *                          leaves them held, not freed;
 *   mem-frame-recycle      frames written on and freed come back (from the
 *                          freed stack) zeroed, each once, and page tables
 *                          built from such frames hold only their entry.
 */
#include "bootinfo.h"
#include "compiler.h"
#include "frame.h"
#include "kprintf.h"
#include "memlayout.h"
#include "random.h"
#include "selftest.h"
#include "vm.h"

/* Each allocated frame holds { link to the previous one, stamp ^ its address }. */
struct frame_stamp {
	uint64_t next;
	uint64_t check;
};

static bool frame_test_is_zero(const uint64_t *words)
{
	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		if (words[i])
			return false;
	return true;
}

static int frame_test_refcount(void)
{
	uint64_t before = frame_free_count(), pa = frame_alloc();

	if (!pa)
		return 1;
	frame_ref(pa);
	frame_free(pa);
	if (frame_refcount(pa) != 1 || frame_free_count() != before - 1) {
		kprintf("frames-test: a frame with two references was freed by one frame_free\n");
		return 1;
	}
	frame_free(pa);
	if (frame_refcount(pa) != 0 || frame_free_count() != before) {
		kprintf("frames-test: the last frame_free did not free the frame\n");
		return 1;
	}
	kprintf("frames-test: reference counts ok\n");
	return 0;
}

int selftest_frames(void)
{
	uint64_t before = frame_free_count(), stamp = random_next();
	uint64_t head = 0, allocated = 0, distinct = 0, dirty = 0, pa;
	int failures = 0;

	while ((pa = frame_alloc()) != 0) {
		struct frame_stamp *s = P2V(pa);

		dirty += !frame_test_is_zero(P2V(pa));
		s->next = head;
		s->check = stamp ^ pa;
		head = pa;
		allocated++;
	}
	/* A frame handed out twice was overwritten, so the chain comes up short. */
	for (pa = head; pa; pa = ((struct frame_stamp *)P2V(pa))->next) {
		if (((struct frame_stamp *)P2V(pa))->check != (stamp ^ pa) || distinct > allocated)
			break;
		distinct++;
	}
	kprintf("frames-test: free before %lu, allocated %lu, distinct %lu, not zeroed %lu\n", before,
		allocated, distinct, dirty);
	for (pa = head; pa;) {
		uint64_t next = ((struct frame_stamp *)P2V(pa))->next;

		frame_free(pa);
		pa = next;
	}
	kprintf("frames-test: free after %lu of %lu\n", frame_free_count(), frame_total_count());
	failures += allocated != before || distinct != allocated || dirty != 0;
	failures += frame_free_count() != before;
	failures += frame_test_refcount();
	return failures ? 1 : 0;
}

int selftest_frame_double_free(void)
{
	uint64_t pa = frame_alloc();

	kprintf("frame-double-free-test: freeing frame 0x%lx twice\n", pa);
	frame_free(pa);
	frame_free(pa);
	return 1;
}

/* Counts the module's frames whose reference count is not exactly 1. */
static uint64_t module_test_wrong_counts(const struct boot_module *m, uint64_t *frames)
{
	uint64_t wrong = 0;

	*frames = 0;
	for (uint64_t pa = ALIGN_DOWN(m->start, FRAME_SIZE); pa < m->end; pa += FRAME_SIZE) {
		wrong += frame_refcount(pa) != 1;
		(*frames)++;
	}
	return wrong;
}

int selftest_module_frames(void)
{
	const struct boot_module *m = &boot_info.modules[0];
	uint64_t before = frame_free_count(), frames, wrong, space, va = 0x400000;

	if (boot_info.module_count == 0) {
		kprintf("module-test: no boot module (QEMU's -initrd gives one)\n");
		return 1;
	}
	wrong = module_test_wrong_counts(m, &frames);
	kprintf("module-test: module 0 has %lu frames, %lu not held exactly once\n", frames, wrong);
	/* Map every module frame the way a process will (lab 5), then tear down. */
	space = vm_create();
	for (uint64_t i = 0; space && i < frames; i++) {
		frame_ref(ALIGN_DOWN(m->start, FRAME_SIZE) + i * FRAME_SIZE);
		if (vm_map_range(space, va + i * FRAME_SIZE, ALIGN_DOWN(m->start, FRAME_SIZE) +
				 i * FRAME_SIZE, FRAME_SIZE, VM_USER) < 0)
			return kprintf("module-test: could not map the module\n"), 1;
	}
	if (space)
		vm_destroy(space);
	wrong += module_test_wrong_counts(m, &frames);
	kprintf("module-test: after mapping and destroying, %lu not held exactly once; free frames "
		"before %lu, after %lu\n", wrong, before, frame_free_count());
	return wrong != 0 || !space || frame_free_count() != before;
}

#define RECYCLE_MAX 64
#define RECYCLE_SPAN (1UL << 46) /* the page mapped from recycled frames lies below */

/* Fills a frame with entries that look present (and point at the frame itself). */
static void recycle_scribble(uint64_t pa)
{
	uint64_t *words = P2V(pa);

	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		words[i] = pa | PTE_PRESENT | PTE_WRITE | PTE_USER | (i << 9 & PTE_SOFT_MASK);
}

static uint64_t recycle_present(uint64_t table_pa, unsigned first, unsigned count)
{
	const uint64_t *table = P2V(table_pa);
	uint64_t present = 0;

	for (unsigned i = first; i < first + count; i++)
		present += table[i] & PTE_PRESENT;
	return present;
}

/* Present entries in the tables on the way to va: PML4 user half, PDPT, PD, PT. */
static void recycle_count_tables(uint64_t space, uint64_t va, uint64_t present[4])
{
	uint64_t table = space;

	present[0] = recycle_present(table, 0, PT_ENTRIES / 2);
	for (int level = PT_LEVELS; level > 1; level--) {
		uint64_t e = ((const uint64_t *)P2V(table))[pt_index(va, level)];

		if (!(e & PTE_PRESENT) || (e & PTE_HUGE) || (e & PTE_ADDR_MASK) >= direct_map_end)
			return;
		table = e & PTE_ADDR_MASK;
		present[PT_LEVELS - level + 1] = recycle_present(table, 0, PT_ENTRIES);
	}
}

int selftest_frame_recycle(void)
{
	static uint64_t first[RECYCLE_MAX], again[RECYCLE_MAX];
	uint64_t n = 8 + random_next() % 57, before = frame_free_count(), freed, reallocated;
	uint64_t dirty = 0, foreign = 0, twice = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (!(first[i] = frame_alloc()))
			return kprintf("recycle-test: out of memory\n"), 1;
		recycle_scribble(first[i]);
	}
	for (uint64_t i = 0; i < n; i++)
		frame_free(first[i]);
	freed = frame_free_count();
	for (uint64_t i = 0; i < n; i++) {
		bool known = false;

		again[i] = frame_alloc();
		dirty += again[i] && !frame_test_is_zero(P2V(again[i]));
		for (uint64_t j = 0; j < n; j++)
			known |= first[j] == again[i];
		foreign += !known;
		for (uint64_t j = 0; j < i; j++)
			twice += again[j] == again[i];
	}
	reallocated = frame_free_count();
	kprintf("recycle-test: %lu frames written on and freed, then allocated again: %lu not zeroed, "
		"%lu not among the freed ones, %lu handed out twice\n", n, dirty, foreign, twice);
	kprintf("recycle-test: free frames %lu before, %lu after freeing, %lu after allocating again\n",
		before, freed, reallocated);
	for (uint64_t i = 0; i < n; i++)
		if (again[i] && frame_refcount(again[i]) > 0)
			frame_free(again[i]);
	kprintf("recycle-test: free frames at the end %lu\n", frame_free_count());
	return dirty || foreign || twice || reallocated != freed - n || frame_free_count() != before;
}

/*
 * `mem-recycled-tables` (Exercise 3): page tables built from frames that
 * were written on and freed must start empty, or a walk follows garbage.
 */
int selftest_recycled_tables(void)
{
	static uint64_t frames[RECYCLE_MAX];
	uint64_t n = 8 + random_next() % 57, va = random_next() % RECYCLE_SPAN & ~(FRAME_SIZE - 1);
	uint64_t before = frame_free_count(), space, pa, present[4] = { 0 };

	for (uint64_t i = 0; i < n; i++) {
		if (!(frames[i] = frame_alloc()))
			return kprintf("recycle-test: out of memory\n"), 1;
		recycle_scribble(frames[i]);
	}
	for (uint64_t i = 0; i < n; i++)
		frame_free(frames[i]);
	space = vm_create();
	pa = frame_alloc();
	if (!space || !pa || vm_map_range(space, va, pa, FRAME_SIZE, VM_WRITE) != 0)
		return kprintf("recycle-test: could not map 0x%016lx\n", va), 1;
	recycle_count_tables(space, va, present);
	kprintf("recycle-test: one page mapped in a new address space built from %lu scribbled "
		"frames: present entries %lu in the PML4's user half, %lu in the PDPT, %lu in the PD, "
		"%lu in the PT\n", n, present[0], present[1], present[2], present[3]);
	if (present[0] != 1 || present[1] != 1 || present[2] != 1 || present[3] != 1)
		return 1; /* destroying it would follow the garbage */
	vm_destroy(space);
	kprintf("recycle-test: free frames before %lu, after destroy %lu\n", before, frame_free_count());
	return frame_free_count() != before;
}
