/*
 * preempt - two CPU-bound children that never yield both make progress:
 * only the timer interrupt can switch between them.
 */
#include "anode.h"

#define ROUNDS 8
#define SPIN 1500000

static void spin(const char *name)
{
	for (int round = 1; round <= ROUNDS; round++) {
		for (volatile long i = 0; i < SPIN; i++)
			;
		printf("preempt: %s round %d\n", name, round);
	}
	exit(0);
}

int main(void)
{
	int a = fork(), b, status;

	if (a == 0)
		spin("A");
	b = fork();
	if (b == 0)
		spin("B");
	waitpid(a, &status, 0);
	waitpid(b, &status, 0);
	printf("preempt: both done\n");
	return 0;
}
