/*
 * multiboot.c - copies what the multiboot loader passed (command line,
 * memory map, modules) into the loader-neutral boot_info (bootinfo.h).
 * Everything is copied because later labs reuse the low memory it sits in.
 */
#include "arch/x86_64/multiboot.h"
#include "bootinfo.h"
#include "kstring.h"
#include "memlayout.h"

struct boot_info boot_info;

static void multiboot_copy_string(char *dst, size_t size, uint32_t phys)
{
	/* The boot page tables reach only BOOT_MAPPED_BYTES of memory. */
	if (phys == 0 || phys >= BOOT_MAPPED_BYTES)
		return;
	strlcpy(dst, P2V(phys), size);
}

/*
 * Loaders put the kernel's own path first ("build/kernel/kernel.img
 * seed=3"), like argv[0]; keep only the options after it.
 */
static void multiboot_copy_cmdline(uint32_t phys)
{
	char full[BOOT_CMDLINE_BYTES] = "";
	const char *options;

	multiboot_copy_string(full, sizeof(full), phys);
	options = strchr(full, ' ');
	if (options)
		strlcpy(boot_info.cmdline, options + 1, sizeof(boot_info.cmdline));
}

static void multiboot_copy_mmap(const struct multiboot_info *mbi)
{
	uint64_t at = mbi->mmap_addr, end = (uint64_t)mbi->mmap_addr + mbi->mmap_length;

	while (at < end && boot_info.region_count < BOOT_MAX_REGIONS) {
		const struct multiboot_mmap_entry *e = P2V(at);
		struct boot_mem_region *r = &boot_info.regions[boot_info.region_count++];

		r->base = e->base;
		r->length = e->length;
		r->type = e->type;
		at += e->size + sizeof(e->size);
	}
}

static void multiboot_copy_modules(const struct multiboot_info *mbi)
{
	const struct multiboot_module *mods = P2V(mbi->mods_addr);

	for (uint32_t i = 0; i < mbi->mods_count && boot_info.module_count < BOOT_MAX_MODULES; i++) {
		boot_info.modules[boot_info.module_count].start = mods[i].start;
		boot_info.modules[boot_info.module_count].end = mods[i].end;
		boot_info.module_count++;
	}
}

int multiboot_parse(uint32_t magic, uint64_t info_phys)
{
	const struct multiboot_info *mbi = P2V(info_phys);

	if (magic != MULTIBOOT_BOOT_MAGIC || info_phys >= BOOT_MAPPED_BYTES)
		return -1;
	if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
		multiboot_copy_cmdline(mbi->cmdline);
	if (mbi->flags & MULTIBOOT_INFO_LOADER_NAME)
		multiboot_copy_string(boot_info.loader_name, sizeof(boot_info.loader_name),
				      mbi->boot_loader_name);
	if (mbi->flags & MULTIBOOT_INFO_MMAP)
		multiboot_copy_mmap(mbi);
	if (mbi->flags & MULTIBOOT_INFO_MODS)
		multiboot_copy_modules(mbi);
	/* Without a memory map, the two basic sizes still describe RAM. */
	if (boot_info.region_count == 0 && (mbi->flags & MULTIBOOT_INFO_MEMORY)) {
		boot_info.regions[0] = (struct boot_mem_region){ 0, mbi->mem_lower_kib * 1024UL,
								 BOOT_MEM_USABLE };
		boot_info.regions[1] = (struct boot_mem_region){ 1UL << 20, mbi->mem_upper_kib * 1024UL,
								 BOOT_MEM_USABLE };
		boot_info.region_count = 2;
	}
	return 0;
}
