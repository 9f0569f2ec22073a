/*
 * bootstrap.c - the first process of a lab 5 boot (handout lab 5 §4).
 *
 * The kernel does not read the initfs: it checks the image's header (so a
 * wrong -initrd is one clear line, never a fault), maps the whole image
 * read + execute at user INITFS_LOAD_ADDRESS in a new process, and starts
 * it at the header's bootstrap entry with no stack and no fds. Everything
 * else (a stack, fds, permissions, the initfs: daemon, exec of init) is
 * the bootstrap program's own work, in user space.
 *
 * The image's frames belong to the boot (frame.c holds them once, for
 * ever); each mapping takes a reference and is marked VM_SHARED, so fork
 * shares the pages and mprotect(PROT_WRITE) gives a process its own copy:
 * nothing ever writes the image itself.
 */
#include "abi.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/x86.h"
#include "bootinfo.h"
#include "errno.h"
#include "frame.h"
#include "initfs.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "vm.h"

/* An image is a few hundred KiB; a bigger header is a broken one. */
#define INITFS_MAX_BYTES (1UL << 30)

static struct initfs_header initfs_header;
static int initfs_status = 1; /* 1 until checked, then 0 or -errno */

/*
 * Why an image of size bytes at image cannot be started, or NULL if its
 * header is good; *h gets the header. Everything is checked with
 * subtractions that cannot wrap (the initfs-header self-test feeds it
 * seeded garbage).
 */
const char *initfs_header_problem(const void *image, uint64_t size, struct initfs_header *h)
{
	uint64_t boot_end;

	if (size < sizeof(*h))
		return "shorter than its header";
	memcpy(h, image, sizeof(*h));
	if (memcmp(h->magic, INITFS_MAGIC, INITFS_MAGIC_BYTES) != 0)
		return "bad magic (not an initfs image)";
	if (h->version != INITFS_VERSION)
		return "unknown version";
	if (h->image_bytes > size)
		return "truncated (the header says it is longer than the module)";
	if (h->image_bytes > INITFS_MAX_BYTES)
		return "larger than 1 GiB";
	if (h->image_bytes < INITFS_BOOTSTRAP_OFFSET + INITFS_PAGE)
		return "too short for a header page and a bootstrap page";
	if (h->bootstrap_offset != INITFS_BOOTSTRAP_OFFSET || h->bootstrap_bytes == 0 ||
	    h->bootstrap_bytes % PAGE_SIZE || h->bootstrap_bytes > h->image_bytes - INITFS_PAGE)
		return "bootstrap image outside the image";
	boot_end = INITFS_BOOTSTRAP_OFFSET + h->bootstrap_bytes;
	if (h->bootstrap_entry < INITFS_BOOTSTRAP_OFFSET || h->bootstrap_entry >= boot_end)
		return "bootstrap entry outside the bootstrap image";
	return NULL;
}

static const char *initfs_module_problem(const struct boot_module *m, struct initfs_header *h)
{
	if (m->start % PAGE_SIZE)
		return "the module is not page aligned";
	return initfs_header_problem(P2V(m->start), m->end - m->start, h);
}

int initfs_image_check(void)
{
	const char *problem;

	if (initfs_status <= 0)
		return initfs_status;
	initfs_status = -ENOENT;
	if (boot_info.module_count == 0) {
		kprintf("initfs: no image (boot with -initrd build/initfs.img; make qemu does)\n");
		return -ENOENT;
	}
	problem = initfs_module_problem(&boot_info.modules[0], &initfs_header);
	if (problem) {
		kprintf("initfs: bad image: %s\n", problem);
		return initfs_status = -ENOEXEC;
	}
	kprintf("initfs: image of %lu KiB, bootstrap %lu KiB, entry at 0x%lx\n",
		initfs_header.image_bytes / 1024, initfs_header.bootstrap_bytes / 1024,
		INITFS_LOAD_ADDRESS + initfs_header.bootstrap_entry);
	return initfs_status = 0;
}

/* Maps the image read + execute, shared, at INITFS_LOAD_ADDRESS. */
static int bootstrap_map_image(uint64_t pml4)
{
	uint64_t pa = boot_info.modules[0].start;
	uint64_t len = ALIGN_UP(initfs_header.image_bytes, PAGE_SIZE);
	int err = vm_map_range(pml4, INITFS_LOAD_ADDRESS, pa, len, VM_USER | VM_EXEC | VM_SHARED);

	if (err < 0)
		return err;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		frame_ref(pa + off); /* the mapping's reference; vm_destroy drops it */
	return 0;
}

int proc_spawn_bootstrap(void)
{
	struct proc *p;
	int err = initfs_image_check();

	if (err < 0)
		return err;
	program_begin_run();
	p = proc_alloc("bootstrap");
	if (!p)
		return -ENOMEM;
	p->pml4 = vm_create();
	err = p->pml4 ? bootstrap_map_image(p->pml4) : -ENOMEM;
	if (err < 0) {
		proc_free(p);
		return err;
	}
	p->tf->rip = INITFS_LOAD_ADDRESS + initfs_header.bootstrap_entry;
	p->tf->rsp = 0; /* no stack: the entry stub makes one with fmap */
	p->tf->rflags = RFLAGS_IF | 0x2;
	p->tf->cs = GDT_USER_CODE;
	p->tf->ss = GDT_USER_DATA;
	kprintf("run: starting bootstrap as pid %d\n", p->pid);
	sched_make_runnable(p);
	return 0;
}
