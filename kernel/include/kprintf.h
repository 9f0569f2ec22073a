/*
 * kprintf.h - formatted output (lib/kprintf.c) and fatal errors (lib/panic.c).
 *
 * Formats: %d %i %u %x %X %o %c %s %p %%, with flags - + space 0 #, a width
 * and a precision (numbers or `*`), and length modifiers l, ll, z.
 * `%.*s` prints a string that is not NUL-terminated (paths in Anode are
 * (pointer, length) pairs).
 */
#ifndef ANODE_KPRINTF_H
#define ANODE_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

#include "compiler.h"

int kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Prints the message and a backtrace, then stops the machine. */
NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* What a lab stub calls: panics with "lab N: not implemented: what". */
NORETURN void lab_not_implemented(int lab, const char *what);

#endif
