/*
 * proc.c - the process table (lab 3, handout §4).
 *
 * A fixed table of NPROC entries; a process's index is also its kernel
 * stack slot (kernel_vm.c maps the stack with a guard page under it). A
 * new process's kernel stack is prepared so that the first context_switch
 * to it "returns" into trap_return (vectors.asm) with its trap frame on
 * the stack, which drops it into user mode:
 *
 *   kstack_top -> +------------------------+
 *                 | struct trap_frame      |  user registers (tf)
 *                 +------------------------+
 *                 | trap_return            |  where context_switch's ret goes
 *                 | rbp rbx r12-r15 = 0    |  popped by context_switch
 *   context_rsp ->+------------------------+
 */
#include "arch/x86_64/cpu.h"
#include "compiler.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "scheme.h"
#include "vm.h"

#define CONTEXT_SAVED_REGISTERS 6 /* rbp rbx r12 r13 r14 r15 (switch.asm) */

struct proc proc_table[NPROC];
static int next_pid = 1;
static int live_count;      /* processes not UNUSED */
static int slots_in_use;    /* 1 + the highest slot not UNUSED, 0 if none */

void proc_init(void)
{
	memset(proc_table, 0, sizeof(proc_table));
	for (int i = 0; i < NPROC; i++)
		proc_table[i].slot = i;
}

/* Returns a process in state EMBRYO with a kernel stack, or NULL if the table is full. */
struct proc *proc_alloc(const char *name)
{
	struct proc *p = NULL;
	uint64_t *sp;

	for (int i = 0; i < NPROC && !p; i++)
		if (proc_table[i].state == PROC_UNUSED)
			p = &proc_table[i];
	if (!p)
		return NULL;
	p->kstack_top = kernel_stack_map(p->slot);
	if (!p->kstack_top)
		return NULL;
	p->pid = next_pid++;
	p->state = PROC_EMBRYO;
	live_count++;
	if (p->slot >= slots_in_use)
		slots_in_use = p->slot + 1;
	strlcpy(p->name, name, sizeof(p->name));
	p->pml4 = 0;
	p->parent = NULL;
	p->exit_status = 0;
	p->killed = false;
	p->wait_channel = NULL;
	p->wake_tick = 0;
	p->mmap_next = USER_MMAP_BASE;
	memset(&p->files, 0, sizeof(p->files));
	memset(p->bounce_used, 0, sizeof(p->bounce_used));
	p->request_cache = NULL;
	p->may_hold_scheme_fd = false;
	p->tf = (struct trap_frame *)(p->kstack_top - sizeof(struct trap_frame));
	memset(p->tf, 0, sizeof(*p->tf));
	sp = (uint64_t *)p->tf;
	*--sp = (uint64_t)trap_return;
	for (int i = 0; i < CONTEXT_SAVED_REGISTERS; i++)
		*--sp = 0;
	p->context_rsp = (uint64_t)sp;
	return p;
}

/* Gives back everything a process owns. Never called on the running process. */
void proc_free(struct proc *p)
{
	/* Empty unless a half-built process had fds (exit closed the rest). */
	fd_table_close_all(&p->files);
	request_cache_release(p);
	if (p->pml4)
		vm_destroy(p->pml4);
	kernel_stack_unmap(p->slot);
	p->pml4 = 0;
	p->pid = 0;
	p->state = PROC_UNUSED;
	live_count--;
	while (slots_in_use > 0 && proc_table[slots_in_use - 1].state == PROC_UNUSED)
		slots_in_use--;
}

struct proc *proc_current(void)
{
	return this_cpu()->current;
}

struct proc *proc_find(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (proc_table[i].state != PROC_UNUSED && proc_table[i].pid == pid)
			return &proc_table[i];
	return NULL;
}

int proc_count(void)
{
	return live_count;
}

/* The scheduler scans slots [0, proc_slots_in_use()): nothing lives above. */
int proc_slots_in_use(void)
{
	return slots_in_use;
}
