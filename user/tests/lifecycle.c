/*
 * lifecycle - the edges of a process's life: waitpid's pid argument
 * (a given child, -1 and 0 for any), WNOHANG with a child still running,
 * -ECHILD for a pid that is not a child, orphans handed to pid 1 (which
 * then collects them), and zombies really freed (many more forks than
 * process slots, each collected, never run out). Exit codes come from the
 * seed, so printed statuses cannot be hard-coded.
 */
#include "anode.h"

#define SLOT_CYCLES 150 /* more than the 64 process slots */

static int fork_exit(int code)
{
	int child = fork();

	if (child == 0)
		exit(code);
	return child;
}

static void wait_for_given_child(int base)
{
	int first = fork_exit(base + 1), second = fork_exit(base + 2), status = 0, got;

	msleep(20); /* both are zombies now */
	got = waitpid(second, &status, 0);
	printf("lifecycle: waitpid(second) -> %s, status %d\n", got == second ? "second" : "another",
	       WEXITSTATUS(status));
	got = waitpid(-1, &status, 0);
	printf("lifecycle: waitpid(-1) -> %s, status %d\n", got == first ? "first" : "another",
	       WEXITSTATUS(status));
	fork_exit(base + 3);
	got = waitpid(0, &status, 0);
	printf("lifecycle: waitpid(0) -> status %d\n", got > 0 ? WEXITSTATUS(status) : -1);
}

static void wait_without_hanging(int base)
{
	int status = 0, child = fork(), got;

	if (child == 0) {
		msleep(40);
		exit(base + 4);
	}
	got = waitpid(child, &status, WNOHANG);
	printf("lifecycle: WNOHANG with a running child -> %d\n", got);
	got = waitpid(getpid(), &status, 0);
	printf("lifecycle: waitpid(getpid()) -> errno %d\n", got < 0 ? errno : 0);
	waitpid(child, &status, 0);
	printf("lifecycle: then waitpid -> status %d\n", WEXITSTATUS(status));
}

/* A child that leaves a grandchild behind: pid 1 must inherit and collect it. */
static void orphan_goes_to_pid_1(int base)
{
	int status = 0, child = fork(), got, orphan_status = -1;

	if (child == 0) {
		if (fork() == 0) {
			msleep(30);
			exit(base + 5);
		}
		exit(0);
	}
	waitpid(child, &status, 0);
	got = waitpid(-1, &status, 0);
	if (got > 0)
		orphan_status = WEXITSTATUS(status);
	got = waitpid(-1, &status, WNOHANG);
	printf("lifecycle: orphan collected by pid 1 with status %d; then errno %d\n", orphan_status,
	       got < 0 ? errno : 0);
}

static void zombies_are_freed(void)
{
	int failed = 0, status;

	for (int i = 0; i < SLOT_CYCLES; i++) {
		int child = fork_exit(i & 0x7f);

		if (child < 0 || waitpid(child, &status, 0) != child || WEXITSTATUS(status) != (i & 0x7f))
			failed++;
	}
	printf("lifecycle: %d fork-exit-wait cycles, %d failed\n", SLOT_CYCLES, failed);
}

int main(int argc, char **argv)
{
	int base = argc > 1 ? (int)(parse_u64(argv[1]) % 50) * 4 : 0;

	wait_for_given_child(base);
	wait_without_hanging(base);
	orphan_goes_to_pid_1(base);
	zombies_are_freed();
	return 0;
}
