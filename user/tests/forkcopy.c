/*
 * forkcopy - fork copies memory, it does not share it: the child sees the
 * parent's seeded data (globals, heap, stack), changes its copy, and the
 * parent's stays as it was.
 */
#include "anode.h"

#define WORDS 1024

static uint64_t global_words[WORDS];

static uint64_t stamp(uint64_t seed, int i)
{
	return seed * 0x9e3779b97f4a7c15UL + (uint64_t)i;
}

/* Counts words of a that do not hold the stamp (plus flip). */
static int mismatches(const uint64_t *a, uint64_t seed, uint64_t flip)
{
	int bad = 0;

	for (int i = 0; i < WORDS; i++)
		bad += a[i] != (stamp(seed, i) ^ flip);
	return bad;
}

static void fill(uint64_t *a, uint64_t seed, uint64_t flip)
{
	for (int i = 0; i < WORDS; i++)
		a[i] = stamp(seed, i) ^ flip;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1, stack_words[WORDS];
	uint64_t *heap_words = malloc(sizeof(uint64_t) * WORDS);
	int status = 0, child;

	fill(global_words, seed, 0);
	fill(heap_words, seed + 1, 0);
	fill(stack_words, seed + 2, 0);
	child = fork();
	if (child == 0) {
		int seen = mismatches(global_words, seed, 0) + mismatches(heap_words, seed + 1, 0) +
			   mismatches(stack_words, seed + 2, 0);

		fill(global_words, seed, ~0UL);
		fill(heap_words, seed + 1, ~0UL);
		fill(stack_words, seed + 2, ~0UL);
		exit(seen > 255 ? 255 : seen);
	}
	waitpid(child, &status, 0);
	printf("forkcopy: the child saw %d wrong words of the parent's data\n", WEXITSTATUS(status));
	printf("forkcopy: after the child wrote its copy, the parent has %d changed words\n",
	       mismatches(global_words, seed, 0) + mismatches(heap_words, seed + 1, 0) +
		       mismatches(stack_words, seed + 2, 0));
	return 0;
}
