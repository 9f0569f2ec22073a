/*
 * main.c - the fuzzer's top: pid 1, the harness. It parses SEED/CALLS/OPTS,
 * maps the pages every worker inherits (args.c), then forks workers
 * (worker.c) in rounds of one or two until CALLS calls are counted, and
 * prints the summary. The harness makes no fuzzed call itself. What the
 * fuzzer is, and its output format: fuzz.h.
 *
 * The watchdog: a worker alive after WATCHDOG_MS is killed and counted as
 * blocked (a process stuck in waitpid or a long nanosleep is no kernel
 * hang; a kernel hang stops the heartbeat, and grader/fuzz.py says so).
 * The first blocked workers are replayed with tracing: the replay prints
 * `fuzz: worker W call K: name(args)` before each call, so its last such
 * line is the call that blocked.
 *
 * The harness checks invariants of its own: killed processes die, and it
 * can always fork once the others are gone. A failure prints an INVARIANT
 * line and ends the run (exit status 1), as a worker's failure does.
 */
#include "fuzz.h"

#define DEFAULT_CALLS 10000
#define ORPHAN_GRACE_MS 8         /* after a round, for orphans to end by themselves */
#define TRACE_REPLAYS_MAX 2       /* blocked workers replayed with tracing, per run */
#define PLANNED_CALLS_MAX 20      /* x CALLS: stop even if few calls get reported */
#define PROGRESS_EVERY 1000       /* calls between heartbeats */
/* Itself, its reporter, 2 children and 4 grandchildren: worker.c's clone limits. */
#define PIDS_PER_WORKER 8

/* The options (parse_options sets them; declared in fuzz.h). */
uint64_t fuzz_rflags;
bool trace_every_call;

/* ---- the harness (pid 1) ------------------------------------------------------ */

/* A worker as the harness sees it. */
struct live_worker {
	int pid;            /* 0 once collected */
	int index;          /* W in the reports */
	struct worker_plan plan;
	long started_ms;
	bool trace;         /* a replay: no planned kill */
	bool kill_sent;
	bool blocked;
};

/* The whole run: the generator of sub-seeds, and what the summary prints. */
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

/* OPTS: a comma list of nt, df, trace. */
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

static struct stat console_stat;

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
	/* Lab 4: fds 0-2 are the console; reading it must never wait for a key. */
	for (int fd = 0; fd < 3; fd++)
		if (sys_fstat(fd, (long)&console_stat, sizeof(console_stat)) == 0) {
			close(fd);
			open("debug:", O_RDWR | O_NONBLOCK);
		}
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
