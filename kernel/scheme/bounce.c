/*
 * bounce.c - lending a request's frames to the daemon that serves it
 * (lab 4, handout §5).
 *
 * Each process has BOUNCE_SLOTS slots of BOUNCE_SLOT_BYTES in its bounce
 * window (memlayout.h). Mapping takes a reference to each frame for the
 * mapping (the request keeps its own), and marks the entries
 * PTE_BORROWED, so fork leaves them out. The daemon may unmap them or die
 * first: unmapping looks at what is there and removes only our frames, and
 * a process that exited has destroyed its mappings already.
 */
#include "errno.h"
#include "frame.h"
#include "proc.h"
#include "scheme/uscheme.h"
#include "vm.h"

int bounce_map(struct request *rq, struct proc *daemon)
{
	int slot = -1;
	uint64_t va;

	for (int i = 0; i < BOUNCE_SLOTS && slot < 0; i++)
		if (!(daemon->bounce_used[i / 64] & (1UL << (i % 64))))
			slot = i;
	if (slot < 0)
		return -ENOMEM;
	va = USER_BOUNCE_BASE + (uint64_t)slot * BOUNCE_SLOT_BYTES;
	for (int i = 0; i < rq->nframes; i++) {
		uint64_t *pte;

		frame_ref(rq->frames[i]);
		if (vm_map_range(daemon->pml4, va + (uint64_t)i * PAGE_SIZE, rq->frames[i], PAGE_SIZE,
				 VM_USER | VM_WRITE) < 0) {
			frame_free(rq->frames[i]);
			vm_unmap_range(daemon->pml4, va, (uint64_t)i * PAGE_SIZE, true);
			return -ENOMEM;
		}
		pte = pt_walk(daemon->pml4, va + (uint64_t)i * PAGE_SIZE, false);
		*pte |= PTE_BORROWED;
	}
	daemon->bounce_used[slot / 64] |= 1UL << (slot % 64);
	rq->slot = slot;
	rq->daemon = daemon;
	rq->daemon_pid = daemon->pid;
	rq->daemon_pml4 = daemon->pml4;
	return 0;
}

void bounce_unmap(struct request *rq)
{
	struct proc *d = rq->daemon;
	uint64_t va = USER_BOUNCE_BASE + (uint64_t)rq->slot * BOUNCE_SLOT_BYTES;

	if (!d)
		return;
	rq->daemon = NULL;
	/* Gone (exited: pml4 0), or the slot now holds another process. */
	if (d->pid != rq->daemon_pid || d->pml4 != rq->daemon_pml4 || !d->pml4)
		return;
	for (int i = 0; i < rq->nframes; i++) {
		uint64_t *pte = pt_walk(d->pml4, va + (uint64_t)i * PAGE_SIZE, false);

		if (pte && (*pte & PTE_PRESENT) && (*pte & PTE_ADDR_MASK) == rq->frames[i])
			vm_unmap_range(d->pml4, va + (uint64_t)i * PAGE_SIZE, PAGE_SIZE, true);
	}
	d->bounce_used[rq->slot / 64] &= ~(1UL << (rq->slot % 64));
}
