/*
 * sys_mem.c - memory system calls: anonymous fmap (fd ~0), funmap and
 * mprotect (lab 3, handout §6); fmap of a file through its scheme (lab 6). Anonymous memory is allocated eagerly and
 * zero-filled; running out gives -ENOMEM and maps nothing.
 */
#include "compiler.h"
#include "errno.h"
#include "memlayout.h"
#include "proc.h"
#include "scheme.h"
#include "syscall.h"
#include "uaccess.h"
#include "vm.h"

#define FMAP_MAX_BYTES (1UL << 32)

static bool user_range_aligned(uint64_t addr, uint64_t len)
{
	return addr % PAGE_SIZE == 0 && len > 0 && addr >= USER_BASE && addr < USER_END &&
	       len <= USER_END - addr;
}

static unsigned prot_to_vm(uint64_t prot)
{
	unsigned flags = 0;

	/* PROT_NONE: the page stays mapped but only the kernel may touch it. */
	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		flags |= VM_USER;
	if (prot & PROT_WRITE)
		flags |= VM_WRITE;
	if (prot & PROT_EXEC)
		flags |= VM_EXEC;
	return flags;
}

/* Maps len bytes of fresh zeroed frames at va; on failure maps nothing. */
static int64_t fmap_anonymous(struct proc *p, uint64_t va, uint64_t len, unsigned flags)
{
	int err = vm_map_fresh(p->pml4, va, len, flags);

	return err < 0 ? err : (int64_t)va;
}

/*
 * fmap of a file (lab 6): the scheme maps its pages, e.g. a user scheme
 * shares its daemon's frames (scheme/shm.c). Schemes that cannot map give
 * -ENODEV.
 */
static int64_t fmap_file(struct proc *p, int64_t fd, const struct fmap_request *req)
{
	struct file *f = schemes_enabled() ? fd_lookup(&p->files, fd) : NULL;
	unsigned flags = prot_to_vm(req->flags & (PROT_READ | PROT_WRITE | PROT_EXEC)
					    ? req->flags : PROT_READ | PROT_WRITE);
	uint64_t len, va;
	int64_t result;

	if (!schemes_enabled())
		return -ENOSYS;
	if (!f)
		return -EBADF;
	if (!f->scheme->ops->fmap)
		return -ENODEV;
	if (req->size == 0 || req->offset % PAGE_SIZE)
		return -EINVAL;
	if (req->size > FMAP_MAX_BYTES)
		return -ENOMEM;
	len = ALIGN_UP(req->size, PAGE_SIZE);
	va = req->address ? req->address : p->mmap_next;
	if (!user_range_aligned(va, len) || user_range_meets_bounce_window(va, len))
		return -EINVAL;
	file_get(f); /* the call may sleep; a sibling may close the fd meanwhile */
	result = f->scheme->ops->fmap(f, req, va, len, flags);
	file_put(f);
	if (result >= 0 && !req->address)
		p->mmap_next = va + len + PAGE_SIZE;
	return result;
}

int64_t sys_fmap(const struct syscall_args *args)
{
	uint64_t fd = args->a[0];
	struct user_ptr request_in = user_ptr(args->a[1]);
	uint64_t request_len = args->a[2];
	struct proc *p = proc_current();
	struct fmap_request req;
	uint64_t len, va;
	int64_t result;

	if (request_len != sizeof(req))
		return -EINVAL;
	if (copy_from_user(&req, request_in, sizeof(req)) < 0)
		return -EFAULT;
	if (fd != FMAP_ANONYMOUS_FD)
		return fmap_file(p, (int64_t)fd, &req);
	if (req.size == 0 || req.offset != 0)
		return -EINVAL;
	if (req.size > FMAP_MAX_BYTES)
		return -ENOMEM;
	len = ALIGN_UP(req.size, PAGE_SIZE);
	va = req.address ? req.address : p->mmap_next;
	if (!user_range_aligned(va, len) || user_range_meets_bounce_window(va, len))
		return -EINVAL;
	/* No protection given means the usual read/write data. */
	result = fmap_anonymous(p, va, len, prot_to_vm(req.flags ? req.flags : PROT_READ | PROT_WRITE));
	if (result >= 0 && !req.address)
		p->mmap_next = va + len + PAGE_SIZE; /* a gap page between mappings */
	return result;
}

int64_t sys_funmap(const struct syscall_args *args)
{
	uint64_t addr = args->a[0];
	uint64_t len = ALIGN_UP(args->a[1], PAGE_SIZE);

	if (!user_range_aligned(addr, len))
		return -EINVAL;
	vm_unmap_range(proc_current()->pml4, addr, len, true);
	return 0;
}

int64_t sys_mprotect(const struct syscall_args *args)
{
	uint64_t addr = args->a[0];
	uint64_t len = ALIGN_UP(args->a[1], PAGE_SIZE);
	uint64_t prot = args->a[2];

	if (!user_range_aligned(addr, len) || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	/* Shared memory a daemon gave read-only stays read-only (lab 6). */
	if ((prot & PROT_WRITE) && vm_range_has_bits(proc_current()->pml4, addr, len, PTE_SHM_READONLY))
		return -EACCES;
	/* Shared read-only frames (the initfs image) are never written: a page
	 * made writable gets a private copy first. */
	if ((prot & PROT_WRITE) && vm_make_private(proc_current()->pml4, addr, len) < 0)
		return -ENOMEM;
	return vm_protect_range(proc_current()->pml4, addr, len, prot_to_vm(prot));
}
