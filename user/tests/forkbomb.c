/*
 * forkbomb - forking until the process table is full gives EAGAIN, not a
 * crash; after the children are killed and collected, fork works again.
 */
#include "anode.h"

#define MAX_CHILDREN 128

int main(void)
{
	static int pids[MAX_CHILDREN];
	int n = 0, status, again;

	for (;;) {
		int child = fork();

		if (child == 0) {
			msleep(100000);
			exit(0);
		}
		if (child < 0)
			break;
		pids[n++] = child;
	}
	printf("forkbomb: %d children, then fork failed with errno %d\n", n, errno);
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], &status, 0);
	again = fork();
	if (again == 0)
		exit(42);
	waitpid(again, &status, 0);
	printf("forkbomb: recovered, a new child exited with %d\n", WEXITSTATUS(status));
	return 0;
}
