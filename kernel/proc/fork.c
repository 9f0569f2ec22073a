/*
 * fork.c - clone(0): a copy of the calling process (lab 3, handout §6).
 * Eager copy: every user page is duplicated now (copy-on-write is a
 * challenge). The child returns from the same system call with 0.
 */
#include "errno.h"
#include "kstring.h"
#include "proc.h"
#include "vm.h"

int proc_fork(struct trap_frame *tf)
{
	struct proc *parent = proc_current(), *child = proc_alloc(parent->name);
	int err;

	if (!child)
		return -EAGAIN;
	child->pml4 = vm_create();
	if (!child->pml4) {
		proc_free(child);
		return -ENOMEM;
	}
	err = vm_copy_user(child->pml4, parent->pml4);
	if (err < 0) {
		proc_free(child);
		return err;
	}
	/* Only now: a failed copy above must not have touched any description. */
	fd_table_share(&child->files, &parent->files);
	child->may_hold_scheme_fd = parent->may_hold_scheme_fd;
	*child->tf = *tf;
	child->tf->rax = 0;
	child->parent = parent;
	child->mmap_next = parent->mmap_next;
	sched_make_runnable(child);
	return child->pid;
}
