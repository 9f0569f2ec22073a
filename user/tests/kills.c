/*
 * kills - kill() and its edges. A child preempted in user mode and then
 * killed must not run user code again: it would notice a gap in the
 * instruction count (rdtsc under -icount) and exit with 42 instead of
 * dying by SIGKILL. And nobody may kill pid 1 (-EPERM): later labs kill
 * daemons and shells, never the first process.
 */
#include "anode.h"

#define SWITCHED_OUT_GAP 500 /* more guest instructions between two loop passes */

/* Spins in user mode; exits 42 the first time it finds it was switched out. */
static void spin_until_switched_out(void)
{
	uint64_t last = read_tsc();

	for (;;) {
		uint64_t now = read_tsc();

		if (now - last > SWITCHED_OUT_GAP)
			exit(42);
		last = now;
	}
}

static void kill_while_preempted(void)
{
	int status = 0, child = fork();

	if (child == 0)
		spin_until_switched_out();
	/* The child runs until the timer preempts it; then this returns. */
	sys_yield();
	printf("kills: kill(child) -> %d\n", kill(child, SIGKILL));
	waitpid(child, &status, 0);
	printf("kills: preempted child %s %d\n", WIFEXITED(status) ? "exited with" : "killed by signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void kill_pid_one(void)
{
	int status = 0, child = fork();

	if (child == 0)
		exit((int)-sys_kill(1, SIGKILL));
	waitpid(child, &status, 0);
	printf("kills: kill(1) from a child -> errno %d, pid 1 still running\n", WEXITSTATUS(status));
}

int main(void)
{
	kill_while_preempted();
	kill_pid_one();
	printf("kills: done\n");
	return 0;
}
