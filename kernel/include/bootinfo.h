/*
 * bootinfo.h - what the boot loader told us, in a loader-neutral form.
 * arch/x86_64/multiboot.c fills it from the multiboot information; the
 * rest of the kernel reads only this.
 */
#ifndef ANODE_BOOTINFO_H
#define ANODE_BOOTINFO_H

#include <stdint.h>

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 4
#define BOOT_CMDLINE_BYTES 512

/* Region types, as multiboot and the BIOS e820 call number them. */
#define BOOT_MEM_USABLE 1
#define BOOT_MEM_RESERVED 2
#define BOOT_MEM_ACPI_RECLAIMABLE 3
#define BOOT_MEM_ACPI_NVS 4
#define BOOT_MEM_BAD 5

struct boot_mem_region {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

struct boot_module {
	uint64_t start; /* physical, page aligned */
	uint64_t end;   /* physical, exclusive */
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_BYTES];
	char loader_name[64];
	struct boot_mem_region regions[BOOT_MAX_REGIONS];
	int region_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	int module_count;
};

extern struct boot_info boot_info;

/* Fills boot_info from the multiboot information; returns 0 or -1 (not multiboot). */
int multiboot_parse(uint32_t magic, uint64_t info_phys);
void bootinfo_print_memory_map(void);
uint64_t bootinfo_usable_bytes(void);

#endif
