/*
 * vm.h - page tables and address spaces (mm/pagetable.c, mm/kernel_vm.c,
 * mm/ptdump.c).
 *
 * An address space is named by the physical address of its top-level
 * table (PML4), the value CR3 holds. All address spaces share the kernel
 * half (PML4 entries 256-511), so kernel mappings are made once.
 */
#ifndef ANODE_VM_H
#define ANODE_VM_H

#include <stdbool.h>
#include <stdint.h>

/* Mapping permissions. Every present page is readable on x86. */
#define VM_WRITE (1u << 0)
#define VM_EXEC (1u << 1)
#define VM_USER (1u << 2)
/* The frames are shared read-only with other spaces (the initfs image,
 * lab 5): fork maps the same frames, and making a page writable gives
 * this space its own copy first (vm_make_private). */
#define VM_SHARED (1u << 3)
/* Shared memory (lab 6's shm:, through a user scheme's fmap): every space
 * that maps the frames sees every write; fork shares, mprotect keeps them. */
#define VM_SHM (1u << 4)
/* ...given read-only by its daemon: mprotect may never make it writable. */
#define VM_SHM_READONLY (1u << 5)

/* Page-table entry bits (Intel SDM vol. 3 §4.5). */
#define PTE_PRESENT (1UL << 0)
#define PTE_WRITE (1UL << 1)
#define PTE_USER (1UL << 2)
#define PTE_ACCESSED (1UL << 5)
#define PTE_DIRTY (1UL << 6)
#define PTE_HUGE (1UL << 7)
#define PTE_GLOBAL (1UL << 8)
#define PTE_NX (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL
/* Bits the CPU ignores, free for the kernel's own bookkeeping (bits 9-11
 * and 52-58); changing permissions or copying an entry keeps them. */
#define PTE_SOFT_MASK (0x0000000000000e00UL | 0x07f0000000000000UL)
/* Soft bit: a frame the kernel lent this space (a scheme bounce page,
 * lab 4); the process does not own it, so fork does not copy it. */
#define PTE_BORROWED (1UL << 9)
/* Soft bit: a frame shared read-only among spaces (VM_SHARED, lab 5). */
#define PTE_SHARED (1UL << 10)
/* Soft bit: a frame of shared memory (VM_SHM, lab 6). */
#define PTE_SHM (1UL << 53)
/* Soft bit: shared memory the daemon gave read-only (VM_SHM_READONLY). */
#define PTE_SHM_READONLY (1UL << 54)

#define PT_LEVELS 4
#define PT_ENTRIES 512

/* Index of va in the table at level (4 = PML4 ... 1 = page table). */
static inline unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

/*
 * Returns the level-1 entry for va, creating missing tables when create is
 * true; NULL if a table is missing (or cannot be allocated) or a huge page
 * covers va.
 */
uint64_t *pt_walk(uint64_t pml4, uint64_t va, bool create);

/*
 * A walk over the present leaf entries of a range (pagetable.c). leaf is
 * called for each present 4 KiB entry in address order; a negative return
 * stops the walk and is returned. table_done, if set, is called after each
 * page table, directory or PDPT under the range has been visited, with its
 * entry in the level above (vm_destroy frees the table there). Absent
 * tables are skipped whole, so a walk costs what is mapped, not the size
 * of the range. Embed the struct first in a bigger one to carry state.
 */
struct pt_visit {
	int (*leaf)(struct pt_visit *visit, uint64_t va, uint64_t *pte);
	void (*table_done)(struct pt_visit *visit, uint64_t *entry);
};
int pt_visit_range(uint64_t pml4, uint64_t va, uint64_t len, struct pt_visit *visit);

/* Maps [va, va + len) to [pa, pa + len); 0, -ENOMEM or -EEXIST. */
int vm_map_range(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t len, unsigned flags);
/* Maps [va, va + len) to fresh zeroed frames (anonymous memory, stacks,
 * ELF segments); 0, or -ENOMEM / -EEXIST with nothing left mapped. */
int vm_map_fresh(uint64_t pml4, uint64_t va, uint64_t len, unsigned flags);
/* Unmaps [va, va + len); with free_frames, drops a reference to each frame. */
void vm_unmap_range(uint64_t pml4, uint64_t va, uint64_t len, bool free_frames);
/* Changes the permissions of the mapped pages in [va, va + len); 0 or -EFAULT if a page is unmapped. */
int vm_protect_range(uint64_t pml4, uint64_t va, uint64_t len, unsigned flags);
/* Gives every VM_SHARED page of [va, va + len) a private copy (before it
 * is made writable); 0 or -ENOMEM (some pages may already be private). */
int vm_make_private(uint64_t pml4, uint64_t va, uint64_t len);
/* True if a mapped page of [va, va + len) has any of the entry bits. */
bool vm_range_has_bits(uint64_t pml4, uint64_t va, uint64_t len, uint64_t bits);
/* Looks va up: true and *pa (and *pte if not NULL) when mapped. */
bool vm_translate(uint64_t pml4, uint64_t va, uint64_t *pa, uint64_t *pte);

/* A new address space sharing the kernel half; 0 if out of memory. */
uint64_t vm_create(void);
/* Copies every user page of src into dst (fork); 0 or -ENOMEM (dst is then partly filled). */
int vm_copy_user(uint64_t dst, uint64_t src);
/* Unmaps and frees the whole user half and every table, then the PML4. */
void vm_destroy(uint64_t pml4);

/* Builds the kernel address space and switches to it (kernel_vm.c). */
void kernel_vm_init(void);
uint64_t kernel_pml4(void);
bool kernel_vm_is_stack_guard(uint64_t addr);
/* Maps the kernel stack of slot (guard page below it); returns its top, or 0. */
uint64_t kernel_stack_map(int slot);
void kernel_stack_unmap(int slot);

/* Prints the entries met on the walk to va (ptdump.c); used by #PF reports. */
void vm_print_walk(uint64_t pml4, uint64_t va);

#endif
