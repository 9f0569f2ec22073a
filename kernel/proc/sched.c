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
#include "compiler.h"
#include "kprintf.h"
#include "proc.h"
#include "vm.h"

static uint64_t ticks;
LAB_HELPER static int last_slot = -1;
/* Set when a zombie loses its parent: the scheduler loop frees it. */
static bool orphans_waiting;

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

/*
 * Zombies whose parent is gone have nobody to collect them, and cannot
 * free their own kernel stack while running on it: the scheduler loop,
 * on its own stack, frees them. Only after exit said there are some, so a
 * plain switch does not scan the table.
 */
void sched_note_orphan(void)
{
	orphans_waiting = true;
}

static void sched_reap_orphans(void)
{
	if (!orphans_waiting)
		return;
	orphans_waiting = false;
	for (int i = 0; i < NPROC; i++)
		if (proc_table[i].state == PROC_ZOMBIE && !proc_table[i].parent)
			proc_free(&proc_table[i]);
}

/*
 * The next process to run: the first RUNNABLE one after the slot picked
 * last, wrapping around (round robin: every runnable process gets a turn
 * before any gets a second), or NULL when none is runnable. Only sched_run
 * and the `sched-pick` self-test call it.
 */
struct proc *sched_pick_next(void)
{
	// LAB 3.4 BEGIN: first RUNNABLE slot after last_slot (round robin), remember it; §5
	int slots = proc_slots_in_use();

	for (int i = 1; i <= slots; i++) {
		struct proc *p = &proc_table[(last_slot + i) % slots];

		if (p->state == PROC_RUNNABLE) {
			last_slot = p->slot;
			return p;
		}
	}
	return NULL;
	// LAB 3.4 STUB
	// lab_not_implemented(3, "sched_pick_next");
	// LAB 3.4 END
}

__attribute__((noreturn)) void sched_run(void)
{
	for (;;) {
		struct proc *next;

		sched_reap_orphans();
		if (proc_count() == 0)
			program_all_exited();
		next = sched_pick_next();
		if (next) {
			sched_switch_to(next);
			continue;
		}
		/* Nothing to run: wait for an interrupt (the timer wakes sleepers). */
		cpu_wait_for_interrupt();
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
	/* Nothing lives above the slots in use. */
	for (int i = 0; i < proc_slots_in_use(); i++) {
		struct proc *p = &proc_table[i];

		if (p->state == PROC_SLEEPING && channel && p->wait_channel == channel)
			p->state = PROC_RUNNABLE;
	}
}

void sched_wakeup_proc(struct proc *p, const void *channel)
{
	if (p->state == PROC_SLEEPING && channel && p->wait_channel == channel)
		p->state = PROC_RUNNABLE;
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
