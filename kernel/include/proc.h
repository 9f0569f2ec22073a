/*
 * proc.h - processes and the scheduler (proc/proc.c, proc/sched.c,
 * proc/fork.c, proc/exit.c, proc/program.c).
 *
 * A process has a pid, an address space, a kernel stack with a guard page,
 * a saved kernel context (for the switch), a trap frame (its user
 * registers, at the top of its kernel stack), a parent and an exit status.
 * One CPU; the kernel is not preempted: interrupts are off in the kernel
 * except while the scheduler waits for work, so kernel code runs until it
 * blocks or returns to user mode.
 */
#ifndef ANODE_PROC_H
#define ANODE_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/trapframe.h"
#include "file.h"
#include "memlayout.h"
#include "uaccess.h"

struct request;
#define NPROC 64
#define PROC_NAME_BYTES 32
#define KSTACK_PAGES 4

enum proc_state {
	PROC_UNUSED,
	PROC_EMBRYO,    /* being created */
	PROC_RUNNABLE,
	PROC_RUNNING,
	PROC_SLEEPING,  /* waiting on a channel or a deadline */
	PROC_ZOMBIE,    /* exited; waits for its parent to collect the status */
};

struct proc {
	int pid;
	enum proc_state state;
	char name[PROC_NAME_BYTES];
	uint64_t pml4;              /* address space (physical, for CR3) */
	int slot;                   /* index in the table = kernel stack slot */
	uint64_t kstack_top;
	uint64_t context_rsp;       /* saved kernel rsp while switched out */
	struct trap_frame *tf;      /* user registers, at the kernel stack top */
	struct proc *parent;
	int exit_status;            /* waitpid status word (abi.h) */
	bool killed;                /* kill() was called: exit at the next chance */
	const void *wait_channel;   /* what a sleeping process waits for */
	uint64_t wake_tick;         /* deadline of a timed sleep, 0 if none */
	uint64_t mmap_next;         /* where the next anonymous fmap goes */
	struct fd_table files;      /* lab 4: this process's file descriptors */
	uint64_t bounce_used[BOUNCE_SLOTS / 64]; /* lab 4: bounce window slots in use */
	struct request *request_cache; /* lab 4: this process's reusable request */
	bool may_hold_scheme_fd;    /* lab 4: registered a scheme, or its parent might have */
};

/* proc.c */
void proc_init(void);
struct proc *proc_alloc(const char *name);
void proc_free(struct proc *p);
struct proc *proc_current(void);
struct proc *proc_find(int pid);
int proc_count(void);
int proc_slots_in_use(void);
extern struct proc proc_table[NPROC];

/* sched.c */
void sched_init(void);
__attribute__((noreturn)) void sched_run(void);
/* The next RUNNABLE process, round robin, or NULL (sched_run; a self-test). */
struct proc *sched_pick_next(void);
void sched_yield(void);
void sched_yield_zombie(void);
void sched_make_runnable(struct proc *p);
/* A zombie now has no parent to collect it: the scheduler will free it. */
void sched_note_orphan(void);
/* Sleeps until wakeup(channel) or, if wake_tick != 0, that tick; false if killed. */
bool sched_sleep(const void *channel, uint64_t wake_tick);
void sched_wakeup(const void *channel);
/* Wakes p if it sleeps on channel: for a channel with one known sleeper. */
void sched_wakeup_proc(struct proc *p, const void *channel);
void sched_tick(void);
uint64_t sched_ticks(void);

/* fork.c, exit.c */
int proc_fork(struct trap_frame *tf);
__attribute__((noreturn)) void proc_exit(int status);
int proc_wait(int pid, int *status, int options);
/* Marks pid killed: 0, -ESRCH, or -EPERM for pid 1. */
int proc_kill(int pid);

/* program.c: user programs embedded in the kernel image (lab 3's run=). */
int proc_spawn_program(const char *name, const char *arg);
void program_print_list(void);
int program_lookup(const char *name, uint64_t len);
int program_image(int index, const uint8_t **data, uint64_t *size);
const char *program_name(int index);
void program_init_exited(int status);
/* Records the free frames and heap blocks the end-of-run leak check compares with. */
void program_begin_run(void);
/* Powers off (sys:power): pid 1 exits (the call does not return), or pid 1
 * is killed; QEMU exits with the status once every process is gone. */
void program_power_off(int status);

/* bootstrap.c: the first process from the initfs image (lab 5). */
int proc_spawn_bootstrap(void);
/* Checks the boot module's initfs header; prints one line; 0 or -ENOEXEC/-ENOENT. */
int initfs_image_check(void);
struct initfs_header;
/* Why the image's header is unusable, or NULL (*h: the header). */
const char *initfs_header_problem(const void *image, uint64_t size, struct initfs_header *h);

/* exec.c: lab 5's stage turns fexec on. */
void exec_init(void);
/* exec.c: replaces the calling process's program (lab 5's fexec). */
int proc_exec(int64_t fd, struct user_ptr args, uint64_t argc, struct user_ptr vars,
	      uint64_t varc);

/* switch.asm */
void context_switch(uint64_t *save_rsp, uint64_t load_rsp);
extern char trap_return[];

#endif
