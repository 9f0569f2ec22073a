/*
 * backtrace_test.c - `test=backtrace` and `test=panic`.
 *
 * backtrace: recurses a seeded number of times (3..8) through
 * backtrace_test_recurse, then prints a backtrace from
 * backtrace_test_leaf. The grader checks each frame's symbol against the
 * kernel ELF and counts the recursion frames.
 * panic: panics with a seeded number from panic_test_caller.
 * backtrace-walk: runs backtrace_walk over hand-made frame chains, each
 * broken in one seeded way, and prints what it returned (below).
 */
#include "backtrace.h"
#include "compiler.h"
#include "kprintf.h"
#include "kstring.h"
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

/*
 * `test=backtrace-walk`: fake stack frames in a static array (kernel half,
 * 8-byte aligned, callers at higher addresses), chained through their
 * saved-rbp slots like real ones, frame j at walk_stack[pos_j] holding
 * { next rbp, return address }. Each case builds a chain of n = 3..7
 * frames ending with rbp 0, breaks frame k (never the last) in its own way,
 * walks it and prints
 *     backtrace-walk ROUND.CASE: N frames [pc pc ...] rest untouched|overwritten
 * where "rest" is pcs[N..] (filled with a canary before the walk).
 * grader/test_lab1_boot.py replays the seed and knows what each must be.
 */
#define WALK_SLOTS 64
#define WALK_PCS 16
#define WALK_CANARY 0xdeadc0dedeadc0deUL

enum walk_case {
	WALK_END,          /* intact: every frame, up to rbp 0 */
	WALK_ZERO_RETURN,  /* frame k's return address is 0: frames before k */
	WALK_MISALIGNED,   /* frame k's next rbp is not 8-byte aligned: frames 0..k */
	WALK_LOWER_HALF,   /* frame k's next rbp is an unmapped lower-half address */
	WALK_NONCANONICAL, /* frame k's next rbp is non-canonical */
	WALK_SELF_LOOP,    /* frame k's next rbp is frame k itself */
	WALK_DOWNWARD,     /* frame k's next rbp is an earlier (lower) frame */
	WALK_MAX,          /* intact, but max is smaller than the chain */
	WALK_CASES,
};

static const char *const walk_case_names[WALK_CASES] = {
	"end", "zero-return", "misaligned", "lower-half", "non-canonical", "self-loop",
	"downward", "max",
};

static uint64_t walk_stack[WALK_SLOTS] ALIGNED(16);

static void backtrace_walk_case(int round, enum walk_case which)
{
	uint64_t r = random_next(), pcs[WALK_PCS];
	int n = 3 + (int)(r % 5), k = (int)((r >> 8) % (uint64_t)(n - 1));
	int stride = 2 + (int)((r >> 16) % 3), max = WALK_PCS, pos[8], depth, untouched = 1;

	memset(walk_stack, 0, sizeof(walk_stack));
	for (int j = 0; j < n; j++)
		pos[j] = 4 + j * stride;
	for (int j = 0; j < n; j++) {
		walk_stack[pos[j]] = j + 1 < n ? (uint64_t)&walk_stack[pos[j + 1]] : 0;
		walk_stack[pos[j] + 1] = random_next() | 1;
	}
	switch (which) {
	case WALK_END:
		break;
	case WALK_ZERO_RETURN:
		walk_stack[pos[k] + 1] = 0;
		break;
	case WALK_MISALIGNED:
		walk_stack[pos[k]] += 1 + (r >> 24) % 7;
		break;
	case WALK_LOWER_HALF:
		/* PML4 slots 1..255 map nothing in lab 1: reading there faults. */
		walk_stack[pos[k]] = (1 + (r >> 24) % 255) * (1UL << 39) + ((r >> 32) & 0x7ffffff8);
		break;
	case WALK_NONCANONICAL:
		walk_stack[pos[k]] = (1UL << 63) | ((r >> 24) & 0x7ffffffff8UL);
		break;
	case WALK_SELF_LOOP:
		walk_stack[pos[k]] = (uint64_t)&walk_stack[pos[k]];
		break;
	case WALK_DOWNWARD:
		walk_stack[pos[k]] = (uint64_t)&walk_stack[pos[(r >> 24) % (uint64_t)(k + 1)]];
		break;
	case WALK_MAX:
		max = 1 + k;
		break;
	case WALK_CASES:
		break;
	}
	for (int i = 0; i < WALK_PCS; i++)
		pcs[i] = WALK_CANARY;
	depth = backtrace_walk((uint64_t)&walk_stack[pos[0]], pcs, max);
	kprintf("backtrace-walk %d.%s: %d frames [", round, walk_case_names[which], depth);
	for (int i = 0; i < depth && i < WALK_PCS; i++)
		kprintf("%s0x%lx", i ? " " : "", pcs[i]);
	for (int i = depth < 0 ? 0 : depth; i < WALK_PCS; i++)
		untouched &= pcs[i] == WALK_CANARY;
	kprintf("] rest %s\n", untouched ? "untouched" : "overwritten");
}

int selftest_backtrace_walk(void)
{
	for (int round = 0; round < 2; round++)
		for (int which = 0; which < WALK_CASES; which++)
			backtrace_walk_case(round, (enum walk_case)which);
	kprintf("backtrace-walk: done\n");
	return 0;
}
