/*
 * sleep - three children sleep seeded, different durations; they must wake
 * in order of duration, and no earlier than asked.
 */
#include "anode.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1;
	long durations[3] = { 20, 60, 100 };
	int status;

	/* A seeded rotation, so the children are not started in wake order. */
	for (int i = 0; i < 3; i++) {
		long ms = durations[(i + seed) % 3];
		int child = fork();

		if (child == 0) {
			long start = now_ms();

			msleep(ms);
			printf("sleep: woke after %ld ms, asked %ld\n", now_ms() - start, ms);
			exit(0);
		}
	}
	while (waitpid(-1, &status, 0) > 0)
		;
	printf("sleep: done\n");
	return 0;
}
