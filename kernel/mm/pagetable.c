/*
 * pagetable.c - x86_64 4-level page tables (lab 2, handout §3).
 *
 * A virtual address splits into four 9-bit table indexes and a 12-bit
 * offset:
 *
 *   63    48 47    39 38    30 29    21 20    12 11        0
 *   | sign  | PML4   | PDPT   | PD     | PT     |  offset   |
 *
 * Each table is one frame of 512 8-byte entries; an entry holds the next
 * table's (or the page's) physical address and permission bits. Tables are
 * reached through the direct map (P2V). Layer below: frame.c; above:
 * kernel_vm.c, and in lab 3 the process address spaces.
 */
#include "arch/x86_64/x86.h"
#include "compiler.h"
#include "errno.h"
#include "frame.h"
#include "kstring.h"
#include "kprintf.h"
#include "memlayout.h"
#include "vm.h"

/* Entries above the leaf allow everything; the leaf decides. */
#define PTE_TABLE_FLAGS (PTE_PRESENT | PTE_WRITE | PTE_USER)
#define KERNEL_HALF_FIRST_SLOT 256

LAB_HELPER static uint64_t *pt_table(uint64_t entry)
{
	return P2V(entry & PTE_ADDR_MASK);
}

static uint64_t pte_flags(unsigned flags)
{
	uint64_t pte = PTE_PRESENT;

	if (flags & VM_WRITE)
		pte |= PTE_WRITE;
	if (flags & VM_USER)
		pte |= PTE_USER;
	if (!(flags & VM_EXEC))
		pte |= PTE_NX;
	if (flags & VM_SHARED)
		pte |= PTE_SHARED;
	if (flags & VM_SHM)
		pte |= PTE_SHM;
	if (flags & VM_SHM_READONLY)
		pte |= PTE_SHM_READONLY;
	return pte;
}

uint64_t *pt_walk(uint64_t pml4, uint64_t va, bool create)
{
	// LAB 2.2 BEGIN: walk PML4->PDPT->PD->PT (create if asked), return the PTE; handout §3
	uint64_t *table = P2V(pml4);

	for (int level = PT_LEVELS; level > 1; level--) {
		uint64_t *entry = &table[pt_index(va, level)];

		if (*entry & PTE_HUGE)
			return NULL;
		if (!(*entry & PTE_PRESENT)) {
			uint64_t frame;

			if (!create || !(frame = frame_alloc()))
				return NULL;
			*entry = frame | PTE_TABLE_FLAGS;
		}
		table = pt_table(*entry);
	}
	return &table[pt_index(va, 1)];
	// LAB 2.2 STUB
	// lab_not_implemented(2, "pt_walk");
	// LAB 2.2 END
}

/*
 * Visits the present leaf entries of [va, last] in the table at level (4 =
 * PML4 ... 1 = page table), which covers va. An absent entry above the
 * leaves is skipped whole: the walk moves on to the next 2 MiB, 1 GiB or
 * 512 GiB boundary, so the cost is bounded by what is mapped, not by the
 * size of the range (funmap of 100 TiB costs as much as the pages in it).
 */
static int pt_visit_table(uint64_t table_pa, int level, uint64_t va, uint64_t last,
			  struct pt_visit *visit)
{
	uint64_t *table = P2V(table_pa);
	unsigned shift = 12 + 9 * (level - 1);
	uint64_t span = 1UL << shift;                          /* bytes one entry maps */
	uint64_t table_base = va & ~((span << 9) - 1);          /* keeps the sign bits */

	for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
		uint64_t entry_va = table_base + i * span;
		uint64_t lo = entry_va > va ? entry_va : va;
		uint64_t hi = entry_va + (span - 1) < last ? entry_va + (span - 1) : last;
		int err;

		if (!(table[i] & PTE_PRESENT))
			continue;
		if (level == 1) {
			err = visit->leaf(visit, entry_va, &table[i]);
		} else if (table[i] & PTE_HUGE) {
			continue; /* only the kernel's direct map uses them; never visited */
		} else {
			err = pt_visit_table(table[i] & PTE_ADDR_MASK, level - 1, lo, hi, visit);
			if (err == 0 && visit->table_done)
				visit->table_done(visit, &table[i]);
		}
		if (err < 0)
			return err;
	}
	return 0;
}

int pt_visit_range(uint64_t pml4, uint64_t va, uint64_t len, struct pt_visit *visit)
{
	if (len == 0)
		return 0;
	/* Ranges never cross the non-canonical hole: every caller checked them. */
	return pt_visit_table(pml4, PT_LEVELS, va, va + (len - 1), visit);
}

int vm_map_range(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t len, unsigned flags)
{
	// LAB 2.2 BEGIN: per page: walk (create), -EEXIST if present, write pa|flags; §3
	uint64_t bits = pte_flags(flags);

	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *pte = pt_walk(pml4, va + off, true);

		if (!pte) {
			vm_unmap_range(pml4, va, off, false);
			return -ENOMEM;
		}
		if (*pte & PTE_PRESENT) {
			vm_unmap_range(pml4, va, off, false);
			return -EEXIST;
		}
		*pte = ((pa + off) & PTE_ADDR_MASK) | bits;
	}
	return 0;
	// LAB 2.2 STUB
	// lab_not_implemented(2, "vm_map_range");
	// LAB 2.2 END
}

struct vm_unmap_visit {
	struct pt_visit visit;
	bool free_frames;
};

static int vm_unmap_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	// LAB 2.3 BEGIN: free the frame if asked, clear the entry, invalidate the TLB; handout §3
	bool free_frames = ((struct vm_unmap_visit *)visit)->free_frames;

	if (free_frames)
		frame_free(*pte & PTE_ADDR_MASK);
	*pte = 0;
	/* The CPU may still hold the old translation: drop it. */
	tlb_invalidate(va);
	return 0;
	// LAB 2.3 STUB
	// lab_not_implemented(2, "vm_unmap_leaf");
	// LAB 2.3 END
}

int vm_map_fresh(uint64_t pml4, uint64_t va, uint64_t len, unsigned flags)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pa = frame_alloc(); /* zeroed */
		int err = pa ? vm_map_range(pml4, va + off, pa, PAGE_SIZE, flags) : -ENOMEM;

		if (err < 0) {
			if (pa)
				frame_free(pa);
			vm_unmap_range(pml4, va, off, true);
			return err;
		}
	}
	return 0;
}

void vm_unmap_range(uint64_t pml4, uint64_t va, uint64_t len, bool free_frames)
{
	struct vm_unmap_visit unmap = { { .leaf = vm_unmap_leaf }, free_frames };

	pt_visit_range(pml4, va, len, &unmap.visit);
}

struct vm_protect_visit {
	struct pt_visit visit;
	uint64_t bits;      /* new permission bits */
	uint64_t present;   /* pages found mapped */
	bool apply;         /* false: only count */
};

static int vm_protect_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	struct vm_protect_visit *protect = (struct vm_protect_visit *)visit;

	protect->present++;
	if (protect->apply) {
		/* Software bits say who owns the frame (later labs): keep them. */
		*pte = (*pte & (PTE_ADDR_MASK | PTE_SOFT_MASK)) | protect->bits;
		tlb_invalidate(va);
	}
	return 0;
}

int vm_protect_range(uint64_t pml4, uint64_t va, uint64_t len, unsigned flags)
{
	struct vm_protect_visit protect = { { .leaf = vm_protect_leaf }, pte_flags(flags), 0, false };

	/* Count first, so a range with a hole changes nothing. */
	pt_visit_range(pml4, va, len, &protect.visit);
	if (protect.present != ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE)
		return -EFAULT;
	protect.apply = true;
	pt_visit_range(pml4, va, len, &protect.visit);
	return 0;
}

static int vm_private_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	uint64_t frame;

	(void)visit;
	if (!(*pte & PTE_SHARED))
		return 0;
	frame = frame_alloc();
	if (!frame)
		return -ENOMEM;
	memcpy(P2V(frame), P2V(*pte & PTE_ADDR_MASK), PAGE_SIZE);
	frame_free(*pte & PTE_ADDR_MASK); /* this space's reference to the shared frame */
	*pte = frame | (*pte & ~PTE_ADDR_MASK & ~PTE_SHARED);
	tlb_invalidate(va);
	return 0;
}

int vm_make_private(uint64_t pml4, uint64_t va, uint64_t len)
{
	struct pt_visit visit = { .leaf = vm_private_leaf };

	return pt_visit_range(pml4, va, len, &visit);
}

struct vm_bits_visit {
	struct pt_visit visit;
	uint64_t bits;
};

static int vm_bits_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	(void)va;
	return *pte & ((struct vm_bits_visit *)visit)->bits ? -1 : 0;
}

bool vm_range_has_bits(uint64_t pml4, uint64_t va, uint64_t len, uint64_t bits)
{
	struct vm_bits_visit v = { { .leaf = vm_bits_leaf }, bits };

	return pt_visit_range(pml4, va, len, &v.visit) < 0;
}

bool vm_translate(uint64_t pml4, uint64_t va, uint64_t *pa, uint64_t *pte_out)
{
	uint64_t *pte = pt_walk(pml4, va, false);

	if (!pte || !(*pte & PTE_PRESENT))
		return false;
	if (pa)
		*pa = (*pte & PTE_ADDR_MASK) | (va & (PAGE_SIZE - 1));
	if (pte_out)
		*pte_out = *pte;
	return true;
}

uint64_t vm_create(void)
{
	uint64_t pml4 = frame_alloc();
	uint64_t *table, *kernel_table;

	if (!pml4)
		return 0;
	table = P2V(pml4);
	kernel_table = P2V(kernel_pml4());
	for (int i = KERNEL_HALF_FIRST_SLOT; i < PT_ENTRIES; i++)
		table[i] = kernel_table[i];
	return pml4;
}

struct vm_copy_visit {
	struct pt_visit visit;
	uint64_t dst;       /* the address space being filled */
};

/* Copies one user page of the source into a fresh frame of dst, with the same entry bits. */
static int vm_copy_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	// LAB 3.6 BEGIN: new frame in dst (pt_walk create), copy page, same bits but A/D; §6
	uint64_t dst = ((struct vm_copy_visit *)visit)->dst;
	uint64_t frame = frame_alloc();
	uint64_t *entry;

	if (!frame)
		return -ENOMEM;
	entry = pt_walk(dst, va, true);
	if (!entry) {
		frame_free(frame);
		return -ENOMEM;
	}
	memcpy(P2V(frame), P2V(*pte & PTE_ADDR_MASK), PAGE_SIZE);
	*entry = frame | (*pte & ~PTE_ADDR_MASK & ~(PTE_ACCESSED | PTE_DIRTY));
	return 0;
	// LAB 3.6 STUB
	// lab_not_implemented(3, "vm_copy_leaf");
	// LAB 3.6 END
}

/* Maps the same read-only shared frame into dst, with a reference of its own. */
static int vm_share_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	uint64_t *entry = pt_walk(((struct vm_copy_visit *)visit)->dst, va, true);

	if (!entry)
		return -ENOMEM;
	frame_ref(*pte & PTE_ADDR_MASK);
	*entry = *pte & ~(PTE_ACCESSED | PTE_DIRTY);
	return 0;
}

/* Pages the kernel only lent the source (scheme bounce pages) stay behind;
 * shared read-only pages (the initfs image) and shared memory (shm:) are
 * shared, not copied. */
static int vm_copy_owned_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	if (*pte & PTE_BORROWED)
		return 0;
	if (*pte & (PTE_SHARED | PTE_SHM))
		return vm_share_leaf(visit, va, pte);
	return vm_copy_leaf(visit, va, pte);
}

int vm_copy_user(uint64_t dst, uint64_t src)
{
	struct vm_copy_visit copy = { { .leaf = vm_copy_owned_leaf }, dst };

	return pt_visit_range(src, 0, USER_HALF_END, &copy.visit);
}

static int vm_destroy_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	frame_free(*pte & PTE_ADDR_MASK);
	return 0;
}

/* A table whose entries were all visited: give its frame back too. */
static void vm_destroy_table(struct pt_visit *visit, uint64_t *entry)
{
	frame_free(*entry & PTE_ADDR_MASK);
	*entry = 0;
}

void vm_destroy(uint64_t pml4)
{
	struct pt_visit destroy = { .leaf = vm_destroy_leaf, .table_done = vm_destroy_table };

	if (pml4 == read_cr3())
		panic("vm_destroy: address space 0x%lx is in use", pml4);
	pt_visit_range(pml4, 0, USER_HALF_END, &destroy);
	frame_free(pml4);
}
