/*
 * multiboot.h - the multiboot 1 information structure (Multiboot
 * Specification 0.6.96, §3.3). The loader leaves it in low memory and
 * passes its physical address in ebx. Only the fields Anode reads are
 * named; offsets are checked against the specification.
 */
#ifndef ANODE_MULTIBOOT_H
#define ANODE_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define MULTIBOOT_BOOT_MAGIC 0x2badb002
#define MULTIBOOT_INFO_MEMORY (1 << 0)
#define MULTIBOOT_INFO_CMDLINE (1 << 2)
#define MULTIBOOT_INFO_MODS (1 << 3)
#define MULTIBOOT_INFO_MMAP (1 << 6)
#define MULTIBOOT_INFO_LOADER_NAME (1 << 9)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower_kib, mem_upper_kib;
	uint32_t boot_device;
	uint32_t cmdline;          /* physical address of a C string */
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name; /* physical address of a C string */
} PACKED;
_Static_assert(offsetof(struct multiboot_info, cmdline) == 16, "multiboot spec");
_Static_assert(offsetof(struct multiboot_info, mmap_length) == 44, "multiboot spec");
_Static_assert(offsetof(struct multiboot_info, boot_loader_name) == 64, "multiboot spec");

/* `size` counts the bytes after itself; entries may be larger than this. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t length;
	uint32_t type;
} PACKED;

struct multiboot_module {
	uint32_t start, end; /* physical, end exclusive */
	uint32_t string;
	uint32_t reserved;
} PACKED;

#endif
