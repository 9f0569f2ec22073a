/*
 * compiler.h - small compiler helpers used all over the kernel.
 * Kept tiny on purpose: a macro that hides control flow is harder to step
 * through in GDB than a function.
 */
#ifndef ANODE_COMPILER_H
#define ANODE_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NORETURN __attribute__((noreturn))
#define NOINLINE __attribute__((noinline))
#define PACKED __attribute__((packed))
#define ALIGNED(n) __attribute__((aligned(n)))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define UNUSED __attribute__((unused))
/*
 * A helper written for a lab exercise to call. In a student tree the
 * exercise is still a stub that does not call it yet, and the compiler
 * must not call that an error; in the reference it reads as a hint.
 */
#define LAB_HELPER __attribute__((unused))

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))

/* Stops the compiler from moving memory accesses across this point. */
static inline void compiler_barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

#endif
