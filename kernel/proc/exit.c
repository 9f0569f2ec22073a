/*
 * exit.c - how processes end: exit, waitpid, kill, and death by fault
 * (lab 3, handout §6).
 *
 * exit frees the address space at once but leaves the process as a zombie
 * holding its status and kernel stack, until the parent collects it with
 * waitpid (the parent runs on its own stack, so it can free this one).
 * Children of an exiting process are handed to pid 1; when pid 1 itself
 * exits, every other process is killed, and orphaned zombies are freed by
 * the scheduler.
 */
#include "abi.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/x86.h"
#include "errno.h"
#include "kprintf.h"
#include "proc.h"
#include "vm.h"

#define PF_WRITE (1 << 1)
#define PF_FETCH (1 << 4)

const char *trap_exception_name(uint64_t vector);

static void proc_reparent_children(struct proc *dying)
{
	struct proc *init = proc_find(1);

	if (init == dying || (init && init->state == PROC_ZOMBIE))
		init = NULL;
	for (int i = 0; i < NPROC; i++) {
		struct proc *q = &proc_table[i];

		if (q->state == PROC_UNUSED || q->parent != dying)
			continue;
		q->parent = init;
		if (!init)
			q->killed = true; /* pid 1 is gone: the run is over */
		if (q->state == PROC_SLEEPING && !init)
			q->state = PROC_RUNNABLE;
	}
	if (init)
		sched_wakeup(init);
}

__attribute__((noreturn)) void proc_exit(int status)
{
	struct proc *p = proc_current();

	// LAB 3 BEGIN: hand children to pid 1, free the address space (off CR3 first), become a zombie, wake the parent, switch away; see handout §6
	proc_reparent_children(p);
	write_cr3(kernel_pml4());
	vm_destroy(p->pml4);
	p->pml4 = 0;
	p->exit_status = status;
	p->state = PROC_ZOMBIE;
	if (p->pid == 1)
		program_init_exited(status);
	if (p->parent)
		sched_wakeup(p->parent);
	sched_yield_zombie();
	// LAB 3 STUB
	// (void)proc_reparent_children, (void)p, (void)status;
	// lab_not_implemented(3, "proc_exit");
	// LAB 3 END
	panic("proc_exit: a zombie was scheduled");
}

int proc_wait(int pid, int *status, int options)
{
	struct proc *self = proc_current();

	// LAB 3 BEGIN: find a zombie child (pid <= 0: any), free it and return its pid and status; -ECHILD if none, 0 with WNOHANG, else sleep; see handout §6
	for (;;) {
		bool have_children = false;

		for (int i = 0; i < NPROC; i++) {
			struct proc *q = &proc_table[i];

			if (q->state == PROC_UNUSED || q->parent != self || (pid > 0 && q->pid != pid))
				continue;
			have_children = true;
			if (q->state == PROC_ZOMBIE) {
				int child = q->pid;

				*status = q->exit_status;
				proc_free(q);
				return child;
			}
		}
		if (!have_children)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (!sched_sleep(self, 0))
			return -EINTR;
	}
	// LAB 3 STUB
	// (void)self, (void)pid, (void)status, (void)options;
	// lab_not_implemented(3, "proc_wait");
	// LAB 3 END
}

int proc_kill(int pid)
{
	struct proc *p = proc_find(pid);

	if (!p || p->state == PROC_ZOMBIE || p->state == PROC_EMBRYO)
		return -ESRCH;
	p->killed = true;
	if (p->state == PROC_SLEEPING)
		p->state = PROC_RUNNABLE;
	return 0;
}

__attribute__((noreturn)) void proc_fault(struct trap_frame *tf)
{
	struct proc *p = proc_current();

	kprintf("proc %d (%s): killed by %s at rip 0x%lx", p->pid, p->name,
		trap_exception_name(tf->vector), tf->rip);
	if (tf->vector == VEC_PAGE_FAULT)
		kprintf(", %s 0x%lx", tf->error_code & PF_FETCH ? "fetch from" :
				      tf->error_code & PF_WRITE ? "write to" : "read from", read_cr2());
	kprintf("\n");
	proc_exit(WAIT_KILLED(SIGSEGV));
}
