/*
 * panic.c - the end of the road for a broken kernel invariant.
 * Prints the message and a symbolised backtrace, then exits QEMU with the
 * panic status (power.h) so a test reports "panic" rather than hanging.
 * Never called for anything a user program can cause: a program's mistake
 * is an error return, or the end of that program, never of the kernel.
 */
#include <stdarg.h>

#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "backtrace.h"
#include "kprintf.h"

static bool panicking;

NORETURN void panic(const char *fmt, ...)
{
	va_list ap;
	char message[256];

	interrupts_disable();
	/* A panic inside a panic (say, a fault in the backtrace) stops here. */
	if (panicking)
		machine_exit(EXIT_CODE_PANIC);
	panicking = true;
	va_start(ap, fmt);
	kvsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC: %s\n", message);
	backtrace_print();
	machine_exit(EXIT_CODE_PANIC);
}

NORETURN void lab_not_implemented(int lab, const char *what)
{
	panic("lab %d: not implemented: %s", lab, what);
}
