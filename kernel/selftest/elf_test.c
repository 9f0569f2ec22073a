/*
 * elf_test.c - `test=elf-checks` (lab 3): the ELF loader refuses malformed
 * or unsafe images with -ENOEXEC and never crashes. Starts from a small
 * valid image built in memory, breaks one thing at a time (the seed picks
 * the addresses), and prints what elf_load returned for each case.
 */
#include "elf.h"
#include "errno.h"
#include "frame.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "random.h"
#include "selftest.h"
#include "vm.h"

#define IMAGE_BYTES 8192

struct elf_test_image {
	struct elf64_header h;
	struct elf64_phdr ph[2];
	uint8_t code[IMAGE_BYTES - sizeof(struct elf64_header) - 2 * sizeof(struct elf64_phdr)];
};

static struct elf_test_image image;

/* A valid program: one R-X segment with the entry point, one RW segment. */
static void elf_test_make_valid(uint64_t base)
{
	memset(&image, 0, sizeof(image));
	image.h = (struct elf64_header){ .magic = ELF_MAGIC, .class = ELFCLASS64, .data = ELFDATA2LSB,
					 .version = 1, .type = ET_EXEC, .machine = EM_X86_64,
					 .version2 = 1, .entry = base + 0x100,
					 .phoff = sizeof(struct elf64_header), .ehsize = 64,
					 .phentsize = sizeof(struct elf64_phdr), .phnum = 2 };
	image.ph[0] = (struct elf64_phdr){ .type = PT_LOAD, .flags = PF_R | PF_X, .offset = 0,
					   .vaddr = base, .filesz = 4096, .memsz = 4096,
					   .align = 4096 };
	image.ph[1] = (struct elf64_phdr){ .type = PT_LOAD, .flags = PF_R | PF_W, .offset = 4096,
					   .vaddr = base + 0x10000, .filesz = 4096, .memsz = 3 * 4096,
					   .align = 4096 };
}

static void elf_test_case(const char *name, uint64_t base, int *failures, int want)
{
	uint64_t space = vm_create(), entry = 0;
	int got = space ? elf_load_image(space, &image, sizeof(image), &entry) : -ENOMEM;

	kprintf("elf-test: %-28s -> %d\n", name, got);
	*failures += got != want;
	if (space)
		vm_destroy(space);
	elf_test_make_valid(base);
}

int selftest_elf(void)
{
	uint64_t base = 0x400000 + (random_next() % 1024) * PAGE_SIZE * 16;
	uint64_t before = frame_free_count();
	int failures = 0;

	elf_test_make_valid(base);
	elf_test_case("valid image", base, &failures, 0);
	image.h.magic ^= 1;
	elf_test_case("bad magic", base, &failures, -ENOEXEC);
	image.h.machine = 3;
	elf_test_case("wrong machine", base, &failures, -ENOEXEC);
	image.h.phnum = 60000;
	elf_test_case("program headers past the end", base, &failures, -ENOEXEC);
	image.ph[1].vaddr = 0xffffffff80100000UL;
	elf_test_case("segment in the kernel half", base, &failures, -ENOEXEC);
	image.ph[1].vaddr = USER_END - 4096;
	elf_test_case("segment crossing USER_END", base, &failures, -ENOEXEC);
	/* The top user page is never mappable (a syscall there would sysret to a
	 * non-canonical address): written as a number, not as USER_END. */
	image.ph[1].vaddr = 0x00007ffffffff000UL;
	image.ph[1].memsz = 4096;
	elf_test_case("segment in the top user page", base, &failures, -ENOEXEC);
	image.ph[1].offset = UINT64_MAX - 100;
	elf_test_case("file offset wrapping around", base, &failures, -ENOEXEC);
	image.ph[1].filesz = 1UL << 40;
	image.ph[1].memsz = 1UL << 40;
	elf_test_case("absurd segment size", base, &failures, -ENOEXEC);
	image.ph[1].filesz = image.ph[1].memsz + 1;
	elf_test_case("filesz larger than memsz", base, &failures, -ENOEXEC);
	image.ph[1].vaddr = base + 0x800;
	elf_test_case("overlapping segments", base, &failures, -ENOEXEC);
	image.ph[1].flags = PF_R | PF_W | PF_X;
	elf_test_case("writable and executable", base, &failures, -ENOEXEC);
	image.h.entry = base + 0x10000;
	elf_test_case("entry outside executable", base, &failures, -ENOEXEC);
	elf_test_case("valid image again", base, &failures, 0);
	kprintf("elf-test: base 0x%lx, %d unexpected results, free frames before %lu, after %lu\n",
		base, failures, before, frame_free_count());
	return failures || frame_free_count() != before;
}
