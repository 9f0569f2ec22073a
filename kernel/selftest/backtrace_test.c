/*
 * backtrace_test.c - `test=backtrace` and `test=panic`.
 *
 * backtrace: recurses a seeded number of times (3..8) through
 * backtrace_test_recurse, then prints a backtrace from
 * backtrace_test_leaf. The grader checks each frame's symbol against the
 * kernel ELF and counts the recursion frames.
 * panic: panics with a seeded number from panic_test_caller.
 */
#include "backtrace.h"
#include "compiler.h"
#include "kprintf.h"
#include "random.h"
#include "selftest.h"

/*
 * Called through a volatile pointer so the compiler can neither inline
 * nor merge the recursion; each call then really makes a frame.
 */
static int backtrace_test_recurse(int depth);
static int (*volatile backtrace_test_next)(int) = backtrace_test_recurse;

NOINLINE static int backtrace_test_leaf(void)
{
	backtrace_print();
	return 1;
}

NOINLINE static int backtrace_test_recurse(int depth)
{
	if (depth <= 1)
		return backtrace_test_leaf() + 1;
	return backtrace_test_next(depth - 1) + 1;
}

int selftest_backtrace(void)
{
	int depth = 3 + (int)(random_next() % 6);

	kprintf("backtrace-test: depth %d\n", depth);
	backtrace_test_next(depth);
	kprintf("backtrace-test: done\n");
	return 0;
}

NOINLINE NORETURN static void panic_test_caller(uint64_t value)
{
	panic("selftest: deliberate panic 0x%lx", value);
}

int selftest_panic(void)
{
	panic_test_caller(random_next());
}
