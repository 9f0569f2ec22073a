/*
 * elf.c - loads an ELF64 executable into a user address space (lab 3,
 * handout §7). Everything in the file is checked before it is trusted:
 * the header, that every segment lies inside the file and inside the user
 * half, that no segment is both writable and executable, that segments do
 * not overlap, and that the entry point is in an executable segment. A bad
 * file gives -ENOEXEC; it never crashes the kernel.
 */
#include "abi.h"
#include "compiler.h"
#include "elf.h"
#include "errno.h"
#include "frame.h"
#include "kstring.h"
#include "memlayout.h"
#include "vm.h"

#define ELF_MAX_SEGMENT_BYTES (1UL << 30)
#define ELF_MAX_PHDRS 64

static int elf_check_header(const struct elf64_header *h, uint64_t size)
{
	if (size < sizeof(*h) || h->magic != ELF_MAGIC || h->class != ELFCLASS64 ||
	    h->data != ELFDATA2LSB || h->type != ET_EXEC || h->machine != EM_X86_64)
		return -ENOEXEC;
	if (h->phentsize != sizeof(struct elf64_phdr) || h->phnum == 0 || h->phnum > ELF_MAX_PHDRS)
		return -ENOEXEC;
	if (h->phoff > size || h->phnum * sizeof(struct elf64_phdr) > size - h->phoff)
		return -ENOEXEC;
	return 0;
}

/* Both checks are needed: each operand in range, then the sum. */
static bool elf_segment_ok(const struct elf64_phdr *ph, uint64_t size)
{
	return ph->filesz <= ph->memsz && ph->memsz <= ELF_MAX_SEGMENT_BYTES &&
	       ph->offset <= size && ph->filesz <= size - ph->offset && ph->vaddr >= USER_BASE &&
	       ph->vaddr < USER_END && ph->memsz <= USER_END - ph->vaddr &&
	       !user_range_meets_bounce_window(ph->vaddr, ph->memsz) &&
	       !((ph->flags & PF_W) && (ph->flags & PF_X));
}

static int elf_load_segment(uint64_t pml4, const uint8_t *image, const struct elf64_phdr *ph)
{
	uint64_t start = ALIGN_DOWN(ph->vaddr, PAGE_SIZE);
	uint64_t end = ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
	unsigned flags = VM_USER | (ph->flags & PF_W ? VM_WRITE : 0) | (ph->flags & PF_X ? VM_EXEC : 0);

	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pa = frame_alloc();
		int err;

		if (!pa)
			return -ENOMEM;
		err = vm_map_range(pml4, va, pa, PAGE_SIZE, flags);
		if (err < 0) {
			frame_free(pa);
			return err == -EEXIST ? -ENOEXEC : err; /* overlapping segments */
		}
		/* Copy the part of the file that falls in this page. */
		uint64_t lo = va > ph->vaddr ? va : ph->vaddr;
		uint64_t hi = va + PAGE_SIZE < ph->vaddr + ph->filesz ? va + PAGE_SIZE
								  : ph->vaddr + ph->filesz;
		if (hi > lo)
			memcpy((uint8_t *)P2V(pa) + (lo - va), image + ph->offset + (lo - ph->vaddr),
			       hi - lo);
	}
	return 0;
}

int elf_load(uint64_t pml4, const void *image, uint64_t size, uint64_t *entry)
{
	struct elf64_header h;
	bool entry_ok = false;
	int err;

	if (size < sizeof(h))
		return -ENOEXEC;
	memcpy(&h, image, sizeof(h));
	err = elf_check_header(&h, size);
	if (err < 0)
		return err;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < h.phnum; i++) {
			struct elf64_phdr ph;

			memcpy(&ph, (const uint8_t *)image + h.phoff + i * sizeof(ph), sizeof(ph));
			if (ph.type != PT_LOAD || ph.memsz == 0)
				continue;
			if (pass == 0) {
				/* First pass: check everything before mapping anything. */
				if (!elf_segment_ok(&ph, size))
					return -ENOEXEC;
				entry_ok |= (ph.flags & PF_X) && h.entry >= ph.vaddr &&
					    h.entry < ph.vaddr + ph.memsz;
				continue;
			}
			err = elf_load_segment(pml4, image, &ph);
			if (err < 0)
				return err;
		}
		if (pass == 0 && !entry_ok)
			return -ENOEXEC;
	}
	*entry = h.entry;
	return 0;
}
