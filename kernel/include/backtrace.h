/* backtrace.h - walking and printing the chain of stack frames (lib/backtrace.c). */
#ifndef ANODE_BACKTRACE_H
#define ANODE_BACKTRACE_H

#include <stdint.h>

#define BACKTRACE_MAX_FRAMES 32

/*
 * Follows saved frame pointers from rbp, storing up to max return addresses
 * in pcs. Returns how many were stored.
 */
int backtrace_walk(uint64_t rbp, uint64_t *pcs, int max);

/* Prints the caller's backtrace, starting with the function calling this. */
void backtrace_print(void);

/* Prints a backtrace for an interrupted context: rip first, then rbp's chain. */
void backtrace_print_context(uint64_t rip, uint64_t rbp);

/* Prints "0x... name+0xoff" for a code address (no newline). */
void backtrace_print_symbol(uint64_t pc);

#endif
