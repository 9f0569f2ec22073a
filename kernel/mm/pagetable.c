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

static uint64_t *pt_table(uint64_t entry)
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
	return pte;
}

static void tlb_invalidate(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

uint64_t *pt_walk(uint64_t pml4, uint64_t va, bool create)
{
	// LAB 2 BEGIN: walk PML4 -> PDPT -> PD -> PT, creating zeroed tables if asked; return the PT entry; see handout §3
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
	// LAB 2 STUB
	// (void)pt_table, (void)pml4, (void)va, (void)create;
	// lab_not_implemented(2, "pt_walk");
	// LAB 2 END
}

int vm_map_range(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t len, unsigned flags)
{
	// LAB 2 BEGIN: for each page: walk with create, refuse a present entry (-EEXIST), write pa|flags; see handout §3
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
	// LAB 2 STUB
	// (void)pte_flags, (void)pml4, (void)va, (void)pa, (void)len, (void)flags;
	// lab_not_implemented(2, "vm_map_range");
	// LAB 2 END
}

void vm_unmap_range(uint64_t pml4, uint64_t va, uint64_t len, bool free_frames)
{
	// LAB 2 BEGIN: clear each present entry, free its frame if asked, invlpg the page; see handout §3
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *pte = pt_walk(pml4, va + off, false);

		if (!pte || !(*pte & PTE_PRESENT))
			continue;
		if (free_frames)
			frame_free(*pte & PTE_ADDR_MASK);
		*pte = 0;
		/* The CPU may still hold the old translation: drop it. */
		tlb_invalidate(va + off);
	}
	// LAB 2 STUB
	// (void)tlb_invalidate, (void)pml4, (void)va, (void)len, (void)free_frames;
	// lab_not_implemented(2, "vm_unmap_range");
	// LAB 2 END
}

int vm_protect_range(uint64_t pml4, uint64_t va, uint64_t len, unsigned flags)
{
	uint64_t bits = pte_flags(flags);

	/* Check every page first, so a failed call changes nothing. */
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *pte = pt_walk(pml4, va + off, false);

		if (!pte || !(*pte & PTE_PRESENT))
			return -EFAULT;
	}
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *pte = pt_walk(pml4, va + off, false);

		*pte = (*pte & PTE_ADDR_MASK) | bits;
		tlb_invalidate(va + off);
	}
	return 0;
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

/* Copies one user page to a fresh frame mapped with the same entry bits. */
static int vm_copy_page(uint64_t dst, uint64_t va, uint64_t pte)
{
	uint64_t frame = frame_alloc();
	uint64_t *entry;

	if (!frame)
		return -ENOMEM;
	entry = pt_walk(dst, va, true);
	if (!entry) {
		frame_free(frame);
		return -ENOMEM;
	}
	memcpy(P2V(frame), P2V(pte & PTE_ADDR_MASK), PAGE_SIZE);
	*entry = frame | (pte & ~PTE_ADDR_MASK & ~(PTE_ACCESSED | PTE_DIRTY));
	return 0;
}

/* Walks src's table at level for the addresses from base, copying leaves. */
static int vm_copy_table(uint64_t dst, uint64_t table_pa, int level, uint64_t base)
{
	const uint64_t *table = P2V(table_pa);

	for (uint64_t i = 0; i < PT_ENTRIES; i++) {
		uint64_t va = base + (i << (12 + 9 * (level - 1)));
		int err;

		if (!(table[i] & PTE_PRESENT))
			continue;
		if (level == 1)
			err = vm_copy_page(dst, va, table[i]);
		else
			err = vm_copy_table(dst, table[i] & PTE_ADDR_MASK, level - 1, va);
		if (err < 0)
			return err;
	}
	return 0;
}

int vm_copy_user(uint64_t dst, uint64_t src)
{
	// LAB 3 BEGIN: copy every present user page (PML4 slots 0-255) into fresh frames with the same bits; see handout §6
	const uint64_t *pml4 = P2V(src);

	for (uint64_t i = 0; i < KERNEL_HALF_FIRST_SLOT; i++) {
		if (!(pml4[i] & PTE_PRESENT))
			continue;
		int err = vm_copy_table(dst, pml4[i] & PTE_ADDR_MASK, 3, i << 39);

		if (err < 0)
			return err;
	}
	return 0;
	// LAB 3 STUB
	// (void)vm_copy_table, (void)dst, (void)src;
	// lab_not_implemented(3, "vm_copy_user");
	// LAB 3 END
}

/* Frees a table at level (3 = PDPT ... 1 = PT) and, with free_frames, its pages. */
static void vm_free_table(uint64_t table_pa, int level, bool free_frames)
{
	uint64_t *table = P2V(table_pa);

	for (int i = 0; i < PT_ENTRIES; i++) {
		if (!(table[i] & PTE_PRESENT))
			continue;
		if (level > 1)
			vm_free_table(table[i] & PTE_ADDR_MASK, level - 1, free_frames);
		else if (free_frames)
			frame_free(table[i] & PTE_ADDR_MASK);
	}
	frame_free(table_pa);
}

void vm_destroy(uint64_t pml4)
{
	uint64_t *table = P2V(pml4);

	if (pml4 == read_cr3())
		panic("vm_destroy: address space 0x%lx is in use", pml4);
	for (int i = 0; i < KERNEL_HALF_FIRST_SLOT; i++)
		if (table[i] & PTE_PRESENT)
			vm_free_table(table[i] & PTE_ADDR_MASK, 3, true);
	frame_free(pml4);
}
