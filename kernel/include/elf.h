/*
 * elf.h - the parts of the ELF64 format the loader reads (System V ABI,
 * "ELF-64 Object File Format" 1.5), and the loader's interface
 * (proc/elf.c).
 */
#ifndef ANODE_ELF_H
#define ANODE_ELF_H

#include <stdint.h>

#define ELF_MAGIC 0x464c457fU /* "\x7fELF" read as a little-endian u32 */
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_header {
	uint32_t magic;
	uint8_t class, data, version, osabi;
	uint8_t pad[8];
	uint16_t type, machine;
	uint32_t version2;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_header) == 64, "ELF64 header");

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

/*
 * Where an ELF file's bytes come from. read copies [offset, offset + len)
 * of the file into kernel memory (headers); fill copies it to user address
 * va of pml4, which the loader has mapped writable. Both return 0 or
 * -errno (-ENOEXEC when the file is shorter than it says). size bounds
 * every offset the loader accepts.
 */
struct elf_source {
	int (*read)(struct elf_source *src, void *dst, uint64_t offset, uint64_t len);
	int (*fill)(struct elf_source *src, uint64_t pml4, uint64_t va, uint64_t offset,
		    uint64_t len);
	uint64_t size;
};

/*
 * Loads the PT_LOAD segments of an ELF file into the user half of address
 * space pml4; *entry gets the entry point. Returns 0, -ENOEXEC for anything
 * malformed or unsafe, -ENOMEM, or the source's error.
 */
int elf_load(uint64_t pml4, struct elf_source *src, uint64_t *entry);
/* The same for an image [image, image + size) in kernel memory. */
int elf_load_image(uint64_t pml4, const void *image, uint64_t size, uint64_t *entry);

#endif
