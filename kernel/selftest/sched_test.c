/*
 * sched_test.c - `test=sched-pick` (lab 3, Exercise 4): round robin, checked
 * on the pick alone. The test fills a few process slots, gives them
 * seeded states, and asks sched_pick_next again and again (nothing runs:
 * the picked process keeps its state). Each pick must be a RUNNABLE
 * process, and no runnable one may lie strictly between the previous pick
 * and this one, going round the slots in order; with nothing runnable the
 * pick is NULL. The grader reads the summary lines.
 */
#include "frame.h"
#include "kprintf.h"
#include "proc.h"
#include "random.h"
#include "selftest.h"

#define SCHED_TEST_MAX_PROCS 12
#define SCHED_TEST_ROUNDS 200

static const enum proc_state not_runnable[] = {
	PROC_EMBRYO, PROC_SLEEPING, PROC_ZOMBIE, PROC_RUNNING,
};

/* True if a runnable slot lies strictly between from and to, going up and round. */
static bool skipped_runnable(struct proc **procs, int n, int from, int to)
{
	for (int i = (from + 1) % n; i != to; i = (i + 1) % n)
		if (procs[i]->state == PROC_RUNNABLE)
			return true;
	return false;
}

static int index_of(struct proc **procs, int n, struct proc *p)
{
	for (int i = 0; i < n; i++)
		if (procs[i] == p)
			return i;
	return -1;
}

static int pick_rounds(struct proc **procs, int n)
{
	int previous = -1, errors = 0, picks = 0, idle = 0;

	for (int round = 0; round < SCHED_TEST_ROUNDS; round++) {
		bool any = false;
		struct proc *p;
		int at;

		/* Every fifth round keeps the states, so the same set is cycled. */
		for (int i = 0; i < n && round % 5 != 0; i++) {
			uint64_t r = random_next() % 8;

			procs[i]->state = r < 4 ? PROC_RUNNABLE : not_runnable[r - 4];
		}
		for (int i = 0; i < n; i++)
			any |= procs[i]->state == PROC_RUNNABLE;
		p = sched_pick_next();
		if (!p) {
			idle++;
			if (any && errors++ < 5)
				kprintf("sched-test: round %d: NULL with a process runnable\n", round);
			continue;
		}
		picks++;
		at = index_of(procs, n, p);
		if (at < 0 || p->state != PROC_RUNNABLE) {
			if (errors++ < 5)
				kprintf("sched-test: round %d: picked a process that is not runnable\n", round);
			continue;
		}
		if (previous >= 0 && at != previous && skipped_runnable(procs, n, previous, at)) {
			if (errors++ < 5)
				kprintf("sched-test: round %d: slot %d after slot %d skips a runnable one\n",
					round, at, previous);
		}
		if (previous >= 0 && at == previous && skipped_runnable(procs, n, previous, previous)) {
			if (errors++ < 5)
				kprintf("sched-test: round %d: slot %d picked twice while others wait\n",
					round, at);
		}
		previous = at;
	}
	kprintf("sched-test: %d processes, %d rounds, %d picks, %d idle, %d errors\n", n,
		SCHED_TEST_ROUNDS, picks, idle, errors);
	return errors;
}

int selftest_sched_pick(void)
{
	struct proc *procs[SCHED_TEST_MAX_PROCS];
	uint64_t frames_before = frame_free_count();
	int n = 2 + (int)(random_next() % (SCHED_TEST_MAX_PROCS - 1)), errors;

	for (int i = 0; i < n; i++) {
		procs[i] = proc_alloc("sched-test");
		if (!procs[i])
			return kprintf("sched-test: no process slot\n"), 1;
	}
	/* Every process runnable: n picks in a row visit each exactly once. */
	for (int i = 0; i < n; i++)
		procs[i]->state = PROC_RUNNABLE;
	errors = pick_rounds(procs, n);
	for (int i = 0; i < n; i++)
		procs[i]->state = PROC_SLEEPING;
	kprintf("sched-test: nothing runnable: %s\n", sched_pick_next() ? "picked one" : "NULL");
	procs[n - 1]->state = PROC_RUNNABLE;
	kprintf("sched-test: one runnable, twice: %s\n",
		sched_pick_next() == procs[n - 1] && sched_pick_next() == procs[n - 1] ? "same one" : "wrong");
	for (int i = 0; i < n; i++)
		proc_free(procs[i]);
	kprintf("sched-test: free frames before %lu, after %lu\n", frames_before, frame_free_count());
	kprintf("sched-test: done\n");
	return errors != 0;
}
