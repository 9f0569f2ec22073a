/*
 * frame.c - the physical frame allocator (lab 2, handout §2).
 *
 * Memory comes from the boot memory map's usable regions, minus the
 * excluded ranges: low memory (below 1 MiB: BIOS data, VGA), the kernel
 * image, the boot modules and this allocator's own table. Free frames come
 * from two places, both O(1):
 *
 *   fresh  never handed out yet: a cursor walks the usable regions upward,
 *          so boot writes nothing per frame (4 GiB boots as fast as 128 MiB)
 *          and runs of contiguous frames are easy to find;
 *   freed  a stack of frames given back, linked through their own first
 *          word, written through the direct map.
 *
 * The table keeps one 16-bit reference count per frame (0.05% of memory);
 * 0 means "not allocated". Layer above: pagetable.c, kmalloc.c.
 */
#include "bootinfo.h"
#include "compiler.h"
#include "frame.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"

#define LOW_MEMORY_END 0x100000UL /* BIOS, VGA, option ROMs live below 1 MiB */
#define FRAME_NONE 0              /* frame 0 is low memory: never allocatable */
#define FRAME_MAX_REFS UINT16_MAX
#define EXCLUDED_MAX (3 + BOOT_MAX_MODULES)

struct phys_range {
	uint64_t start, end; /* physical, page aligned, end exclusive */
};

static uint16_t *frame_refs;          /* indexed by frame number (pfn) */
static uint64_t frame_limit;          /* pfns below this have a count */
static struct phys_range excluded[EXCLUDED_MAX];
static int excluded_count;
static int fresh_region;              /* index in boot_info.regions */
static uint64_t fresh_next;           /* next never-used address in it */
static uint64_t freed_top = FRAME_NONE; /* physical address on top of the freed stack */
static uint64_t free_frames, total_frames;

static uint64_t pfn_of(uint64_t pa)
{
	return pa / FRAME_SIZE;
}

static void frame_exclude(uint64_t start, uint64_t end)
{
	excluded[excluded_count++] = (struct phys_range){ ALIGN_DOWN(start, FRAME_SIZE),
							  ALIGN_UP(end, FRAME_SIZE) };
}

/* Returns the end of the excluded range containing pa, or 0 if none does. */
static uint64_t frame_excluded_until(uint64_t pa)
{
	for (int i = 0; i < excluded_count; i++)
		if (pa >= excluded[i].start && pa < excluded[i].end)
			return excluded[i].end;
	return 0;
}

static bool region_usable(int i)
{
	return boot_info.regions[i].type == BOOT_MEM_USABLE;
}

static uint64_t region_start(int i)
{
	return ALIGN_UP(boot_info.regions[i].base, FRAME_SIZE);
}

static uint64_t region_end(int i)
{
	return ALIGN_DOWN(boot_info.regions[i].base + boot_info.regions[i].length, FRAME_SIZE);
}

/* The table goes in the first usable stretch clear of every excluded range. */
static uint64_t frame_place_table(uint64_t bytes)
{
	for (int i = 0; i < boot_info.region_count; i++) {
		uint64_t at = region_start(i), until;

		while (region_usable(i) && at + bytes <= region_end(i)) {
			until = 0;
			for (uint64_t p = at; p < at + bytes && !until; p += FRAME_SIZE)
				until = frame_excluded_until(p);
			if (!until)
				return at;
			at = until;
		}
	}
	panic("frame_init: no room for the frame table (%lu bytes)", bytes);
}

/* Counts usable frames: whole regions minus their overlap with excluded ranges. */
static uint64_t frame_count_usable(void)
{
	uint64_t bytes = 0;

	for (int i = 0; i < boot_info.region_count; i++) {
		if (!region_usable(i) || region_end(i) <= region_start(i))
			continue;
		bytes += region_end(i) - region_start(i);
		for (int e = 0; e < excluded_count; e++) {
			uint64_t lo = excluded[e].start > region_start(i) ? excluded[e].start : region_start(i);
			uint64_t hi = excluded[e].end < region_end(i) ? excluded[e].end : region_end(i);

			if (hi > lo)
				bytes -= hi - lo;
		}
	}
	return bytes / FRAME_SIZE;
}

/*
 * Boot modules (lab 5's initfs blob) are never free, but unlike the kernel
 * image they get mapped into processes. The boot itself holds one
 * reference to each module frame for as long as the machine runs, so a
 * process that maps one takes a reference (frame_ref) and gives it back
 * on unmap or exit like any other page, and the count never reaches 0.
 */
static void frame_claim_modules(void)
{
	for (int m = 0; m < boot_info.module_count; m++) {
		uint64_t pa = ALIGN_DOWN(boot_info.modules[m].start, FRAME_SIZE);

		for (; pa < boot_info.modules[m].end && pfn_of(pa) < frame_limit; pa += FRAME_SIZE)
			frame_refs[pfn_of(pa)] = 1;
	}
}

void frame_init(void)
{
	uint64_t top = 0, table_pa, table_bytes;

	for (int i = 0; i < boot_info.region_count; i++)
		if (region_usable(i) && region_end(i) > top)
			top = region_end(i);
	frame_limit = pfn_of(top);
	table_bytes = ALIGN_UP(frame_limit * sizeof(frame_refs[0]), FRAME_SIZE);

	frame_exclude(0, LOW_MEMORY_END);
	frame_exclude((uint64_t)kernel_phys_start, V2P(kernel_end));
	for (int m = 0; m < boot_info.module_count; m++)
		frame_exclude(boot_info.modules[m].start, boot_info.modules[m].end);
	table_pa = frame_place_table(table_bytes);
	/* Until paging_init maps all memory, only the boot mapping reaches it. */
	if (table_pa + table_bytes > BOOT_MAPPED_BYTES)
		panic("frame_init: frame table at 0x%lx is beyond the boot mapping", table_pa);
	frame_exclude(table_pa, table_pa + table_bytes);
	frame_refs = P2V(table_pa);
	memset(frame_refs, 0, table_bytes);
	frame_claim_modules();

	total_frames = free_frames = frame_count_usable();
	fresh_region = 0;
	fresh_next = 0;
}

/* Takes the next never-used frame, or 0. Skips holes and excluded ranges. */
static uint64_t frame_take_fresh(void)
{
	while (fresh_region < boot_info.region_count) {
		uint64_t until;

		if (fresh_next < region_start(fresh_region))
			fresh_next = region_start(fresh_region);
		if (!region_usable(fresh_region) || fresh_next >= region_end(fresh_region)) {
			fresh_region++;
			continue;
		}
		until = frame_excluded_until(fresh_next);
		if (until) {
			fresh_next = until;
			continue;
		}
		fresh_next += FRAME_SIZE;
		return fresh_next - FRAME_SIZE;
	}
	return 0;
}

uint64_t frame_alloc(void)
{
	// LAB 2.1 BEGIN: pop the freed stack or take a fresh frame; count 1, zeroed; handout §2
	uint64_t pa;

	if (freed_top != FRAME_NONE) {
		pa = freed_top;
		freed_top = *(uint64_t *)P2V(pa);
	} else {
		pa = frame_take_fresh();
		if (!pa)
			return 0;
	}
	frame_refs[pfn_of(pa)] = 1;
	free_frames--;
	memset(P2V(pa), 0, FRAME_SIZE);
	return pa;
	// LAB 2.1 STUB
	// lab_not_implemented(2, "frame_alloc");
	// LAB 2.1 END
}

/* Puts never-allocated frames [start, start + n pages) on the freed stack. */
static void frame_push_unused(uint64_t start, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		*(uint64_t *)P2V(start + i * FRAME_SIZE) = freed_top;
		freed_top = start + i * FRAME_SIZE;
	}
}

/*
 * Contiguous frames come from the fresh cursor: frames skipped because a
 * run did not fit (a hole, an excluded range) go on the freed stack, so
 * nothing is lost. A buddy allocator would do better (handout challenges).
 */
uint64_t frame_alloc_run(uint64_t n)
{
	uint64_t start = 0, got = 0;

	while (got < n) {
		uint64_t pa = frame_take_fresh();

		if (!pa) {
			frame_push_unused(start, got);
			return 0;
		}
		if (got > 0 && pa != start + got * FRAME_SIZE) {
			frame_push_unused(start, got);
			got = 0;
		}
		if (got == 0)
			start = pa;
		got++;
	}
	for (uint64_t i = 0; i < n; i++)
		frame_refs[pfn_of(start) + i] = 1;
	free_frames -= n;
	memset(P2V(start), 0, n * FRAME_SIZE);
	return start;
}

static void frame_check_allocated(uint64_t pa, const char *who)
{
	if (pa % FRAME_SIZE || pfn_of(pa) >= frame_limit)
		panic("%s: 0x%lx is not a frame address", who, pa);
	if (frame_refs[pfn_of(pa)] == 0)
		panic("%s: frame 0x%lx is not allocated (double free?)", who, pa);
}

void frame_free(uint64_t pa)
{
	// LAB 2.1 BEGIN: check, drop a reference, push on the freed stack at zero; handout §2
	frame_check_allocated(pa, "frame_free");
	if (--frame_refs[pfn_of(pa)] > 0)
		return;
	*(uint64_t *)P2V(pa) = freed_top;
	freed_top = pa;
	free_frames++;
	// LAB 2.1 STUB
	// lab_not_implemented(2, "frame_free");
	// LAB 2.1 END
}

void frame_ref(uint64_t pa)
{
	frame_check_allocated(pa, "frame_ref");
	if (frame_refs[pfn_of(pa)] == FRAME_MAX_REFS)
		panic("frame_ref: frame 0x%lx has too many references", pa);
	frame_refs[pfn_of(pa)]++;
}

unsigned frame_refcount(uint64_t pa)
{
	return pfn_of(pa) < frame_limit ? frame_refs[pfn_of(pa)] : 0;
}

uint64_t frame_free_count(void)
{
	return free_frames;
}

uint64_t frame_total_count(void)
{
	return total_frames;
}

uint64_t frame_physical_top(void)
{
	return frame_limit * FRAME_SIZE;
}

uint64_t frame_overhead_bytes(void)
{
	return ALIGN_UP(frame_limit * sizeof(frame_refs[0]), FRAME_SIZE);
}
