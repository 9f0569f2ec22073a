/*
 * fuzz - a seeded system-call fuzzer, in the spirit of Linux's Trinity.
 * `make fuzz` (grader/fuzz.py) boots it as `run=fuzz arg=SEED/CALLS[/OPTS]`;
 * CALLS defaults to 10000, OPTS is a comma list: `nt` and `df` set
 * RFLAGS.NT or DF (popfq) before one call in four (and DF while a worker
 * spins), `trace` prints every call before it is made.
 *
 * pid 1 is the harness and makes no fuzzed call. It forks workers in
 * rounds of one or two, each with a sub-seed drawn from SEED, reaps
 * everything with waitpid, and ends with a summary. A worker makes up to
 * 250 calls, chosen by its sub-seed alone (so a worker can be replayed):
 * every number in syscall.def, with arguments biased toward trouble (bad,
 * read-only and page-edge pointers, huge lengths, odd fds and pids), class
 * bits on real, in-table and out-of-table bases, and wild 64-bit numbers.
 * Then it ends as its plan says: exit, exit from a forked child, a fault
 * (null write, ud2), or spinning until the harness kills it.
 *
 * The program, from the top (this header is what the files share):
 *   main.c    the options and the harness (pid 1): rounds, the watchdog,
 *             replays of blocked workers, the summary
 *   worker.c  a worker's life: choose a call, keep it within the rules,
 *             make it, check the invariants, end as planned
 *   args.c    the pages every worker has, and argument values by kind
 *   calls.c   the call table from syscall.def, call numbers real and wild,
 *             and the raw `syscall` with every register accounted for
 * Below them: the user library (user/lib/anode.h) and the kernel's
 * kernel/include/syscall.def and abi.h.
 *
 * Counting, between worker and harness: a process's exit status is its
 * number of calls (255: an invariant failed); a worker about to end
 * otherwise first forks a child that exits with the count. "N calls" in
 * the summary adds those up, so it leaves out calls of processes that were
 * killed.
 *
 * Output, stable (grader/fuzz.py reads it):
 *   fuzz: INVARIANT: worker W (seed 0xS) call K: name(args) = R: what failed
 *   fuzz: worker W blocked (seed 0xS): ...    fuzz: worker W call K: name(args)
 *   fuzz: progress: N calls, W workers        (every 1000 calls: the heartbeat)
 *   fuzz: seed S, N calls, W workers, B blocked, F invariant failures   (last)
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "anode.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE 4096UL
#define PAGE_ALIGN_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

/* The user address space, as kernel/include/memlayout.h draws it. */
#define IMAGE_START 0x400000UL            /* user/lib/user.ld */
#define IMAGE_WINDOW (16UL << 20)         /* generous: the program is far smaller */
#define STACK_TOP 0x00007ffffff00000UL
#define STACK_BYTES (64UL << 10)
#define TOP_USER_PAGE 0x00007ffffffff000UL /* never mappable */
#define NONCANONICAL 0x0000800000000000UL

#define WORKER_MAX_CALLS 250      /* a count must fit in an exit status... */
#define STATUS_INVARIANT_FAILED 255 /* ...and this one means failure */
#define WATCHDOG_MS 400           /* a worker alive longer is blocked */
#define KILL_AFTER_MAX_MS 60      /* END_KILLED workers die within this */
#define RFLAGS_DF 0x400UL
#define RFLAGS_NT 0x4000UL

/* ---- random numbers: xorshift64*, like kernel/lib/random.c ---------------- */

/*
 * Every choice a worker makes comes from its own state, seeded from its
 * sub-seed, so replaying a seed replays the same calls.
 */
static inline uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15UL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dUL;
}

static inline uint64_t random_below(uint64_t *state, uint64_t n)
{
	return next_random(state) % n;
}

static inline bool one_in(uint64_t *state, uint64_t n)
{
	return random_below(state, n) == 0;
}

#define PICK(state, table) ((table)[random_below((state), ARRAY_SIZE(table))])

/* ---- the options (main.c parses them) -------------------------------------- */

extern uint64_t fuzz_rflags;   /* RFLAGS bits to set before one call in four: NT, DF */
extern bool trace_every_call; /* `trace`: every worker prints each call first */

/* ---- the system calls (calls.c) --------------------------------------------- */

struct syscall_info {
	const char *name;
	uint64_t number;
	int nargs;
};

#define SYSCALL(name, number, nargs) CALL_##name,
enum call_id {
#include "syscall.def"
	CALL_COUNT
};
#undef SYSCALL

extern const struct syscall_info syscalls[CALL_COUNT];

/*
 * One `syscall` as fuzz_raw_syscall (calls.c) makes it: what goes into
 * every register, and what every register holds afterwards. The assembly
 * uses the byte offsets, so calls.c checks them with _Static_assert.
 */
struct raw_call {
	uint64_t number;
	uint64_t arg[6];        /* rdi rsi rdx r10 r8 r9 */
	uint64_t keep[6];       /* rbx rbp r12 r13 r14 r15 */
	uint64_t rflags_set;
	uint64_t result;        /* rax */
	uint64_t arg_after[6];
	uint64_t keep_after[6];
};

/* A call being made: the registers, and what the checks need to know of it. */
struct fuzz_call {
	struct raw_call raw;
	int call;           /* index in syscalls[], or -1 for an unknown number */
	struct fmap_request request; /* what an 'r' argument points to, if ours */
	uint64_t request_at;
	uint64_t path_len;  /* what a 'P' argument points to holds this many bytes */
};

void fuzz_raw_syscall(struct raw_call *c);
void choose_number(uint64_t *r, struct fuzz_call *c);
void check_registers(const struct raw_call *c, char *why, size_t size);
int describe_call(const struct fuzz_call *c, char *buf, size_t size);

/* ---- the pages every worker has (args.c; mapped by the harness, copied by fork) */

#define SCRATCH_BYTES (2 * PAGE)

struct own_pages {
	uint64_t scratch;  /* read-write, followed by an unmapped page */
	uint64_t quiet;    /* read-only dots: what fuzzed writes to fds 1 and 2 print */
	uint64_t canary;   /* read-only seeded pattern that must never change */
	uint64_t victim;   /* 4 read-write pages for mprotect and funmap to play with */
	uint64_t mmap_end; /* end of the pages above that belong to the fuzzer */
};

extern struct own_pages own_pages;

void map_own_pages(uint64_t seed);
bool canary_intact(void);

/* ---- a worker: one process making fuzzed calls (worker.c) ------------------- */

enum ending { END_EXIT, END_EXIT_FROM_CHILD, END_NULL_WRITE, END_UD2, END_KILLED, END_COUNT };

/* Everything about a worker that follows from its sub-seed before it starts. */
struct worker_plan {
	uint64_t seed;
	int calls;          /* 1..WORKER_MAX_CALLS */
	enum ending ending;
	int kill_after_ms;  /* END_KILLED: when the harness kills it */
};

struct worker {
	char tag[24];       /* "W", or "W.1.2" for a child's child */
	struct worker_plan plan;
	uint64_t rng;
	int pid;
	int depth;          /* 0 for the worker, 1 for its children, ... */
	int calls, budget;
	int clones_left, children;
	bool trace;         /* print each call before making it */
	bool tainted;       /* changed its own pages: stop after this call */
	bool child_failed;  /* collected a child that reported a failure */
	uint64_t recent_map; /* the last address fmap returned */
	uint64_t path_len;  /* the last 'P' path's length, for the 'l' after it */
	bool path_len_pending;
};

struct worker_plan plan_worker(uint64_t seed);
__attribute__((noreturn)) void start_worker_process(const struct worker_plan *plan, int index,
						    bool trace);

/* ---- argument values (args.c) ------------------------------------------------ */

bool shapes_match_syscall_def(void);
void choose_arguments(struct worker *w, struct fuzz_call *c);
int pid_near(struct worker *w);

#endif
