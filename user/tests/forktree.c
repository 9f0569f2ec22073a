/*
 * forktree - a seeded number of children, each with a grandchild; every
 * exit status is collected by waitpid. Prints the count and the sum.
 */
#include "anode.h"

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1;
	int children = 4 + (int)(seed % 9), sum = 0, collected = 0, status;

	for (int i = 0; i < children; i++) {
		int child = fork();

		if (child < 0) {
			printf("forktree: fork failed (errno %d)\n", errno);
			return 1;
		}
		if (child == 0) {
			int grandchild = fork(), gstatus = 0;

			if (grandchild == 0)
				exit(1);
			waitpid(grandchild, &gstatus, 0);
			exit((int)((seed * 7 + (uint64_t)i * 13) % 200) + WEXITSTATUS(gstatus));
		}
	}
	while (waitpid(-1, &status, 0) > 0) {
		collected++;
		sum += WEXITSTATUS(status);
	}
	printf("forktree: %d children collected, status sum %d, then waitpid says errno %d\n",
	       collected, sum, errno);
	return 0;
}
