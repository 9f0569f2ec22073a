/*
 * bench - instruction counts of basic kernel paths (handouts/tools.md,
 * "Measuring"; the reference numbers are in README.md). Run by
 * `make bench` under -icount shift=0,sleep=off, where rdtsc counts guest
 * instructions exactly, so the numbers are the same on every host.
 */
#include "anode.h"

#define ROUNDS 1000

/* Instructions of the measuring loop itself, to subtract. */
static uint64_t loop_overhead(void)
{
	uint64_t start = read_tsc();

	for (volatile int i = 0; i < ROUNDS; i++)
		;
	return read_tsc() - start;
}

static void bench_null_syscall(void)
{
	uint64_t overhead = loop_overhead(), start = read_tsc();

	for (volatile int i = 0; i < ROUNDS; i++)
		sys_getpid();
	printf("bench: null syscall (getpid) %lu instructions\n",
	       (read_tsc() - start - overhead) / ROUNDS);
}

static void bench_yield(void)
{
	uint64_t overhead = loop_overhead(), start;
	int child = fork(), status;

	if (child == 0) {
		for (volatile int i = 0; i < ROUNDS; i++)
			sys_yield();
		exit(0);
	}
	start = read_tsc();
	for (volatile int i = 0; i < ROUNDS; i++)
		sys_yield();
	/* Each round is two yields: this process's and the child's. */
	printf("bench: yield between two processes %lu instructions per switch\n",
	       (read_tsc() - start - overhead) / (2 * ROUNDS));
	waitpid(child, &status, 0);
}

static void bench_fork_wait(void)
{
	uint64_t start = read_tsc();
	int status, child = fork();

	if (child == 0)
		exit(0);
	waitpid(child, &status, 0);
	printf("bench: fork+exit+wait %lu instructions\n", read_tsc() - start);
}

int main(void)
{
	bench_null_syscall();
	bench_yield();
	bench_fork_wait();
	return 0;
}
