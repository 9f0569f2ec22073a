/*
 * ptdump.c - prints the page-table walk to an address, one line per level,
 * for page-fault reports: the entry that is missing or forbids the access
 * is the last one printed. Reads the tables directly (it must work on the
 * boot tables, with their 2 MiB pages, and on a half-built address space)
 * and never follows an entry outside the direct map.
 */
#include "kprintf.h"
#include "memlayout.h"
#include "vm.h"

static const char *const level_names[] = { "", "PT", "PD", "PDPT", "PML4" };

static void ptdump_print_entry(int level, unsigned index, uint64_t e)
{
	kprintf("  %-4s[%3u] = 0x%016lx", level_names[level], index, e);
	if (!(e & PTE_PRESENT)) {
		kprintf(" not present\n");
		return;
	}
	kprintf(" -> 0x%lx %s%s%s%s\n", e & PTE_ADDR_MASK, e & PTE_WRITE ? "W" : "R",
		e & PTE_USER ? " user" : " kernel", e & PTE_NX ? " NX" : " X",
		(e & PTE_HUGE) && level > 1 ? " huge" : "");
}

void vm_print_walk(uint64_t pml4, uint64_t va)
{
	uint64_t table_pa = pml4 & PTE_ADDR_MASK;

	kprintf("  page walk for 0x%016lx (CR3 0x%lx):\n", va, table_pa);
	for (int level = PT_LEVELS; level >= 1; level--) {
		const uint64_t *table;
		uint64_t e;

		if (table_pa >= direct_map_end) {
			kprintf("  (table at 0x%lx is outside the direct map)\n", table_pa);
			return;
		}
		table = P2V(table_pa);
		e = table[pt_index(va, level)];
		ptdump_print_entry(level, pt_index(va, level), e);
		if (!(e & PTE_PRESENT) || (level > 1 && (e & PTE_HUGE)))
			return;
		table_pa = e & PTE_ADDR_MASK;
	}
}
