/*
 * bootinfo.c - reading the boot information: the memory map report
 * printed at boot (and by the monitor's `mem` command).
 */
#include "bootinfo.h"
#include "kprintf.h"

static const char *bootinfo_region_type(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:
		return "usable";
	case BOOT_MEM_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case BOOT_MEM_ACPI_NVS:
		return "ACPI NVS";
	case BOOT_MEM_BAD:
		return "bad";
	default:
		return "reserved";
	}
}

uint64_t bootinfo_usable_bytes(void)
{
	uint64_t total = 0;

	for (int i = 0; i < boot_info.region_count; i++)
		if (boot_info.regions[i].type == BOOT_MEM_USABLE)
			total += boot_info.regions[i].length;
	return total;
}

void bootinfo_print_memory_map(void)
{
	kprintf("memory map:\n");
	for (int i = 0; i < boot_info.region_count; i++) {
		const struct boot_mem_region *r = &boot_info.regions[i];

		kprintf("  [mem 0x%016lx-0x%016lx] %s\n", r->base, r->base + r->length - 1,
			bootinfo_region_type(r->type));
	}
	kprintf("memory: %lu KiB usable\n", bootinfo_usable_bytes() / 1024);
}
