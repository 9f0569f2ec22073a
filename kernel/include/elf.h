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
 * Loads the PT_LOAD segments of the ELF image [image, image + size) into
 * the user half of address space pml4; *entry gets the entry point.
 * Returns 0, -ENOEXEC for anything malformed or unsafe, -ENOMEM.
 */
int elf_load(uint64_t pml4, const void *image, uint64_t size, uint64_t *entry);

#endif
