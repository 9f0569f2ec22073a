/*
 * shm.c - fmap through a user scheme (lab 6, handout §2): how a daemon
 * shares its own pages with a client, as ipcd does for `shm:`.
 *
 * The client's fmap becomes a request like any other; the daemon answers
 * with an address in its OWN address space where the asked-for bytes are.
 * The kernel checks that answer while it is still in the daemon's write
 * (the daemon's address space is the current one, and the daemon cannot
 * unmap the pages in between): every page must be mapped, the daemon's,
 * user-accessible, writable if the client asked to write, not a bounce
 * page and not the read-only initfs image. It takes a reference to each
 * frame then. The client, woken, maps the same frames into its own space,
 * marked VM_SHM: fork shares them, mprotect keeps them, and each frame is
 * freed only when its last mapping, in any process, is gone.
 */
#include "compiler.h"
#include "errno.h"
#include "frame.h"
#include "kprintf.h"
#include "kmalloc.h"
#include "memlayout.h"
#include "proc.h"
#include "scheme/uscheme.h"
#include "vm.h"

static bool shm_ready;

/* Lab 6's stage: until it is up, fmap through a user scheme is -ENODEV
 * (a lab 5 boot never reaches lab 6's code, stubbed or not). */
void shm_init(void)
{
	shm_ready = true;
}

bool shm_enabled(void)
{
	return shm_ready;
}

/* The entry of a daemon page an fmap answer may name at all (mapped,
 * user, the daemon's own: not a bounce page, not the initfs image), or 0. */
LAB_HELPER static uint64_t shm_daemon_page(uint64_t pml4, uint64_t va)
{
	uint64_t pte;

	if (!vm_translate(pml4, va, NULL, &pte) || !(pte & PTE_USER) ||
	    (pte & (PTE_BORROWED | PTE_SHARED)))
		return 0;
	return pte;
}

int shm_take_daemon_frames(struct request *rq, int64_t address)
{
	// LAB 6.1 BEGIN: check the answer and each page (shm_daemon_page; writable if asked), then ref frames; §2
	uint64_t va = (uint64_t)address, len = rq->map_pages * PAGE_SIZE;
	uint64_t pml4 = proc_current()->pml4;
	uint64_t *frames;

	if (va % PAGE_SIZE || va < USER_BASE || va >= USER_END || len > USER_END - va ||
	    user_range_meets_bounce_window(va, len))
		return -EINVAL;
	frames = kmalloc(rq->map_pages * sizeof(frames[0]));
	if (!frames)
		return -EINVAL;
	for (uint64_t i = 0; i < rq->map_pages; i++) {
		uint64_t pte = shm_daemon_page(pml4, va + i * PAGE_SIZE);

		/* A daemon cannot give a client more than it has itself. */
		if (!pte || (rq->map_writable && !(pte & PTE_WRITE))) {
			kfree(frames);
			return -EINVAL;
		}
		frames[i] = pte & PTE_ADDR_MASK;
	}
	/* Only once every page passed: nothing to undo on a bad answer. */
	for (uint64_t i = 0; i < rq->map_pages; i++)
		frame_ref(frames[i]);
	rq->shared = frames;
	rq->nshared = rq->map_pages;
	return 0;
	// LAB 6.1 STUB
	// (void)rq, (void)address;
	// lab_not_implemented(6, "shm_take_daemon_frames");
	// LAB 6.1 END
}

int64_t shm_map_into_client(struct request *rq, uint64_t va, unsigned vm_flags)
{
	// LAB 6.1 BEGIN: map each taken frame at va (VM_SHM); the mapping keeps our reference
	uint64_t pml4 = proc_current()->pml4;

	for (uint64_t i = 0; i < rq->nshared; i++) {
		int err = vm_map_range(pml4, va + i * PAGE_SIZE, rq->shared[i], PAGE_SIZE,
				       vm_flags | VM_SHM);

		if (err < 0) {
			/* The pages mapped so far give their references back
			 * with the unmap; the rest go in shm_release_frames. */
			vm_unmap_range(pml4, va, i * PAGE_SIZE, true);
			rq->shared_mapped = i;
			return err;
		}
	}
	rq->shared_mapped = rq->nshared; /* every reference now belongs to a mapping */
	return (int64_t)va;
	// LAB 6.1 STUB
	// (void)rq, (void)va, (void)vm_flags;
	// lab_not_implemented(6, "shm_map_into_client");
	// LAB 6.1 END
}

void shm_release_frames(struct request *rq)
{
	for (uint64_t i = rq->shared_mapped; i < rq->nshared; i++)
		frame_free(rq->shared[i]);
	kfree(rq->shared);
	rq->shared = NULL;
	rq->nshared = rq->shared_mapped = 0;
}
