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
 * Exclusions: kill never targets pid <= 1; exit carries the call count;
 * clone forks at most twice per process and two levels deep; writes to
 * fds 1 and 2 print only dots from the quiet page. An mprotect or funmap
 * touching the worker's own pages (image, stack, scratch, canary) is made,
 * but the worker exits right after it: its memory can no longer be trusted.
 *
 * Counting: a process's exit status is its number of calls (255: an
 * invariant failed); a worker about to end otherwise first forks a child
 * that exits with the count. "N calls" in the summary adds those up, so
 * it leaves out calls of processes that were killed.
 *
 * The watchdog: a worker alive after WATCHDOG_MS is killed and counted as
 * blocked (a process stuck in waitpid or a long nanosleep is no kernel
 * hang; a kernel hang stops the heartbeat, and grader/fuzz.py says so).
 * The first blocked workers are replayed with tracing: the replay prints
 * `fuzz: worker W call K: name(args)` before each call, so its last such
 * line is the call that blocked.
 *
 * Invariants, checked after every call: an unknown number gives -ENOSYS;
 * every register but rax, rcx and r11 survives `syscall` (fuzz_raw_syscall
 * loads seeded values); the read-only canary page, often passed as an
 * output buffer, never changes; debug_args returns its checksum, getpid
 * the pid; fmap never maps the top user page; mprotect and funmap refuse
 * ranges leaving user space. The harness checks that killed processes die
 * and that it can always fork once the others are gone. A failure prints
 * an INVARIANT line and ends the run (exit status 1).
 *
 * Output, stable (grader/fuzz.py reads it):
 *   fuzz: INVARIANT: worker W (seed 0xS) call K: name(args) = R: what failed
 *   fuzz: worker W blocked (seed 0xS): ...    fuzz: worker W call K: name(args)
 *   fuzz: progress: N calls, W workers        (every 1000 calls: the heartbeat)
 *   fuzz: seed S, N calls, W workers, B blocked, F invariant failures   (last)
 */
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

#define DEFAULT_CALLS 10000
#define WORKER_MAX_CALLS 250      /* a count must fit in an exit status... */
#define STATUS_INVARIANT_FAILED 255 /* ...and this one means failure */
#define CHILD_MAX_CALLS 32        /* for the children of a fuzzed clone */
#define MAX_CLONES_PER_PROCESS 2
#define MAX_CLONE_DEPTH 2
#define PIDS_PER_WORKER 8         /* itself, its reporter, 2 children, 4 grandchildren */
#define WATCHDOG_MS 400           /* a worker alive longer is blocked */
#define KILL_AFTER_MAX_MS 60      /* END_KILLED workers die within this */
#define ORPHAN_GRACE_MS 8         /* after a round, for orphans to end by themselves */
#define TRACE_REPLAYS_MAX 2       /* blocked workers replayed with tracing, per run */
#define PLANNED_CALLS_MAX 20      /* x CALLS: stop even if few calls get reported */
#define PROGRESS_EVERY 1000       /* calls between heartbeats */
#define EXIT_RARITY 8             /* exit is picked 8 times less often than others */
#define LONG_SLEEP_RARITY 256     /* one timespec in 256 asks for a second or more */
#define ALL_MEMORY_RARITY 64      /* one fmap request in 64 asks for 4 GiB */
#define RFLAGS_DF 0x400UL
#define RFLAGS_NT 0x4000UL

/* ---- random numbers: xorshift64*, like kernel/lib/random.c ---------------- */

static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15UL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dUL;
}

static uint64_t random_below(uint64_t *state, uint64_t n)
{
	return next_random(state) % n;
}

static bool one_in(uint64_t *state, uint64_t n)
{
	return random_below(state, n) == 0;
}

#define PICK(state, table) ((table)[random_below((state), ARRAY_SIZE(table))])

/* The options (main parses them). */
static uint64_t fuzz_rflags;   /* RFLAGS bits to set before one call in four: NT, DF */
static bool trace_every_call; /* `trace`: every worker prints each call first */

/* ---- the system calls, from syscall.def ------------------------------------- */

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

#define SYSCALL(name, number, nargs) { #name, (number), (nargs) },
static const struct syscall_info syscalls[CALL_COUNT] = {
#include "syscall.def"
};
#undef SYSCALL

/*
 * What each argument is, one letter per argument: i int, f fd, F fd for
 * fmap (mostly the anonymous one), p pointer the kernel reads, w pointer
 * it writes, l length, z size of the struct before it, a page address,
 * m map flags, c clock, n pid (waitpid), k pid (kill), s signal, o waitpid
 * options, t timespec pointer, r fmap request pointer, e exit code, x
 * clone flags. One letter per argument of syscall.def (main checks); a
 * call missing here gets random kinds.
 */
static const char *const shapes[CALL_COUNT] = {
	[CALL_open] = "pli",      [CALL_unlink] = "pl",    [CALL_close] = "f",
	[CALL_read] = "fwl",      [CALL_write] = "fpl",    [CALL_lseek] = "fii",
	[CALL_dup] = "fpl",       [CALL_dup2] = "ffpl",    [CALL_fstat] = "fwl",
	[CALL_fpath] = "fwl",     [CALL_fmap] = "Frz",     [CALL_funmap] = "al",
	[CALL_ftruncate] = "fl",  [CALL_fsync] = "f",      [CALL_fexec] = "fplpl",
	[CALL_exit] = "e",        [CALL_waitpid] = "nwo",  [CALL_getpid] = "",
	[CALL_kill] = "ks",       [CALL_clone] = "x",      [CALL_mprotect] = "alm",
	[CALL_yield] = "",        [CALL_nanosleep] = "tw", [CALL_clock_gettime] = "cw",
	[CALL_pipe2] = "wi",      [CALL_debug_args] = "iiiiii",
};

/* The call with exactly this number, or -1: any other number must give -ENOSYS. */
static int call_of_number(uint64_t number)
{
	for (int i = 0; i < CALL_COUNT; i++)
		if (syscalls[i].number == number)
			return i;
	return -1;
}

/* ---- one raw system call, every register accounted for --------------------- */

/*
 * fuzz_raw_syscall(c) loads rax and the six argument registers, plus
 * seeded values in rbx, rbp, r12-r15, ORs rflags_set into RFLAGS, runs
 * `syscall`, clears NT and DF again and stores every register back. The
 * offsets below are checked against the struct by _Static_assert.
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

_Static_assert(__builtin_offsetof(struct raw_call, keep) == 56, "raw_call layout");
_Static_assert(__builtin_offsetof(struct raw_call, rflags_set) == 104, "raw_call layout");
_Static_assert(__builtin_offsetof(struct raw_call, arg_after) == 120, "raw_call layout");
_Static_assert(__builtin_offsetof(struct raw_call, keep_after) == 168, "raw_call layout");

void fuzz_raw_syscall(struct raw_call *c);
__asm__(".text\n"
	".globl fuzz_raw_syscall\n"
	".type fuzz_raw_syscall, @function\n"
	"fuzz_raw_syscall:\n"
	"	pushq %rbx\n	pushq %rbp\n	pushq %r12\n"
	"	pushq %r13\n	pushq %r14\n	pushq %r15\n"
	"	pushq %rdi\n"                 /* the struct, for afterwards */
	"	movq 56(%rdi), %rbx\n	movq 64(%rdi), %rbp\n"
	"	movq 72(%rdi), %r12\n	movq 80(%rdi), %r13\n"
	"	movq 88(%rdi), %r14\n	movq 96(%rdi), %r15\n"
	"	movq 104(%rdi), %rax\n"
	"	pushfq\n	orq %rax, (%rsp)\n	popfq\n"
	"	movq 0(%rdi), %rax\n"
	"	movq 16(%rdi), %rsi\n	movq 24(%rdi), %rdx\n"
	"	movq 32(%rdi), %r10\n	movq 40(%rdi), %r8\n"
	"	movq 48(%rdi), %r9\n	movq 8(%rdi), %rdi\n"
	"	syscall\n"
	"	pushfq\n	andq $-0x4401, (%rsp)\n	popfq\n" /* NT and DF off */
	"	xchgq %rdi, (%rsp)\n"         /* rdi = the struct; the stack holds rdi */
	"	movq %rax, 112(%rdi)\n"
	"	movq %rsi, 128(%rdi)\n	movq %rdx, 136(%rdi)\n"
	"	movq %r10, 144(%rdi)\n	movq %r8, 152(%rdi)\n"
	"	movq %r9, 160(%rdi)\n"
	"	movq %rbx, 168(%rdi)\n	movq %rbp, 176(%rdi)\n"
	"	movq %r12, 184(%rdi)\n	movq %r13, 192(%rdi)\n"
	"	movq %r14, 200(%rdi)\n	movq %r15, 208(%rdi)\n"
	"	popq %rax\n	movq %rax, 120(%rdi)\n"
	"	popq %r15\n	popq %r14\n	popq %r13\n"
	"	popq %r12\n	popq %rbp\n	popq %rbx\n"
	"	ret\n"
	".size fuzz_raw_syscall, . - fuzz_raw_syscall\n");

static const char *const arg_registers[6] = { "rdi", "rsi", "rdx", "r10", "r8", "r9" };
static const char *const kept_registers[6] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };

/* ---- the pages every worker has (mapped by the harness, copied by fork) ---- */

#define SCRATCH_BYTES (2 * PAGE)

static struct {
	uint64_t scratch;  /* read-write, followed by an unmapped page */
	uint64_t quiet;    /* read-only dots: what fuzzed writes to fds 1 and 2 print */
	uint64_t canary;   /* read-only seeded pattern that must never change */
	uint64_t victim;   /* 4 read-write pages for mprotect and funmap to play with */
	uint64_t mmap_end; /* end of the pages above that belong to the fuzzer */
} pages;

static uint64_t canary_copy[PAGE / 8];

static uint64_t map_page(uint64_t bytes)
{
	void *p = fmap_anonymous(bytes, PROT_READ | PROT_WRITE);

	if (!p) {
		printf("fuzz: cannot map %lu bytes (errno %d)\n", bytes, errno);
		exit(2);
	}
	return (uint64_t)p;
}

static void map_own_pages(uint64_t seed)
{
	uint64_t r = seed ^ 0xca9a7c0ffee;

	pages.scratch = map_page(SCRATCH_BYTES);
	pages.quiet = map_page(PAGE);
	memset((void *)pages.quiet, '.', PAGE);
	for (uint64_t i = 63; i < PAGE; i += 64)
		((char *)pages.quiet)[i] = '\n';
	pages.canary = map_page(PAGE);
	for (uint64_t i = 0; i < PAGE / 8; i++)
		canary_copy[i] = ((uint64_t *)pages.canary)[i] = next_random(&r);
	pages.victim = map_page(4 * PAGE);
	pages.mmap_end = pages.victim;
	mprotect((void *)pages.quiet, PAGE, PROT_READ);
	mprotect((void *)pages.canary, PAGE, PROT_READ);
}

static bool canary_intact(void)
{
	return memcmp((const void *)pages.canary, canary_copy, PAGE) == 0;
}

/* ---- a worker: one process making fuzzed calls ------------------------------- */

enum ending { END_EXIT, END_EXIT_FROM_CHILD, END_NULL_WRITE, END_UD2, END_KILLED, END_COUNT };

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
};

struct fuzz_call {
	struct raw_call raw;
	int call;           /* index in syscalls[], or -1 for an unknown number */
	struct fmap_request request; /* what an 'r' argument points to, if ours */
	uint64_t request_at;
};

static struct worker_plan plan_worker(uint64_t seed)
{
	uint64_t r = seed;
	struct worker_plan plan = { .seed = seed };

	plan.calls = 1 + (int)random_below(&r, WORKER_MAX_CALLS);
	plan.ending = (enum ending)random_below(&r, END_COUNT);
	plan.kill_after_ms = (int)random_below(&r, KILL_AFTER_MAX_MS);
	return plan;
}

/* ---- interesting argument values ------------------------------------------- */

static const uint64_t interesting_ints[] = {
	0, 1, 2, 3, 4, -1UL, -2UL, 64, 255, 256, 4096, 0x7fffffff, 0x80000000, 0xffffffff,
	1UL << 32, (1UL << 32) | 1, 1UL << 63, 0x7fffffffffffffff,
};

static const uint64_t interesting_lengths[] = {
	0, 1, 8, 16, 32, 4095, 4096, 4097, 8192, 1UL << 20, 1UL << 32, (1UL << 32) + 1,
	1UL << 63, -4096UL, -1UL, 0x7fffffffffffUL, NONCANONICAL,
};

static const uint64_t bad_addresses[] = {
	0, 1, 8, 0xfff, 0x1000,                        /* null page, unmapped bottom of user space */
	0xffff800000000000UL, 0xffffffff80000000UL,    /* direct map, kernel image */
	0xffffffff80100000UL, 0xfffffe8000000000UL,    /* kernel text, kernel stacks */
	0xfffffffffffff000UL, 0xfffffffffffffff0UL, -1UL,
	NONCANONICAL, 0x8000000000000000UL, 0x0000fffffffff000UL,
	TOP_USER_PAGE, TOP_USER_PAGE + 0xff8, 0x0000700000000000UL,
	STACK_TOP - STACK_BYTES - PAGE, STACK_TOP,     /* stack guard page, above the stack */
};

static const uint64_t interesting_fds[] = { 0, 1, 2, 3, -1UL, 64, 0xffffffff, (1UL << 32) | 1 };

static uint64_t pick_int(uint64_t *r)
{
	switch (random_below(r, 4)) {
	case 0: return next_random(r);
	case 1: return random_below(r, 256);
	default: return PICK(r, interesting_ints);
	}
}

static uint64_t scratch_address(uint64_t *r)
{
	return pages.scratch + 8 * random_below(r, SCRATCH_BYTES / 8 - 4);
}

/* A pointer the kernel reads or writes: valid, read-only, bad, or at a page edge. */
static uint64_t pick_pointer(struct worker *w)
{
	uint64_t *r = &w->rng;
	static const uint64_t edge_offsets[] = { 1, 4, 8, 15, 16, 32 };

	switch (random_below(r, 10)) {
	case 0: case 1: return PICK(r, bad_addresses);
	case 2: return pages.scratch + SCRATCH_BYTES - PICK(r, edge_offsets);
	case 3: return (uint64_t)fuzz_raw_syscall + random_below(r, 64); /* text */
	case 4: return (uint64_t)interesting_ints;                      /* rodata */
	case 5: return pages.canary + 8 * random_below(r, PAGE / 8);
	case 6: return next_random(r);
	default: return scratch_address(r);
	}
}

static uint64_t pick_length(struct worker *w, uint64_t before)
{
	uint64_t *r = &w->rng;
	uint64_t scratch_end = pages.scratch + SCRATCH_BYTES;

	/* Up to (or one past) the end of the scratch pages: the page-boundary case. */
	if (before >= pages.scratch && before < scratch_end && one_in(r, 4))
		return scratch_end - before + random_below(r, 2);
	/* From a page to the end of user space: a huge but valid range. */
	if (before % PAGE == 0 && before < TOP_USER_PAGE && before && one_in(r, 16))
		return (one_in(r, 2) ? TOP_USER_PAGE : NONCANONICAL) - before;
	if (one_in(r, 4))
		return random_below(r, 64);
	return PICK(r, interesting_lengths);
}

/* A page address for funmap, mprotect and fmap hints; rarely one of our own. */
static uint64_t pick_page(struct worker *w)
{
	uint64_t *r = &w->rng;

	switch (random_below(r, 32)) {
	case 0: case 1: case 2: case 3: return PICK(r, bad_addresses) & ~(PAGE - 1);
	case 4: case 5: return pages.victim + 1 + random_below(r, PAGE - 1);
	case 6: case 7: case 8: case 9: return w->recent_map ? w->recent_map : pages.victim;
	case 10: case 11: return TOP_USER_PAGE - PAGE * random_below(r, 2);
	case 12: case 13: return 0x0000700000000000UL + PAGE * random_below(r, 4);
	case 14: case 15: return next_random(r) & 0x00007ffffffff000UL;
	case 16: /* one of our own pages: text, scratch, canary or stack */
		switch (random_below(r, 4)) {
		case 0: return IMAGE_START;
		case 1: return pages.scratch;
		case 2: return pages.canary;
		default: return STACK_TOP - PAGE;
		}
	default: return pages.victim + PAGE * random_below(r, 4);
	}
}

static uint64_t pick_prot(uint64_t *r)
{
	static const uint64_t prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_WRITE, PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};

	return one_in(r, 8) ? pick_int(r) : PICK(r, prots);
}

/* A pid just above ours: a child of ours, a sibling worker's, or nobody. */
static int pid_near(struct worker *w)
{
	return w->pid + 1 + (int)random_below(&w->rng, 3);
}

static uint64_t pick_pid(struct worker *w)
{
	uint64_t *r = &w->rng;

	switch (random_below(r, 8)) {
	case 0: return -1UL;
	case 1: return 0;
	case 2: return (uint64_t)w->pid;
	case 3: return (uint64_t)pid_near(w);
	case 4: return 2 + random_below(r, 64);
	case 5: return 0x80000000;
	case 6: return (1UL << 32) | (uint64_t)w->pid;
	default: return pick_int(r);
	}
}

/* A timespec in the scratch pages, usually short; sometimes a bad pointer. */
static uint64_t pick_timespec(struct worker *w)
{
	static const struct timespec times[] = {
		{ 0, 0 }, { 0, 1 }, { 0, 4000000 }, { 0, 1000000000 }, { -1, 0 }, { 0, -1 },
		{ 1000001, 0 }, { INT64_MIN, 0 },
	};
	static const struct timespec long_times[] = { { 0, 999999999 }, { 1, 0 }, { 1000000, 0 } };
	uint64_t *r = &w->rng, at = scratch_address(r) & ~15UL;

	/* Not the scratch pages' leftovers: the time clock_gettime left there is seconds long. */
	switch (random_below(r, 16)) {
	case 0: return PICK(r, bad_addresses);
	case 1: return pages.scratch + SCRATCH_BYTES - 8;
	case 2: return pages.canary + 16 * random_below(r, PAGE / 16);
	default: break;
	}
	*(struct timespec *)at = one_in(r, LONG_SLEEP_RARITY) ? PICK(r, long_times) : PICK(r, times);
	return at;
}

/* An fmap request in the scratch pages, remembered in c for the checks. */
static uint64_t pick_fmap_request(struct worker *w, struct fuzz_call *c)
{
	static const uint64_t sizes[] = { 0, 1, 4096, 4097, 3 * 4096, 1UL << 20,
					  (1UL << 32) + 1, 1UL << 63, -4096UL };
	uint64_t *r = &w->rng;
	struct fmap_request req = { 0, PICK(r, sizes), pick_prot(r), 0 };

	if (one_in(r, 4))
		return pick_pointer(w);
	/* All of memory, to be given back after -ENOMEM: a slow path, so a rare one. */
	if (one_in(r, ALL_MEMORY_RARITY))
		req.size = 1UL << 32;
	if (one_in(r, 8))
		req.offset = pick_int(r);
	if (one_in(r, 2))
		req.address = pick_page(w);
	c->request = req;
	c->request_at = scratch_address(r);
	memcpy((void *)c->request_at, &req, sizeof(req));
	return c->request_at;
}

static uint64_t pick_argument(struct worker *w, struct fuzz_call *c, char kind, uint64_t before)
{
	static const uint64_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, 0, 2, 3, -1UL };
	static const uint64_t signals[] = { SIGKILL, 0, 1, SIGSEGV, 64, 65, -1UL };
	static const uint64_t wait_options[] = { 0, WNOHANG, 2, -1UL };
	uint64_t *r = &w->rng;

	if (one_in(r, 16)) /* now and then anything at all */
		return pick_int(r);
	switch (kind) {
	case 'f': return one_in(r, 4) ? FMAP_ANONYMOUS_FD : PICK(r, interesting_fds);
	case 'F': return one_in(r, 4) ? PICK(r, interesting_fds) : FMAP_ANONYMOUS_FD;
	case 'p': case 'w': return pick_pointer(w);
	case 'l': return pick_length(w, before);
	case 'z': return one_in(r, 4) ? pick_length(w, before) : sizeof(struct fmap_request);
	case 'a': return pick_page(w);
	case 'm': return pick_prot(r);
	case 'c': return PICK(r, clocks);
	case 'n': case 'k': return pick_pid(w);
	case 's': return PICK(r, signals);
	case 'o': return PICK(r, wait_options);
	case 't': return pick_timespec(w);
	case 'r': return pick_fmap_request(w, c);
	case 'x': return one_in(r, 2) ? CLONE_NONE : pick_int(r);
	default: return pick_int(r);
	}
}

/* ---- choosing a call --------------------------------------------------------- */

static uint64_t random_base(uint64_t *r)
{
	switch (random_below(r, 4)) {
	case 0: return PICK(r, syscalls).number & SYS_BASE_MASK; /* a real base */
	case 1: return random_below(r, 1024);                     /* inside the table */
	case 2: return 1024 + random_below(r, 0x10000 - 1024);    /* past its end */
	default: return 0xffff - random_below(r, 4);
	}
}

/* Class bits (abi.h) in any combination, on a real or made-up base. */
static uint64_t class_bits_number(uint64_t *r)
{
	static const uint64_t class_bits[] = { SYS_CLASS_PATH, SYS_CLASS_FILE, SYS_ARG_SLICE,
					       SYS_ARG_MSLICE, SYS_RET_FILE };
	uint64_t number = random_base(r);

	for (unsigned i = 0; i < ARRAY_SIZE(class_bits); i++)
		if (one_in(r, 2))
			number |= class_bits[i];
	return number;
}

static uint64_t wild_number(uint64_t *r)
{
	switch (random_below(r, 4)) {
	case 0: return next_random(r);
	case 1: return (1UL << (32 + random_below(r, 32))) | PICK(r, syscalls).number;
	case 2: return random_below(r, 1UL << 32);
	default: return -1UL - random_below(r, 16);
	}
}

static void choose_number(uint64_t *r, struct fuzz_call *c)
{
	do {
		switch (random_below(r, 10)) {
		case 0: c->raw.number = class_bits_number(r); break;
		case 1: c->raw.number = wild_number(r); break;
		default: c->raw.number = PICK(r, syscalls).number; break;
		}
		c->call = call_of_number(c->raw.number);
	} while (c->call == CALL_exit && !one_in(r, EXIT_RARITY));
}

/* Arguments as the call's shape says; an unknown number gets six of any kind. */
static void choose_arguments(struct worker *w, struct fuzz_call *c)
{
	static const char any_kind[] = { 'i', 'f', 'p', 'w', 'l', 'a' };
	const char *shape = c->call >= 0 ? shapes[c->call] : NULL;
	int nargs = c->call >= 0 ? syscalls[c->call].nargs : 6;

	for (int i = 0; i < 6; i++) {
		char kind = shape ? shape[i] : PICK(&w->rng, any_kind);

		/* Registers past nargs are loaded too: they must survive like the rest. */
		c->raw.arg[i] = i < nargs ? pick_argument(w, c, kind, i ? c->raw.arg[i - 1] : 0)
					  : next_random(&w->rng);
	}
}

static void choose_call(struct worker *w, struct fuzz_call *c)
{
	memset(c, 0, sizeof(*c));
	choose_number(&w->rng, c);
	choose_arguments(w, c);
	for (int i = 0; i < 6; i++)
		c->raw.keep[i] = next_random(&w->rng);
	c->raw.rflags_set = one_in(&w->rng, 4) ? fuzz_rflags : 0;
}

/* ---- what a fuzzed call may not do --------------------------------------------- */

static bool overlaps(uint64_t start, uint64_t end, uint64_t lo, uint64_t hi)
{
	return start < hi && lo < end;
}

/* Whether [addr, addr + len), rounded out to pages, stays inside user space. */
static bool range_in_user_space(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + PAGE_ALIGN_UP(len);

	return PAGE_ALIGN_UP(len) >= len && end >= addr && end <= NONCANONICAL;
}

/* Whether a range mprotect or funmap may act on touches our own pages. */
static bool range_touches_own_pages(uint64_t addr, uint64_t len)
{
	uint64_t start = addr & ~(PAGE - 1), end = addr + PAGE_ALIGN_UP(len);

	return range_in_user_space(addr, len) &&
	       (overlaps(start, end, IMAGE_START, IMAGE_START + IMAGE_WINDOW) ||
		overlaps(start, end, pages.scratch, pages.mmap_end) ||
		overlaps(start, end, STACK_TOP - STACK_BYTES - PAGE, STACK_TOP));
}

/*
 * The exclusions: never kill pid 1 or pid <= 1 (the kernel reads an int),
 * exit reports the count, clone forks only within the bounds, writes to
 * the console print only the quiet page, and changing our own pages ends
 * the worker after the call.
 */
static void make_call_safe(struct worker *w, struct fuzz_call *c)
{
	uint64_t *a = c->raw.arg;

	switch (c->call) {
	case CALL_kill:
		if ((int)a[0] <= 1) /* keep the high bits: the kernel must truncate */
			a[0] = (a[0] & ~0xffffffffUL) | (uint32_t)pid_near(w);
		break;
	case CALL_exit:
		a[0] = (a[0] & ~0xffUL) | (uint64_t)(w->calls + 1);
		break;
	case CALL_clone:
		if (a[0] == CLONE_NONE && (w->clones_left == 0 || w->depth >= MAX_CLONE_DEPTH))
			a[0] = 1 | next_random(&w->rng);
		if (a[0] == CLONE_NONE) {
			w->clones_left--;
			w->children++; /* the child sees this count too: its tag */
		}
		break;
	case CALL_write:
		if (a[0] == 1 || a[0] == 2)
			a[1] = pages.quiet + (one_in(&w->rng, 2) ? 0 : random_below(&w->rng, PAGE));
		break;
	case CALL_mprotect:
	case CALL_funmap:
		w->tainted |= range_touches_own_pages(a[0], a[1]);
		break;
	default:
		break;
	}
}

/* ---- checking the result ------------------------------------------------------ */

static int describe_call(const struct fuzz_call *c, char *buf, size_t size)
{
	int nargs = c->call >= 0 ? syscalls[c->call].nargs : 6;
	int n = c->call >= 0 ? snprintf(buf, size, "%s(", syscalls[c->call].name)
			     : snprintf(buf, size, "#0x%lx(", c->raw.number);

	for (int i = 0; i < nargs; i++)
		n += snprintf(buf + n, size > (size_t)n ? size - (size_t)n : 0, "%s0x%lx",
			      i ? ", " : "", c->raw.arg[i]);
	n += snprintf(buf + n, size > (size_t)n ? size - (size_t)n : 0, ")%s%s",
		      c->raw.rflags_set & RFLAGS_NT ? " [NT]" : "",
		      c->raw.rflags_set & RFLAGS_DF ? " [DF]" : "");
	return n;
}

static void check_registers(const struct raw_call *c, char *why, size_t size)
{
	for (int i = 0; i < 6 && !*why; i++) {
		if (c->arg_after[i] != c->arg[i])
			snprintf(why, size, "%s changed from 0x%lx to 0x%lx", arg_registers[i],
				 c->arg[i], c->arg_after[i]);
		else if (c->keep_after[i] != c->keep[i])
			snprintf(why, size, "%s changed from 0x%lx to 0x%lx", kept_registers[i],
				 c->keep[i], c->keep_after[i]);
	}
}

static uint64_t debug_args_checksum(const uint64_t *a)
{
	return a[0] + 3 * a[1] + 5 * a[2] + 7 * a[3] + 11 * a[4] + 13 * a[5];
}

/* An fmap that succeeded must have mapped what was asked, never the top page. */
static void check_fmap(const struct fuzz_call *c, char *why, size_t size)
{
	uint64_t at = c->raw.result, end = at + PAGE_ALIGN_UP(c->request.size);

	if ((int64_t)at < 0 && (int64_t)at > -4096)
		return;
	if (at % PAGE || at < PAGE || at >= NONCANONICAL)
		snprintf(why, size, "fmap returned 0x%lx, not a user page", at);
	else if (at >= TOP_USER_PAGE || (c->request_at && (end > TOP_USER_PAGE || end < at)))
		snprintf(why, size, "fmap mapped the top user page 0x%lx (up to 0x%lx)", TOP_USER_PAGE,
			 c->request_at ? end : at + PAGE);
	else if (c->request_at && c->request.address && at != c->request.address)
		snprintf(why, size, "fmap asked for 0x%lx, mapped 0x%lx", c->request.address, at);
}

static void check_result(const struct worker *w, const struct fuzz_call *c, char *why, size_t size)
{
	int64_t result = (int64_t)c->raw.result;

	if (c->call < 0 && result != -ENOSYS)
		snprintf(why, size, "unknown number gave %ld, not -ENOSYS (-38)", result);
	else if (c->call == CALL_debug_args && c->raw.result != debug_args_checksum(c->raw.arg))
		snprintf(why, size, "debug_args gave 0x%lx, want 0x%lx", c->raw.result,
			 debug_args_checksum(c->raw.arg));
	else if (c->call == CALL_getpid && result != w->pid)
		snprintf(why, size, "getpid gave %ld, want %d", result, w->pid);
	else if (c->call == CALL_fmap)
		check_fmap(c, why, size);
	else if ((c->call == CALL_mprotect || c->call == CALL_funmap) && result == 0 &&
		 !range_in_user_space(c->raw.arg[0], c->raw.arg[1]))
		snprintf(why, size, "%s accepted a range outside user space", syscalls[c->call].name);
}

/* Returns false after printing an INVARIANT line. */
static bool check_invariants(const struct worker *w, const struct fuzz_call *c)
{
	char why[160] = "", call[256];

	check_registers(&c->raw, why, sizeof(why));
	if (!*why)
		check_result(w, c, why, sizeof(why));
	if (!*why && !w->tainted && !canary_intact())
		snprintf(why, sizeof(why), "the read-only canary page at 0x%lx changed", pages.canary);
	if (!*why)
		return true;
	describe_call(c, call, sizeof(call));
	printf("fuzz: INVARIANT: worker %s (seed 0x%lx) call %d: %s = ", w->tag, w->plan.seed,
	       w->calls - 1, call);
	if ((int64_t)c->raw.result < 0 && (int64_t)c->raw.result > -4096)
		printf("%ld: %s\n", (int64_t)c->raw.result, why);
	else
		printf("0x%lx: %s\n", c->raw.result, why);
	return false;
}

/* ---- the worker's life -------------------------------------------------------- */

static __attribute__((noreturn)) void exit_with(int status)
{
	fflush_stdout();
	sys_exit(status);
	for (;;)
		;
}

/* Forks a child that reports the count for a process about to end otherwise. */
static void report_in_child(int calls)
{
	if (fork() == 0)
		exit_with(calls);
}


static __attribute__((noreturn)) void spin_until_killed(void)
{
	/* With `df`, timer interrupts land while DF is set: the kernel must cld. */
	if (fuzz_rflags & RFLAGS_DF)
		__asm__ volatile("std");
	for (;;)
		__asm__ volatile("pause");
}

/* After its calls: children exit with their count, a worker as its plan says. */
static __attribute__((noreturn)) void end_worker(struct worker *w)
{
	if (w->child_failed)
		exit_with(STATUS_INVARIANT_FAILED);
	if (w->depth > 0 || w->tainted || w->plan.ending == END_EXIT)
		exit_with(w->calls);
	report_in_child(w->calls);
	switch (w->plan.ending) {
	case END_NULL_WRITE:
		*(volatile int *)0 = 1;
		break;
	case END_UD2:
		__asm__ volatile("ud2");
		break;
	case END_KILLED:
		spin_until_killed();
	default:
		break;
	}
	exit_with(0);
}

/* In the child of a fuzzed clone: a new, smaller worker one level down. */
static void become_child(struct worker *w)
{
	char parent[sizeof(w->tag)];

	strlcpy(parent, w->tag, sizeof(parent));
	snprintf(w->tag, sizeof(w->tag), "%s.%d", parent, w->children);
	w->rng ^= 0x63686c64UL * (uint64_t)w->children;
	w->pid = (int)sys_getpid();
	w->depth++;
	w->calls = 0;
	w->budget = CHILD_MAX_CALLS;
	w->clones_left = MAX_CLONES_PER_PROCESS;
	w->children = 0;
}

/* A child we collected ourselves may have failed: its status is in our scratch pages. */
static void note_waitpid_status(struct worker *w, const struct fuzz_call *c)
{
	uint64_t status_at = c->raw.arg[1];
	int status;

	if ((int64_t)c->raw.result <= 0 || status_at < pages.scratch ||
	    status_at + sizeof(int) > pages.scratch + SCRATCH_BYTES)
		return;
	status = *(int *)status_at;
	if (WIFEXITED(status) && WEXITSTATUS(status) == STATUS_INVARIANT_FAILED)
		w->child_failed = true;
}

static void make_call(struct worker *w, struct fuzz_call *c)
{
	if (w->trace) {
		char call[256];

		describe_call(c, call, sizeof(call));
		printf("fuzz: worker %s call %d: %s\n", w->tag, w->calls, call);
	}
	fuzz_raw_syscall(&c->raw);
	w->calls++;
}

/* The call loop: choose a call, make it safe, make it, check what it did. */
static __attribute__((noreturn)) void run_worker(struct worker *w)
{
	while (w->calls < w->budget) {
		struct fuzz_call c;

		choose_call(w, &c);
		make_call_safe(w, &c);
		make_call(w, &c);
		if (!check_invariants(w, &c))
			exit_with(STATUS_INVARIANT_FAILED);
		if (c.call == CALL_waitpid)
			note_waitpid_status(w, &c);
		if (c.call == CALL_fmap && (int64_t)c.raw.result > 0)
			w->recent_map = c.raw.result;
		if (c.call == CALL_clone && c.raw.arg[0] == CLONE_NONE && c.raw.result == 0)
			become_child(w);
		if (w->tainted)
			break;
	}
	end_worker(w);
}

/* In a freshly forked worker: everything it does follows from plan->seed. */
static __attribute__((noreturn)) void start_worker_process(const struct worker_plan *plan,
							   int index, bool trace)
{
	struct worker w;

	memset(&w, 0, sizeof(w));
	snprintf(w.tag, sizeof(w.tag), "%d", index);
	w.plan = *plan;
	w.rng = plan->seed ^ 0x776f726b6572UL;
	w.pid = (int)sys_getpid();
	w.budget = plan->calls;
	w.clones_left = MAX_CLONES_PER_PROCESS;
	w.trace = trace || trace_every_call;
	run_worker(&w);
}

/* ---- the harness (pid 1) ------------------------------------------------------ */

struct live_worker {
	int pid;            /* 0 once collected */
	int index;          /* W in the reports */
	struct worker_plan plan;
	long started_ms;
	bool trace;         /* a replay: no planned kill */
	bool kill_sent;
	bool blocked;
};

static struct {
	uint64_t rng;
	long calls_target, calls_planned, calls_counted;
	bool counting;      /* false during replays: their calls were counted already */
	int workers, blocked, exited, faulted, killed, failures, replays;
} run;

static long now_ms(void)
{
	struct timespec ts = { 0, 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_a_tick(void)
{
	struct timespec shortest = { 0, 1 };

	nanosleep(&shortest, NULL);
}

static void harness_failure(const char *what, long value)
{
	printf("fuzz: INVARIANT: harness: %s (%ld)\n", what, value);
	run.failures++;
}

/* One collected process: its exit status carries its count of calls. */
static void account(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == STATUS_INVARIANT_FAILED)
		run.failures++;
	else if (!run.counting)
		return;
	else if (WIFEXITED(status)) {
		run.exited++;
		run.calls_counted += WEXITSTATUS(status);
	} else if (WTERMSIG(status) == SIGKILL)
		run.killed++;
	else
		run.faulted++;
}

/* Collects every child that has ended; returns whether any child is left. */
static bool collect_ended(struct live_worker *workers, int n)
{
	for (;;) {
		int status = 0;
		long pid = sys_waitpid(-1, (long)&status, WNOHANG);

		if (pid == 0)
			return true;
		if (pid == -ECHILD)
			return false;
		if (pid < 0) {
			harness_failure("waitpid(-1, WNOHANG) failed", pid);
			return false;
		}
		account(status);
		for (int i = 0; i < n; i++)
			if (workers[i].pid == pid)
				workers[i].pid = 0;
	}
}

/* Planned kills, and the watchdog for workers that take too long. */
static void enforce_deadlines(struct live_worker *lw)
{
	long age = now_ms() - lw->started_ms;

	if (!lw->pid)
		return;
	if (lw->plan.ending == END_KILLED && !lw->trace && !lw->kill_sent &&
	    age >= lw->plan.kill_after_ms) {
		sys_kill(lw->pid, SIGKILL);
		lw->kill_sent = true;
	} else if (age >= WATCHDOG_MS && !lw->blocked && !lw->kill_sent) {
		if (!lw->trace)
			printf("fuzz: worker %d blocked (seed 0x%lx): alive after %d ms, killed\n",
			       lw->index, lw->plan.seed, WATCHDOG_MS);
		sys_kill(lw->pid, SIGKILL);
		lw->blocked = true;
		if (run.counting)
			run.blocked++;
	} else if (age >= 2 * WATCHDOG_MS + KILL_AFTER_MAX_MS) {
		harness_failure("a worker survived SIGKILL; its pid", lw->pid);
		lw->pid = 0;
	}
}

static int count_alive(const struct live_worker *workers, int n)
{
	int alive = 0;

	for (int i = 0; i < n; i++)
		alive += workers[i].pid != 0;
	return alive;
}

static void watch_workers(struct live_worker *workers, int n)
{
	while (count_alive(workers, n) > 0) {
		if (!collect_ended(workers, n) && count_alive(workers, n) > 0) {
			harness_failure("waitpid found no children while workers live; workers", n);
			return;
		}
		for (int i = 0; i < n; i++)
			enforce_deadlines(&workers[i]);
		if (count_alive(workers, n) > 0)
			sleep_a_tick();
	}
}

/* Waits up to ms for every child to be collected; returns whether all were. */
static bool collect_all(int ms)
{
	long deadline = now_ms() + ms;

	while (collect_ended(NULL, 0)) {
		if (now_ms() >= deadline)
			return false;
		sleep_a_tick();
	}
	return true;
}

/*
 * After its workers: their children and grandchildren, handed to pid 1,
 * get a moment to end on their own, then SIGKILL. Pids only grow, and no
 * other process ran meanwhile, so every one of them is in [first, last].
 */
static void end_round(int first_pid, int last_pid)
{
	if (collect_all(ORPHAN_GRACE_MS))
		return;
	for (int pid = first_pid; pid <= last_pid; pid++)
		if (pid > 1)
			sys_kill(pid, SIGKILL);
	if (!collect_all(WATCHDOG_MS))
		harness_failure("processes survived SIGKILL; pids from", first_pid);
}

/* Forks a worker; tries for a second when nothing else runs (a full table is a leak). */
static int fork_worker(struct live_worker *lw, bool others_alive)
{
	long deadline = now_ms() + 1000;

	for (;;) {
		int pid = fork();

		if (pid == 0)
			start_worker_process(&lw->plan, lw->index, lw->trace);
		if (pid > 0) {
			lw->pid = pid;
			lw->started_ms = now_ms();
			return pid;
		}
		if (others_alive)
			return -1;
		if (now_ms() >= deadline) {
			harness_failure("fork fails with no other process alive; errno", errno);
			return -1;
		}
		sleep_a_tick();
	}
}

/* Runs a blocked worker again, tracing each call, to show where it blocks. */
static void replay_blocked(const struct live_worker *blocked)
{
	struct live_worker lw = { .index = blocked->index, .plan = blocked->plan, .trace = true };

	printf("fuzz: worker %d replay (seed 0x%lx), tracing each call:\n", lw.index, lw.plan.seed);
	run.counting = false;
	run.replays++;
	if (fork_worker(&lw, false) > 0) {
		int pid = lw.pid;

		watch_workers(&lw, 1);
		end_round(pid, pid + PIDS_PER_WORKER);
	}
	if (lw.blocked)
		printf("fuzz: worker %d replay blocked again, in its last 'fuzz: worker %d call' above\n",
		       lw.index, lw.index);
	else
		printf("fuzz: worker %d replay did not block this time\n", lw.index);
	run.counting = true;
}

static void run_round(int size)
{
	struct live_worker workers[2];
	int started = 0, first_pid = 0, last_pid = 0;

	memset(workers, 0, sizeof(workers));
	for (int i = 0; i < size; i++) {
		struct live_worker *lw = &workers[started];

		lw->plan = plan_worker(next_random(&run.rng));
		lw->index = run.workers;
		if (fork_worker(lw, started > 0) <= 0)
			break;
		first_pid = started ? first_pid : lw->pid;
		last_pid = lw->pid;
		run.workers++;
		run.calls_planned += lw->plan.calls;
		started++;
	}
	if (!started)
		return;
	watch_workers(workers, started);
	end_round(first_pid, last_pid + started * PIDS_PER_WORKER);
	for (int i = 0; i < started; i++)
		if (workers[i].blocked && run.replays < TRACE_REPLAYS_MAX && !run.failures)
			replay_blocked(&workers[i]);
}

/* ---- main: SEED/CALLS[/OPTIONS] ------------------------------------------------ */

static bool parse_options(char *text)
{
	for (char *word = text; word && *word;) {
		char *comma = strchr(word, ',');

		if (comma)
			*comma = '\0';
		if (strcmp(word, "nt") == 0)
			fuzz_rflags |= RFLAGS_NT;
		else if (strcmp(word, "df") == 0)
			fuzz_rflags |= RFLAGS_DF;
		else if (strcmp(word, "trace") == 0)
			trace_every_call = true;
		else
			return false;
		word = comma ? comma + 1 : NULL;
	}
	return true;
}

static bool parse_argument(const char *arg, uint64_t *seed, uint64_t *calls)
{
	char text[64], *slash, *options = NULL;

	*calls = DEFAULT_CALLS;
	strlcpy(text, arg, sizeof(text));
	slash = strchr(text, '/');
	if (slash) {
		*slash = '\0';
		options = strchr(slash + 1, '/');
		if (options)
			*options++ = '\0';
		if (str_to_u64(slash + 1, calls) < 0)
			return false;
	}
	return str_to_u64(text, seed) == 0 && parse_options(options);
}

/* Each shape must have one letter per argument: syscall.def may change. */
static bool shapes_match_syscall_def(void)
{
	for (int i = 0; i < CALL_COUNT; i++) {
		if (shapes[i] && (int)strlen(shapes[i]) != syscalls[i].nargs) {
			printf("fuzz: the shape of %s has %d letters, syscall.def says %d arguments\n",
			       syscalls[i].name, (int)strlen(shapes[i]), syscalls[i].nargs);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, calls = DEFAULT_CALLS;

	if (argc > 1 && !parse_argument(argv[1], &seed, &calls)) {
		printf("fuzz: usage: run=fuzz arg=SEED[/CALLS[/nt,df,trace]], not '%s'\n", argv[1]);
		return 2;
	}
	if (!shapes_match_syscall_def())
		return 2;
	printf("fuzz: starting: seed %lu, %lu calls, options:%s%s%s\n", seed, calls,
	       fuzz_rflags & RFLAGS_NT ? " nt" : "", fuzz_rflags & RFLAGS_DF ? " df" : "",
	       trace_every_call ? " trace" : "");
	map_own_pages(seed);
	run.rng = seed;
	run.calls_target = (long)calls;
	run.counting = true;
	while (run.calls_counted < run.calls_target && !run.failures &&
	       run.calls_planned < PLANNED_CALLS_MAX * run.calls_target) {
		long before = run.calls_counted;

		run_round(1 + (int)random_below(&run.rng, 2));
		if (run.calls_counted / PROGRESS_EVERY != before / PROGRESS_EVERY)
			printf("fuzz: progress: %ld calls, %d workers\n", run.calls_counted, run.workers);
	}
	printf("fuzz: endings: %d exited, %d faulted, %d killed; %d replays\n", run.exited,
	       run.faulted, run.killed, run.replays);
	printf("fuzz: seed %lu, %ld calls, %d workers, %d blocked, %d invariant failures\n", seed,
	       run.calls_counted, run.workers, run.blocked, run.failures);
	return run.failures ? 1 : 0;
}
