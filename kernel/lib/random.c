/*
 * random.c - xorshift64* (Vigna 2014): tiny, fast and good enough for
 * test data. Not for anything security related.
 */
#include "random.h"

#define RANDOM_DEFAULT_STATE 0x9e3779b97f4a7c15UL /* any non-zero value */

static uint64_t random_state = RANDOM_DEFAULT_STATE;

void random_seed(uint64_t seed)
{
	/* The generator is stuck at zero, so zero maps to a fixed state. */
	random_state = seed ? seed : RANDOM_DEFAULT_STATE;
}

uint64_t random_next(void)
{
	random_state ^= random_state >> 12;
	random_state ^= random_state << 25;
	random_state ^= random_state >> 27;
	return random_state * 0x2545f4914f6cdd1dUL;
}
