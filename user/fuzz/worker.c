/*
 * worker.c - a worker's life: one process, forked by the harness, making
 * fuzzed calls. Its plan (how many calls, how it ends) and every call it
 * makes follow from its sub-seed, so the harness can replay it. Each call
 * goes: choose (numbers: calls.c, arguments: args.c), keep within the
 * rules below, make (fuzz_raw_syscall, calls.c), check the invariants.
 *
 * Exclusions: kill never targets pid <= 1; exit carries the call count;
 * clone forks at most twice per process and two levels deep; writes to
 * fds 1 and 2 print only dots from the quiet page. An mprotect or funmap
 * touching the worker's own pages (image, stack, scratch, canary) is made,
 * but the worker exits right after it: its memory can no longer be trusted.
 *
 * Invariants, checked after every call: an unknown number gives -ENOSYS;
 * every register but rax, rcx and r11 survives `syscall` (fuzz_raw_syscall
 * loads seeded values); the read-only canary page, often passed as an
 * output buffer, never changes; debug_args returns its checksum, getpid
 * the pid; fmap never maps the top user page; mprotect and funmap refuse
 * ranges leaving user space. A failure prints an INVARIANT line and the
 * process exits with STATUS_INVARIANT_FAILED, which the harness counts.
 *
 * Above: main.c, the harness that forks workers (start_worker_process)
 * and collects their counts. Shared declarations: fuzz.h.
 */
#include "fuzz.h"

#define CHILD_MAX_CALLS 32        /* for the children of a fuzzed clone */
#define MAX_CLONES_PER_PROCESS 2
#define MAX_CLONE_DEPTH 2

/*
 * A worker's plan, from its sub-seed alone. The harness makes it before
 * the fork: it needs the plan too (when to kill, what to replay).
 */
struct worker_plan plan_worker(uint64_t seed)
{
	uint64_t r = seed;
	struct worker_plan plan = { .seed = seed };

	plan.calls = 1 + (int)random_below(&r, WORKER_MAX_CALLS);
	plan.ending = (enum ending)random_below(&r, END_COUNT);
	plan.kill_after_ms = (int)random_below(&r, KILL_AFTER_MAX_MS);
	return plan;
}

/* Number, arguments, the seeded values for the kept registers, and RFLAGS. */
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
		overlaps(start, end, own_pages.scratch, own_pages.mmap_end) ||
		overlaps(start, end, STACK_TOP - STACK_BYTES - PAGE, STACK_TOP));
}

/*
 * The exclusions: never kill pid 1 or pid <= 1 (the kernel reads an int),
 * exit reports the count, clone forks only within the bounds, writes to
 * the console print only the quiet page, and changing our own pages ends
 * the worker after the call.
 */
/* True if fd is open on debug: (lab 4): writing it prints. */
static bool fd_is_console(uint64_t fd)
{
	struct stat st;

	return sys_fstat((long)fd, (long)&st, sizeof(st)) == 0 && (st.st_mode & MODE_TYPE) == MODE_CHR;
}

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
		/* The console (fds 1, 2, and any fd on debug:) prints only the quiet page. */
		if (a[0] == 1 || a[0] == 2 || fd_is_console(a[0]))
			a[1] = own_pages.quiet + (one_in(&w->rng, 2) ? 0 : random_below(&w->rng, PAGE));
		break;
	case CALL_close:
	case CALL_dup2: {
		/* A traced worker keeps its stdout: a replay must show where it stops. */
		uint64_t *fd = &a[c->call == CALL_close ? 0 : 1];

		if (w->trace && (*fd == 1 || *fd == 2))
			*fd = 64;
		break;
	}
	case CALL_open:
	case CALL_pipe2:
		/* Lab 4: nothing a worker opens may wait on the worker itself (an
		 * empty pipe it writes, its own scheme fd, the keyboard). */
		a[c->call == CALL_open ? 2 : 1] |= O_NONBLOCK;
		break;
	case CALL_mprotect:
	case CALL_funmap:
		w->tainted |= range_touches_own_pages(a[0], a[1]);
		break;
	default:
		break;
	}
}

/* ---- checking the result: the invariants --------------------------------------- */

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
	else if (c->call == CALL_open && result >= 64)
		snprintf(why, size, "open gave fd %ld, past the 64-entry table", result);
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
		snprintf(why, sizeof(why), "the read-only canary page at 0x%lx changed", own_pages.canary);
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

	if ((int64_t)c->raw.result <= 0 || status_at < own_pages.scratch ||
	    status_at + sizeof(int) > own_pages.scratch + SCRATCH_BYTES)
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
__attribute__((noreturn)) void start_worker_process(const struct worker_plan *plan, int index,
						    bool trace)
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
