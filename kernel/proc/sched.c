/*
 * sched.c - round-robin scheduling, sleeping and waking (lab 3, handout §5).
 *
 * xv6's design: the CPU runs a scheduler loop on the boot stack; it picks
 * the next runnable process after the last one it ran and switches to it;
 * the process switches back when it yields (the timer tick, while in user
 * mode), sleeps or exits. When nothing is runnable the loop halts with
 * interrupts on until the next interrupt. Sleeping waits on a "channel"
 * (any address standing for an event: a parent waits on its own struct
 * proc for children) and/or a tick deadline.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/x86.h"
#include "kprintf.h"
#include "proc.h"
#include "vm.h"

static uint64_t ticks;
static int last_slot = -1;

/* Called with every process gone (program.c: the leak check and exit). */
void program_all_exited(void);

static void sched_switch_to(struct proc *p)
{
	struct cpu *cpu = this_cpu();

	cpu->current = p;
	p->state = PROC_RUNNING;
	write_cr3(p->pml4);
	gdt_set_kernel_stack(p->kstack_top);
	cpu->kernel_rsp = p->kstack_top;
	context_switch(&cpu->scheduler_rsp, p->context_rsp);
	cpu->current = NULL;
}

/* Zombies whose parent is gone have nobody to collect them: free them here. */
static void sched_reap_orphans(void)
{
	for (int i = 0; i < NPROC; i++)
		if (proc_table[i].state == PROC_ZOMBIE && !proc_table[i].parent)
			proc_free(&proc_table[i]);
}

__attribute__((noreturn)) void sched_run(void)
{
	for (;;) {
		struct proc *next = NULL;

		sched_reap_orphans();
		if (proc_count() == 0)
			program_all_exited();
		// LAB 3 BEGIN: pick the first RUNNABLE process after last_slot (round robin) and switch to it; see handout §5
		for (int i = 1; i <= NPROC && !next; i++) {
			struct proc *p = &proc_table[(last_slot + i) % NPROC];

			if (p->state == PROC_RUNNABLE)
				next = p;
		}
		if (next) {
			last_slot = next->slot;
			sched_switch_to(next);
			continue;
		}
		// LAB 3 STUB
		// (void)sched_switch_to, (void)last_slot, (void)next;
		// lab_not_implemented(3, "sched_run");
		// LAB 3 END
		/* Nothing to run: wait for an interrupt (the timer wakes sleepers). */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

/* Switches from the running process back to the scheduler loop. */
static void sched_enter_scheduler(void)
{
	struct proc *p = proc_current();

	context_switch(&p->context_rsp, this_cpu()->scheduler_rsp);
}

/* The last switch of an exiting process: it never runs again. */
void sched_yield_zombie(void)
{
	sched_enter_scheduler();
}

void sched_make_runnable(struct proc *p)
{
	p->state = PROC_RUNNABLE;
}

void sched_yield(void)
{
	proc_current()->state = PROC_RUNNABLE;
	sched_enter_scheduler();
}

bool sched_sleep(const void *channel, uint64_t wake_tick)
{
	struct proc *p = proc_current();

	if (p->killed)
		return false;
	p->wait_channel = channel;
	p->wake_tick = wake_tick;
	p->state = PROC_SLEEPING;
	sched_enter_scheduler();
	p->wait_channel = NULL;
	p->wake_tick = 0;
	return !p->killed;
}

void sched_wakeup(const void *channel)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &proc_table[i];

		if (p->state == PROC_SLEEPING && channel && p->wait_channel == channel)
			p->state = PROC_RUNNABLE;
	}
}

void sched_tick(void)
{
	ticks++;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &proc_table[i];

		if (p->state == PROC_SLEEPING && p->wake_tick && ticks >= p->wake_tick)
			p->state = PROC_RUNNABLE;
	}
}

uint64_t sched_ticks(void)
{
	return ticks;
}
