/*
 * check.c - the checks of test programs (lab 4 on): each failed check
 * prints one line the grader shows; check_done prints the count and exits
 * with 0 only if every check passed.
 */
#include "anode.h"

static const char *check_name = "check";
static int check_count, check_failures;

/* Starts counting afresh (a forked child reports its own checks). */
void check_begin(const char *name)
{
	check_name = name;
	check_count = check_failures = 0;
}

void check_at(int line, int ok, const char *fmt, ...)
{
	char text[160];
	va_list ap;

	check_count++;
	if (ok)
		return;
	check_failures++;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("%s: FAILED (line %d): %s\n", check_name, line, text);
}

__attribute__((noreturn)) void check_done(void)
{
	printf("%s: %d checks, %d failed\n", check_name, check_count, check_failures);
	exit(check_failures ? 1 : 0);
}
