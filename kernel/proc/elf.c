/*
 * elf.c - loads an ELF64 executable into a user address space (lab 3,
 * handout §7). Everything in the file is checked before it is trusted:
 * the header, that every segment lies inside the file and inside the user
 * half, that no segment is both writable and executable, that segments do
 * not overlap, and that the entry point is in an executable segment. A bad
 * file gives -ENOEXEC; it never crashes the kernel.
 *
 * The bytes come from a source: an image in kernel memory (lab 3's
 * embedded programs) or a file read through its fd (lab 5's fexec,
 * exec.c). Headers are read whole first; segments are filled straight
 * into the new address space.
 */
#include "abi.h"
#include "compiler.h"
#include "elf.h"
#include "errno.h"
#include "kstring.h"
#include "memlayout.h"
#include "vm.h"

#define ELF_MAX_SEGMENT_BYTES (1UL << 30)
#define ELF_MAX_PHDRS 16

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

/* Maps the segment's pages writable and zeroed, fills them from the file,
 * then sets the segment's own permissions. */
static int elf_load_segment(uint64_t pml4, struct elf_source *src, const struct elf64_phdr *ph)
{
	uint64_t start = ALIGN_DOWN(ph->vaddr, PAGE_SIZE);
	uint64_t end = ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
	unsigned flags = VM_USER | (ph->flags & PF_W ? VM_WRITE : 0) | (ph->flags & PF_X ? VM_EXEC : 0);
	int err;

	err = vm_map_fresh(pml4, start, end - start, VM_USER | VM_WRITE);
	if (err < 0)
		return err == -EEXIST ? -ENOEXEC : err; /* overlapping segments */
	if (ph->filesz > 0) {
		err = src->fill(src, pml4, ph->vaddr, ph->offset, ph->filesz);
		if (err < 0)
			return err;
	}
	return vm_protect_range(pml4, start, end - start, flags);
}

int elf_load(uint64_t pml4, struct elf_source *src, uint64_t *entry)
{
	struct elf64_header h;
	struct elf64_phdr phdrs[ELF_MAX_PHDRS];
	bool entry_ok = false;
	int err;

	if (src->size < sizeof(h))
		return -ENOEXEC;
	err = src->read(src, &h, 0, sizeof(h));
	if (err < 0)
		return err;
	err = elf_check_header(&h, src->size);
	if (err < 0)
		return err;
	err = src->read(src, phdrs, h.phoff, h.phnum * sizeof(phdrs[0]));
	if (err < 0)
		return err;
	/* Check every segment before mapping anything. */
	for (int i = 0; i < h.phnum; i++) {
		const struct elf64_phdr *ph = &phdrs[i];

		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		if (!elf_segment_ok(ph, src->size))
			return -ENOEXEC;
		entry_ok |= (ph->flags & PF_X) && h.entry >= ph->vaddr && h.entry < ph->vaddr + ph->memsz;
	}
	if (!entry_ok)
		return -ENOEXEC;
	for (int i = 0; i < h.phnum; i++) {
		if (phdrs[i].type != PT_LOAD || phdrs[i].memsz == 0)
			continue;
		err = elf_load_segment(pml4, src, &phdrs[i]);
		if (err < 0)
			return err;
	}
	*entry = h.entry;
	return 0;
}

/* An image in kernel memory (lab 3's embedded programs). */
struct elf_memory_source {
	struct elf_source src;
	const uint8_t *image;
};

static int elf_memory_read(struct elf_source *src, void *dst, uint64_t offset, uint64_t len)
{
	memcpy(dst, ((struct elf_memory_source *)src)->image + offset, len);
	return 0;
}

/* Straight into the frames the loader just mapped (no uaccess: lab 3's
 * embedded programs load before its uaccess exercise is written). */
static int elf_memory_fill(struct elf_source *src, uint64_t pml4, uint64_t va, uint64_t offset,
			   uint64_t len)
{
	const uint8_t *from = ((struct elf_memory_source *)src)->image + offset;

	while (len > 0) {
		uint64_t pa, n = PAGE_SIZE - va % PAGE_SIZE;

		if (!vm_translate(pml4, va, &pa, NULL))
			return -EFAULT;
		n = n < len ? n : len;
		memcpy(P2V(pa), from, n);
		from += n;
		va += n;
		len -= n;
	}
	return 0;
}

int elf_load_image(uint64_t pml4, const void *image, uint64_t size, uint64_t *entry)
{
	struct elf_memory_source mem = { { elf_memory_read, elf_memory_fill, size }, image };

	return elf_load(pml4, &mem.src, entry);
}
