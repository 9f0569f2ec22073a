/*
 * kernel_vm.c - the kernel's own address space (lab 2, handout §4).
 *
 * Replaces boot.asm's page tables (three 1 GiB windows, everything
 * writable and executable) with exact ones:
 *   - the direct map of all physical memory, read/write, never executable;
 *   - each kernel section at its link address with its own permissions:
 *     text R-X, rodata R--, data/bss RW-, symbol table R--;
 *   - no identity map: address 0 and the whole user half are unmapped;
 *   - the page under the boot stack unmapped (the stack guard).
 * Then it turns on CR0.WP, so even the kernel cannot write a read-only
 * page, and loads CR3. Layer below: pagetable.c.
 */
#include "arch/x86_64/x86.h"
#include "bootinfo.h"
#include "compiler.h"
#include "frame.h"
#include "kprintf.h"
#include "memlayout.h"
#include "proc.h"
#include "vm.h"

#define CR0_WP (1UL << 16)
#define HUGE_2M (1UL << 21)

uint64_t direct_map_end = BOOT_MAPPED_BYTES;
static uint64_t kernel_root;
/* boot.asm's PML4, linked at its physical address (the kernel runs on it
 * until kernel_vm_init loads its own). */
extern char boot_pml4[];

/*
 * The kernel's PML4; before kernel_vm_init, boot.asm's. Lab 2's frame and
 * page-table self-tests run that early (main.c), so that each exercise
 * can be checked before the kernel address space needs all of them: their
 * address spaces then share the boot tables' kernel half.
 */
uint64_t kernel_pml4(void)
{
	return kernel_root ? kernel_root : (uint64_t)boot_pml4;
}

static uint64_t kernel_vm_physical_top(void)
{
	uint64_t top = 0;

	for (int i = 0; i < boot_info.region_count; i++) {
		const struct boot_mem_region *r = &boot_info.regions[i];

		if (r->type == BOOT_MEM_USABLE && r->base + r->length > top)
			top = r->base + r->length;
	}
	return ALIGN_UP(top, HUGE_2M);
}

/*
 * Maps [0, top) at DIRECT_MAP_BASE with 4 KiB pages. One walk per 2 MiB,
 * then the 512 entries of that page table are filled in a tight loop:
 * 4 GiB takes about a million entries, so this loop is the boot's hottest.
 */
static void kernel_vm_map_direct(uint64_t top)
{
	uint64_t bits = PTE_PRESENT | PTE_WRITE | PTE_NX;

	for (uint64_t pa = 0; pa < top; pa += HUGE_2M) {
		uint64_t *pt = pt_walk(kernel_root, (uint64_t)P2V(pa), true);

		if (!pt)
			panic("kernel_vm: out of memory for the direct map at 0x%lx", pa);
		for (int i = 0; i < PT_ENTRIES; i++)
			pt[i] = (pa + (uint64_t)i * PAGE_SIZE) | bits;
	}
}

LAB_HELPER static void kernel_vm_map_section(const char *name, const void *start, const void *end,
				  unsigned flags)
{
	uint64_t va = ALIGN_DOWN((uint64_t)start, PAGE_SIZE);
	uint64_t len = ALIGN_UP((uint64_t)end, PAGE_SIZE) - va;

	if (vm_map_range(kernel_root, va, V2P((void *)va), len, flags) < 0)
		panic("kernel_vm: cannot map %s", name);
}

static void kernel_vm_map_image(void)
{
	// LAB 2.4 BEGIN: map text R-X, rodata R, data+bss RW (not the guard), ksyms R; handout §4
	kernel_vm_map_section("text", kernel_text_start, kernel_text_end, VM_EXEC);
	kernel_vm_map_section("rodata", kernel_rodata_start, kernel_rodata_end, 0);
	kernel_vm_map_section("data", kernel_data_start, boot_stack_guard, VM_WRITE);
	kernel_vm_map_section("bss", boot_stack_bottom, kernel_bss_end, VM_WRITE);
	kernel_vm_map_section("ksyms", kernel_ksyms_start, kernel_end, 0);
	// LAB 2.4 STUB
	// lab_not_implemented(2, "kernel_vm_map_image");
	// LAB 2.4 END
}

/*
 * Every address space copies the kernel's PML4 entries when it is created,
 * so kernel tables that appear later would be missing there. Create the
 * stack region's tables now; later kernel-stack mappings only fill entries.
 */
static void kernel_vm_prepare_stack_region(void)
{
	for (uint64_t i = 0; i < NPROC * KSTACK_SLOT_PAGES; i++)
		if (!pt_walk(kernel_root, KSTACK_REGION + i * PAGE_SIZE, true))
			panic("kernel_vm: no memory for the kernel stack tables");
}

void kernel_vm_init(void)
{
	uint64_t top = kernel_vm_physical_top();

	if (!(rdmsr(MSR_EFER) & EFER_NXE))
		panic("kernel_vm: this CPU has no no-execute bit (EFER.NXE)");
	kernel_root = frame_alloc();
	if (!kernel_root)
		panic("kernel_vm: no memory for the kernel page tables");
	/* Tables for all memory must come from the boot-mapped first GiB. */
	kernel_vm_map_direct(top);
	kernel_vm_map_image();
	kernel_vm_prepare_stack_region();
	write_cr3(kernel_root);
	write_cr0(read_cr0() | CR0_WP);
	direct_map_end = top;
	kprintf("vm: kernel address space at 0x%lx, %lu MiB direct-mapped\n", kernel_root, top >> 20);
}

static uint64_t kernel_stack_base(int slot)
{
	return KSTACK_REGION + (uint64_t)slot * KSTACK_SLOT_PAGES * PAGE_SIZE;
}

/* True when addr lies in the guard page under a kernel stack. */
bool kernel_vm_is_stack_guard(uint64_t addr)
{
	if (addr >= (uint64_t)boot_stack_guard && addr < (uint64_t)boot_stack_bottom)
		return true;
	return addr >= KSTACK_REGION && addr < kernel_stack_base(NPROC) &&
	       (addr - KSTACK_REGION) / PAGE_SIZE % KSTACK_SLOT_PAGES == 0;
}

uint64_t kernel_stack_map(int slot)
{
	uint64_t va = kernel_stack_base(slot) + PAGE_SIZE; /* the guard stays unmapped */

	for (int i = 0; i < KSTACK_PAGES; i++) {
		uint64_t pa = frame_alloc();

		if (!pa || vm_map_range(kernel_root, va + i * PAGE_SIZE, pa, PAGE_SIZE, VM_WRITE) < 0) {
			if (pa)
				frame_free(pa);
			vm_unmap_range(kernel_root, va, i * PAGE_SIZE, true);
			return 0;
		}
	}
	return va + KSTACK_PAGES * PAGE_SIZE;
}

void kernel_stack_unmap(int slot)
{
	vm_unmap_range(kernel_root, kernel_stack_base(slot) + PAGE_SIZE, KSTACK_PAGES * PAGE_SIZE, true);
}
