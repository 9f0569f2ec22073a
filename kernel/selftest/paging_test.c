/*
 * paging_test.c - lab 2 self-tests that read the page tables themselves:
 *   mem-kernel-map    walk every entry of the active (kernel) tables and
 *                     print each run of leaf mappings with its bits, the
 *                     bits of the table entries above the leaves, and CR3,
 *                     CR0.WP and EFER.NXE; the grader compares them with
 *                     the kernel ELF's section table (grader/anode/kernel_map.py);
 *   mem-walk          pt_walk creates tables only when asked, P W U ones,
 *                     returns the PT entry for va, and NULL under a 2 MiB
 *                     or 1 GiB page;
 *   mem-map-rollback  vm_map_range over a page already mapped, and with
 *                     memory for only some of its page tables: nothing of
 *                     the range stays mapped, nothing mapped before is
 *                     lost, and the caller's frames keep their reference;
 *   mem-unmap-holes   unmap a 4 GiB range across a PML4 boundary holding
 *                     seeded pages, with holes at every level;
 *   mem-tlb           write pages, unmap them, map new frames there: every
 *                     read must see the new frame, not a stale translation.
 * grader/test_lab2_tables.py replays the seeded addresses.
 */
#include "arch/x86_64/x86.h"
#include "compiler.h"
#include "frame.h"
#include "kprintf.h"
#include "memlayout.h"
#include "random.h"
#include "selftest.h"
#include "vm.h"

#define CR0_WP_BIT 16
#define EFER_NXE_BIT 11
#define HUGE_2M (1UL << 21)
#define HUGE_1G (1UL << 30)
#define TEST_SPAN (1UL << 46)         /* seeded user addresses fall below 64 TiB */
#define CPU_SET_BITS (PTE_ACCESSED | PTE_DIRTY)
#define UPPER_HALF_SIGN 0xffff000000000000UL

/* An entry's bits without the address and the bits the CPU sets itself. */
static uint64_t entry_bits(uint64_t e)
{
	return e & ~PTE_ADDR_MASK & ~CPU_SET_BITS;
}

/* The entry for va at level in space, read without pt_walk; NULL if a table above is missing. */
static uint64_t *table_entry(uint64_t space, uint64_t va, int level)
{
	uint64_t *table = P2V(space);

	for (int l = PT_LEVELS; l > level; l--) {
		uint64_t e = table[pt_index(va, l)];

		if (!(e & PTE_PRESENT) || (e & PTE_HUGE) || (e & PTE_ADDR_MASK) >= direct_map_end)
			return NULL;
		table = P2V(e & PTE_ADDR_MASK);
	}
	return &table[pt_index(va, level)];
}

/* ---- mem-kernel-map ---------------------------------------------------- */

#define KMAP_RUNS_SHOWN 256
#define KMAP_KINDS 16

struct kmap {
	uint64_t va, end, pa, bits;   /* the run being built; end == va: none */
	uint64_t runs, leaves, unlisted;
	struct {
		int level;
		uint64_t bits, count;
	} kinds[KMAP_KINDS];          /* table entries by level and bits */
	int nkinds;
};

static void kmap_flush(struct kmap *m)
{
	if (m->end == m->va)
		return;
	if (m->runs < KMAP_RUNS_SHOWN)
		kprintf("kernel-map: run 0x%016lx-0x%016lx -> 0x%lx bits 0x%016lx\n", m->va, m->end,
			m->pa, m->bits);
	m->runs++;
	m->end = m->va;
}

/* Leaves that continue the run (next address, next frame, same bits) extend it. */
static void kmap_leaf(struct kmap *m, uint64_t va, uint64_t size, uint64_t e)
{
	uint64_t pa = e & PTE_ADDR_MASK & ~(size - 1);
	uint64_t bits = entry_bits(e) & ~(size > PAGE_SIZE ? PTE_HUGE : 0);

	m->leaves++;
	if (m->end != m->va && va == m->end && pa == m->pa + (m->end - m->va) && bits == m->bits) {
		m->end += size;
		return;
	}
	kmap_flush(m);
	m->va = va;
	m->end = va + size;
	m->pa = pa;
	m->bits = bits;
}

static void kmap_table_entry(struct kmap *m, int level, uint64_t e)
{
	for (int i = 0; i < m->nkinds; i++) {
		if (m->kinds[i].level == level && m->kinds[i].bits == entry_bits(e)) {
			m->kinds[i].count++;
			return;
		}
	}
	if (m->nkinds == KMAP_KINDS) {
		m->unlisted++;
		return;
	}
	m->kinds[m->nkinds].level = level;
	m->kinds[m->nkinds].bits = entry_bits(e);
	m->kinds[m->nkinds++].count = 1;
}

static void kmap_walk(struct kmap *m, uint64_t table_pa, int level, uint64_t base)
{
	const uint64_t *table = P2V(table_pa);
	unsigned shift = 12 + 9 * (level - 1);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = table[i], va = base + ((uint64_t)i << shift);

		if (level == PT_LEVELS && i >= PT_ENTRIES / 2)
			va |= UPPER_HALF_SIGN;
		if (!(e & PTE_PRESENT))
			continue;
		if (level == PT_LEVELS)
			kprintf("kernel-map: pml4 slot %u present\n", i);
		if (level == 1 || (level < PT_LEVELS && (e & PTE_HUGE))) {
			kmap_leaf(m, va, 1UL << shift, e);
			continue;
		}
		kmap_table_entry(m, level, e);
		if ((e & PTE_ADDR_MASK) >= direct_map_end) {
			kprintf("kernel-map: level %d entry for 0x%016lx points outside memory (0x%lx)\n",
				level, va, e & PTE_ADDR_MASK);
			continue;
		}
		kmap_walk(m, e & PTE_ADDR_MASK, level - 1, va);
	}
}

int selftest_kernel_map(void)
{
	static struct kmap m;
	uint64_t root = read_cr3() & PTE_ADDR_MASK;

	kprintf("kernel-map: cr3 0x%lx, cr0.wp %lu, efer.nxe %lu\n", root,
		(read_cr0() >> CR0_WP_BIT) & 1, (rdmsr(MSR_EFER) >> EFER_NXE_BIT) & 1);
	kmap_walk(&m, root, PT_LEVELS, 0);
	kmap_flush(&m);
	for (int i = 0; i < m.nkinds; i++)
		kprintf("kernel-map: level %d table entries with bits 0x%016lx: %lu\n", m.kinds[i].level,
			m.kinds[i].bits, m.kinds[i].count);
	kprintf("kernel-map: %lu leaf entries in %lu runs (%lu not shown), %lu table entries not "
		"listed\n", m.leaves, m.runs, m.runs > KMAP_RUNS_SHOWN ? m.runs - KMAP_RUNS_SHOWN : 0,
		m.unlisted);
	return 0;
}

/* ---- mem-walk ------------------------------------------------------------ */

static const char *walk_result(const uint64_t *pte)
{
	return pte ? "an entry" : "NULL";
}

/*
 * Puts a huge entry at *entry (2 MiB in a PD, 1 GiB in a PDPT) and asks
 * pt_walk and vm_map_range for a page under it. The entry points to a
 * zeroed frame of ours: this address space is never loaded, so the CPU
 * never sees it, and an implementation that follows it as a table reads
 * (or writes) only that frame.
 */
static void walk_under_huge(const char *what, uint64_t space, uint64_t va, uint64_t *entry)
{
	uint64_t scratch = frame_alloc(), pa = frame_alloc(), huge, free0;
	uint64_t *without, *with;
	int err = 0;

	if (!scratch || !pa) {
		kprintf("walk-test: out of memory\n");
		return;
	}
	huge = scratch | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_NX;
	*entry = huge;
	free0 = frame_free_count();
	without = pt_walk(space, va, false);
	with = pt_walk(space, va, true);
	if (!without && !with)
		err = vm_map_range(space, va, pa, PAGE_SIZE, VM_WRITE);
	kprintf("walk-test: under a %s page: %s without create, %s with create, map returned %d, "
		"the huge entry %s, %lu frames allocated\n", what, walk_result(without),
		walk_result(with), err, *entry == huge ? "kept" : "changed",
		free0 - frame_free_count());
	*entry = 0;
	frame_free(pa);
	frame_free(scratch);
}

int selftest_walk(void)
{
	uint64_t va = random_next() % TEST_SPAN & ~(PAGE_SIZE - 1);
	uint64_t va2 = ALIGN_DOWN(va ^ HUGE_2M, HUGE_2M) + (random_next() % HUGE_2M & ~(PAGE_SIZE - 1));
	uint64_t va3 = ALIGN_DOWN(va ^ HUGE_1G, HUGE_1G) + (random_next() % HUGE_1G & ~(PAGE_SIZE - 1));
	uint64_t before = frame_free_count(), space = vm_create(), free0, tables, pa, *pte, *entry;
	bool same;
	int err;

	if (!space)
		return 1;
	kprintf("walk-test: va 0x%016lx, under a 2 MiB page 0x%016lx, under a 1 GiB page 0x%016lx\n",
		va, va2, va3);
	free0 = frame_free_count();
	pte = pt_walk(space, va, false);
	kprintf("walk-test: without create: %s, %lu frames allocated\n", walk_result(pte),
		free0 - frame_free_count());

	free0 = frame_free_count();
	pte = pt_walk(space, va, true);
	tables = free0 - frame_free_count();
	same = pt_walk(space, va, true) == pte && pt_walk(space, va, false) == pte;
	kprintf("walk-test: with create: %s, %s, %lu tables created; walking again: %s entry, %lu "
		"more frames\n", !pte ? "NULL" : *pte ? "a non-empty entry" : "an empty entry",
		pte && pte == table_entry(space, va, 1) ? "the PT entry for va" : "not the PT entry for va",
		tables, same ? "the same" : "a different", free0 - tables - frame_free_count());
	for (int level = PT_LEVELS; level > 1; level--) {
		entry = table_entry(space, va, level);
		kprintf("walk-test: level %d entry for va: bits 0x%016lx\n", level,
			entry ? entry_bits(*entry) : 0);
	}

	pa = frame_alloc();
	err = vm_map_range(space, va, pa, PAGE_SIZE, VM_USER | VM_WRITE);
	entry = table_entry(space, va, 1);
	kprintf("walk-test: user page mapped (%d): bits 0x%016lx, %s frame\n", err,
		entry ? entry_bits(*entry) : 0,
		entry && (*entry & PTE_ADDR_MASK) == pa ? "the right" : "a wrong");

	entry = table_entry(space, va2, 2);
	if (!entry || *entry)
		return kprintf("walk-test: the PD for 0x%016lx is missing or its entry is used\n", va2), 1;
	walk_under_huge("2 MiB", space, va2, entry);
	entry = table_entry(space, va3, 3);
	if (!entry || *entry)
		return kprintf("walk-test: the PDPT for 0x%016lx is missing or its entry is used\n", va3), 1;
	walk_under_huge("1 GiB", space, va3, entry);

	/* Destroying frees the mapped page too (and needs no unmap: Exercise 3). */
	vm_destroy(space);
	kprintf("walk-test: free frames before %lu, after destroy %lu\n", before, frame_free_count());
	return 0;
}

/* ---- mem-map-rollback -------------------------------------------------- */

static uint64_t rollback_left_mapped(uint64_t space, uint64_t va, uint64_t n, uint64_t skip)
{
	uint64_t left = 0;

	for (uint64_t i = 0; i < n; i++)
		left += i != skip && vm_translate(space, va + i * PAGE_SIZE, NULL, NULL);
	return left;
}

/* Frames of [run, run + n pages) whose count is no longer the caller's 1. */
static uint64_t rollback_refs_lost(uint64_t run, uint64_t n)
{
	uint64_t lost = 0;

	for (uint64_t i = 0; i < n; i++)
		lost += frame_refcount(run + i * PAGE_SIZE) != 1;
	return lost;
}

static void rollback_release(uint64_t run, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (frame_refcount(run + i * PAGE_SIZE) > 0)
			frame_free(run + i * PAGE_SIZE);
}

/* Is va still mapped to pa with the entry it had? */
static bool rollback_kept(uint64_t space, uint64_t va, uint64_t pa, uint64_t pte)
{
	uint64_t got_pa, got_pte;

	return vm_translate(space, va, &got_pa, &got_pte) && got_pa == pa &&
	       entry_bits(got_pte) == entry_bits(pte);
}

/* Maps one page at va to a new frame; returns the frame (0 on failure) and its entry. */
static uint64_t rollback_map_one(uint64_t space, uint64_t va, unsigned flags, uint64_t *pte)
{
	uint64_t pa = frame_alloc();

	if (!pa || vm_map_range(space, va, pa, PAGE_SIZE, flags) != 0 ||
	    !vm_translate(space, va, NULL, pte))
		return 0;
	return pa;
}

/* Range of n pages across a 2 MiB boundary; page k is mapped already. */
static int rollback_over_existing(void)
{
	uint64_t n = 3 + random_next() % 14;
	uint64_t boundary = ALIGN_DOWN(random_next() % TEST_SPAN, HUGE_2M) | HUGE_2M;
	uint64_t va = boundary - (1 + random_next() % (n - 1)) * PAGE_SIZE;
	uint64_t k = 1 + random_next() % (n - 1);
	uint64_t space = vm_create(), run = frame_alloc_run(n), pte_old, pte_below, pte_above;
	uint64_t old, below, above, left, lost, neighbours;
	int err;

	if (!space || !run)
		return kprintf("rollback-test: out of memory\n"), 1;
	old = rollback_map_one(space, va + k * PAGE_SIZE, VM_WRITE | VM_USER, &pte_old);
	below = rollback_map_one(space, va - PAGE_SIZE, VM_WRITE, &pte_below);
	above = rollback_map_one(space, va + n * PAGE_SIZE, 0, &pte_above);
	if (!old || !below || !above)
		return kprintf("rollback-test: could not map the pages around the range\n"), 1;
	kprintf("rollback-test: mapping %lu pages at 0x%016lx over the page at 0x%016lx\n", n, va,
		va + k * PAGE_SIZE);
	err = vm_map_range(space, va, run, n * PAGE_SIZE, VM_WRITE);
	left = rollback_left_mapped(space, va, n, k);
	lost = rollback_refs_lost(run, n);
	neighbours = rollback_kept(space, va - PAGE_SIZE, below, pte_below) +
		     rollback_kept(space, va + n * PAGE_SIZE, above, pte_above);
	kprintf("rollback-test: returned %d; %lu new pages left mapped, the old page %s, %lu of 2 "
		"neighbours kept, %lu frames of the range lost their reference\n", err, left,
		rollback_kept(space, va + k * PAGE_SIZE, old, pte_old) ? "kept" : "lost", neighbours,
		lost);
	/* Take everything out without freeing, then give back what is ours. */
	vm_unmap_range(space, va - PAGE_SIZE, (n + 2) * PAGE_SIZE, false);
	rollback_release(run, n);
	rollback_release(old, 1);
	rollback_release(below, 1);
	rollback_release(above, 1);
	vm_destroy(space);
	return err != -17 || left || lost || neighbours != 2;
}

/* Range of n pages across a 2 MiB boundary with frames for only 3 page tables. */
static int rollback_out_of_memory(void)
{
	uint64_t n = 2 + random_next() % 8;
	uint64_t boundary = ALIGN_DOWN(random_next() % TEST_SPAN, HUGE_2M);
	uint64_t below = 1 + random_next() % (n - 1), va, chain = 0, pa, left, lost;
	uint64_t space = vm_create(), run = frame_alloc_run(n), total = frame_total_count();
	int err;

	if (boundary % HUGE_1G == 0)
		boundary += HUGE_2M; /* the second page table needs no new PD */
	va = boundary - below * PAGE_SIZE;
	if (!space || !run)
		return kprintf("rollback-test: out of memory\n"), 1;
	/* Take every free frame, chained through their first words, then give 3 back. */
	for (uint64_t i = 0; i <= total && (pa = frame_alloc()) != 0; i++) {
		*(uint64_t *)P2V(pa) = chain;
		chain = pa;
	}
	for (int i = 0; i < 3 && chain; i++) {
		pa = *(uint64_t *)P2V(chain);
		frame_free(chain);
		chain = pa;
	}
	err = vm_map_range(space, va, run, n * PAGE_SIZE, VM_WRITE);
	left = rollback_left_mapped(space, va, n, n);
	lost = rollback_refs_lost(run, n);
	while (chain) {
		pa = *(uint64_t *)P2V(chain);
		frame_free(chain);
		chain = pa;
	}
	kprintf("rollback-test: mapping %lu pages at 0x%016lx with frames for 3 page tables\n", n, va);
	kprintf("rollback-test: returned %d; %lu pages left mapped, %lu frames of the range lost "
		"their reference\n", err, left, lost);
	vm_unmap_range(space, va, n * PAGE_SIZE, false);
	rollback_release(run, n);
	vm_destroy(space);
	return err != -12 || left || lost;
}

int selftest_map_rollback(void)
{
	uint64_t before = frame_free_count();
	int failures = rollback_over_existing();

	failures += rollback_out_of_memory();
	kprintf("rollback-test: free frames before %lu, after %lu\n", before, frame_free_count());
	return failures || frame_free_count() != before;
}

/* ---- mem-unmap-holes ----------------------------------------------------- */

#define HOLES_DRAWS 16
#define HOLES_PAGES (HOLES_DRAWS + 2)

int selftest_unmap_holes(void)
{
	static uint64_t va[HOLES_PAGES], pa[HOLES_PAGES];
	static bool shared[HOLES_PAGES];
	uint64_t slot = 1 + random_next() % 254, len = 1UL << 32;
	uint64_t start = (slot << 39) - len / 2, end = start + len;
	uint64_t before = frame_free_count(), space = vm_create(), lo, hi, lo_pte, hi_pte, free0;
	uint64_t mapped = 0, nshared = 0, still = 0, uncleared = 0, freed = 0, held = 0, kept;

	if (!space)
		return 1;
	for (int i = 0; i < HOLES_PAGES; i++) {
		uint64_t v = i == 0 ? start : i == 1 ? end - PAGE_SIZE :
			     start + (random_next() % len & ~(PAGE_SIZE - 1));
		bool dup = false;

		for (uint64_t j = 0; j < mapped; j++)
			dup |= va[j] == v;
		if (dup)
			continue;
		va[mapped] = v;
		pa[mapped] = rollback_map_one(space, v, VM_WRITE, NULL);
		if (!pa[mapped])
			return kprintf("holes-test: could not map 0x%016lx\n", v), 1;
		shared[mapped] = i % 4 == 3;
		if (shared[mapped]) {
			frame_ref(pa[mapped]);
			nshared++;
		}
		mapped++;
	}
	lo = rollback_map_one(space, start - PAGE_SIZE, VM_WRITE, &lo_pte);
	hi = rollback_map_one(space, end, VM_WRITE, &hi_pte);
	if (!lo || !hi)
		return kprintf("holes-test: could not map the neighbours\n"), 1;
	kprintf("holes-test: unmapping 0x%016lx-0x%016lx: %lu pages mapped in it, %lu of them "
		"shared\n", start, end, mapped, nshared);

	free0 = frame_free_count();
	vm_unmap_range(space, start, len, true);
	for (uint64_t i = 0; i < mapped; i++) {
		uint64_t *pte = table_entry(space, va[i], 1);

		still += vm_translate(space, va[i], NULL, NULL);
		uncleared += pte && *pte;
		if (shared[i])
			held += frame_refcount(pa[i]) == 1;
		else
			freed += frame_refcount(pa[i]) == 0;
	}
	kept = rollback_kept(space, start - PAGE_SIZE, lo, lo_pte) +
	       rollback_kept(space, end, hi, hi_pte);
	kprintf("holes-test: %lu still mapped, %lu entries not cleared, %lu of %lu frames freed, %lu "
		"of %lu shared frames still held once, free count up by %lu, %lu of 2 neighbours kept\n",
		still, uncleared, freed, mapped - nshared, held, nshared, frame_free_count() - free0,
		kept);
	for (uint64_t i = 0; i < mapped; i++)
		if (shared[i] && frame_refcount(pa[i]) > 0)
			frame_free(pa[i]);
	vm_destroy(space);
	kprintf("holes-test: free frames before %lu, after destroy %lu\n", before, frame_free_count());
	return still || uncleared || freed != mapped - nshared || held != nshared || kept != 2;
}

/* ---- mem-tlb --------------------------------------------------------------- */

#define TLB_MAX_PAGES 64
#define TLB_WORD 8                    /* word 0 of a freed frame holds the freed-stack link */
#define TLB_OLD_TAG 0x01d0000000000000UL
#define TLB_NEW_TAG 0x0e30000000000000UL

static uint64_t tlb_seen[2 * TLB_MAX_PAGES];
static uint64_t tlb_seen_count;

static void tlb_record(uint64_t va)
{
	if (tlb_seen_count < ARRAY_SIZE(tlb_seen))
		tlb_seen[tlb_seen_count++] = ALIGN_DOWN(va, PAGE_SIZE);
}

/* How many of the n pages from va had their own address invalidated. */
static uint64_t tlb_pages_invalidated(uint64_t va, uint64_t n)
{
	uint64_t hit = 0;

	for (uint64_t i = 0; i < n; i++) {
		bool seen = false;

		for (uint64_t j = 0; j < tlb_seen_count; j++)
			seen |= tlb_seen[j] == va + i * PAGE_SIZE;
		hit += seen;
	}
	return hit;
}

int selftest_tlb(void)
{
	static uint64_t old[TLB_MAX_PAGES], new[TLB_MAX_PAGES];
	uint64_t n = 16 + random_next() % 49, va = random_next() % TEST_SPAN & ~(PAGE_SIZE - 1);
	uint64_t before = frame_free_count(), space = vm_create(), saw_new = 0, saw_old = 0;

	if (!space)
		return 1;
	for (uint64_t i = 0; i < n; i++) {
		old[i] = frame_alloc();
		new[i] = frame_alloc();
		if (!old[i] || !new[i] ||
		    vm_map_range(space, va + i * PAGE_SIZE, old[i], PAGE_SIZE, VM_WRITE) != 0)
			return kprintf("tlb-test: could not map 0x%016lx\n", va + i * PAGE_SIZE), 1;
		((uint64_t *)P2V(new[i]))[TLB_WORD] = TLB_NEW_TAG ^ i;
	}
	write_cr3(space);
	/* Write and read every page through va: the CPU caches each translation. */
	for (uint64_t i = 0; i < n; i++)
		((volatile uint64_t *)(va + i * PAGE_SIZE))[TLB_WORD] = TLB_OLD_TAG ^ i;
	for (uint64_t i = 0; i < n; i++)
		saw_old += ((volatile uint64_t *)(va + i * PAGE_SIZE))[TLB_WORD] == (TLB_OLD_TAG ^ i);
	if (saw_old != n) {
		write_cr3(kernel_pml4());
		return kprintf("tlb-test: writes through the mapped pages were lost\n"), 1;
	}
	/* The first half's frames go back with the unmap; the rest the test
	 * frees itself (a TLB entry must go either way). */
	tlb_seen_count = 0;
	tlb_invalidate_observer = tlb_record;
	vm_unmap_range(space, va, n / 2 * PAGE_SIZE, true);
	vm_unmap_range(space, va + n / 2 * PAGE_SIZE, (n - n / 2) * PAGE_SIZE, false);
	tlb_invalidate_observer = NULL;
	for (uint64_t i = n / 2; i < n; i++)
		frame_free(old[i]);
	kprintf("tlb-test: unmapped %lu pages freeing their frames, %lu keeping them; %lu of the %lu "
		"had their own address invalidated\n", n / 2, n - n / 2, tlb_pages_invalidated(va, n), n);
	for (uint64_t i = 0; i < n; i++)
		vm_map_range(space, va + i * PAGE_SIZE, new[i], PAGE_SIZE, VM_WRITE);
	saw_old = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t got = ((volatile uint64_t *)(va + i * PAGE_SIZE))[TLB_WORD];

		saw_new += got == (TLB_NEW_TAG ^ i);
		saw_old += got == (TLB_OLD_TAG ^ i);
	}
	write_cr3(kernel_pml4());
	kprintf("tlb-test: %lu pages at 0x%016lx written, unmapped and mapped to new frames: %lu reads "
		"saw the new frame, %lu the old one, %lu something else\n", n, va, saw_new, saw_old,
		n - saw_new - saw_old);
	vm_destroy(space);
	kprintf("tlb-test: free frames before %lu, after destroy %lu\n", before, frame_free_count());
	return saw_new != n;
}
