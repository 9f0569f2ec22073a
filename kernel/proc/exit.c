/*
 * exit.c - how processes end: exit, waitpid, kill, and death by fault
 * (lab 3, handout §6).
 *
 * (A fault in user mode is reported by the trap code, arch/x86_64/trap.c,
 * which then calls proc_exit with the status of the signal that killed it.)
 *
 * exit frees the address space at once but leaves the process as a zombie
 * holding its status and kernel stack, until the parent collects it with
 * waitpid (the parent runs on its own stack, so it can free this one).
 * Children of an exiting process are handed to pid 1; when pid 1 itself
 * exits, every other process is killed, and orphaned zombies are freed by
 * the scheduler.
 */
#include "abi.h"
#include "arch/x86_64/x86.h"
#include "compiler.h"
#include "console_input.h"
#include "errno.h"
#include "kprintf.h"
#include "proc.h"
#include "vm.h"

LAB_HELPER static void proc_reparent_children(struct proc *dying)
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
		if (!init && q->state == PROC_ZOMBIE)
			sched_note_orphan();
		if (q->state == PROC_SLEEPING && !init)
			q->state = PROC_RUNNABLE;
	}
	if (init)
		sched_wakeup(init);
}

__attribute__((noreturn)) void proc_exit(int status)
{
	/* Lab 4: every fd is closed while the address space still exists (a
	 * daemon's bounce pages are unmapped from it); closing never waits. */
	fd_table_close_all(&proc_current()->files);
	console_input_forget(proc_current()->pid); /* lab 6: no longer Ctrl-C's target */
	// LAB 3.5 BEGIN: reparent children, free memory (off CR3), zombie, wake parent; handout §6
	struct proc *p = proc_current();

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
	else
		sched_note_orphan();
	sched_yield_zombie();
	// LAB 3.5 STUB
	// lab_not_implemented(3, "proc_exit");
	// LAB 3.5 END
	panic("proc_exit: a zombie was scheduled");
}

int proc_wait(int pid, int *status, int options)
{
	// LAB 3.5 BEGIN: reap a zombie child (pid <= 0: any); -ECHILD, WNOHANG, or sleep; §6
	struct proc *self = proc_current();

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
	// LAB 3.5 STUB
	// lab_not_implemented(3, "proc_wait");
	// LAB 3.5 END
}

int proc_kill(int pid)
{
	struct proc *p = proc_find(pid);

	/* pid 1 ends the run (or, from lab 5, the system): nobody may kill it. */
	if (pid == 1)
		return -EPERM;
	if (!p || p->state == PROC_ZOMBIE || p->state == PROC_EMBRYO)
		return -ESRCH;
	p->killed = true;
	if (p->state == PROC_SLEEPING)
		p->state = PROC_RUNNABLE;
	return 0;
}
