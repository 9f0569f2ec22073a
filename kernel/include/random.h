/*
 * random.h - a seeded pseudo-random sequence for self-tests (lib/random.c).
 * The grader runs the same generator (grader/anode/xorshift.py) to know
 * what the kernel must print, so a hard-coded answer fails.
 */
#ifndef ANODE_RANDOM_H
#define ANODE_RANDOM_H

#include <stdint.h>

void random_seed(uint64_t seed);
uint64_t random_next(void);

#endif
