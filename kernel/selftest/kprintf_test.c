/*
 * kprintf_test.c - `test=kprintf`: formats seeded values with every
 * conversion and flag kprintf supports. Each line reads
 *     kprintf-test ROUND.CASE "FORMAT": [OUTPUT]
 * and grader/anode/kprintf_cases.py, running the same generator, knows
 * what OUTPUT must be. Keep the two case tables in the same order.
 */
#include <stdint.h>

#include "compiler.h"
#include "kprintf.h"
#include "random.h"
#include "selftest.h"

#define KPRINTF_TEST_ROUNDS 3

/* How a case turns the round's random number r into its argument(s). */
enum arg_kind {
	ARG_INT,        /* (int)(uint32_t)r */
	ARG_UINT,       /* (unsigned)r */
	ARG_SMALL,      /* r % 200001 - 100000, as int */
	ARG_LONG,       /* (long)r */
	ARG_ULONG,      /* r */
	ARG_NONZERO,    /* (unsigned)r | 1 */
	ARG_INT64_MIN,
	ARG_UINT64_MAX,
	ARG_WORD,       /* kprintf_words[r % 8] */
	ARG_CHAR,       /* 'a' + r % 26 */
	ARG_POINTER,    /* (void *)r */
	ARG_SIZE,       /* (size_t)(r % 1000000) */
	ARG_ZERO,       /* (int)0 */
	ARG_NULL,       /* (char *)NULL */
	ARG_WIDTH_INT,  /* width r % 24, then value (r >> 32) % 200001 - 100000 */
	ARG_NONE,
};

struct kprintf_case {
	const char *format;
	enum arg_kind kind;
};

static const char *const kprintf_words[8] = {
	"anode", "cathode", "microkernel", "scheme", "x", "", "long mode", "tlb",
};

static const struct kprintf_case kprintf_cases[] = {
	{ "%d", ARG_INT },          { "%i", ARG_INT },          { "%u", ARG_UINT },
	{ "%x", ARG_UINT },         { "%X", ARG_UINT },         { "%o", ARG_UINT },
	{ "%ld", ARG_LONG },        { "%lu", ARG_ULONG },       { "%lx", ARG_ULONG },
	{ "%llX", ARG_ULONG },      { "%lo", ARG_ULONG },       { "%016lx", ARG_ULONG },
	{ "%-12d|", ARG_SMALL },    { "%12d|", ARG_SMALL },     { "%+d", ARG_SMALL },
	{ "% d", ARG_SMALL },       { "%08d", ARG_SMALL },      { "%.6d", ARG_SMALL },
	{ "%+ld", ARG_LONG },       { "%#x", ARG_NONZERO },     { "%ld", ARG_INT64_MIN },
	{ "%lu", ARG_UINT64_MAX },  { "%s", ARG_WORD },         { "%-10s|", ARG_WORD },
	{ "%8s|", ARG_WORD },       { "%.3s", ARG_WORD },       { "%10.2s|", ARG_WORD },
	{ "%c", ARG_CHAR },         { "100%%", ARG_NONE },      { "%p", ARG_POINTER },
	{ "%zu", ARG_SIZE },        { "%d", ARG_ZERO },         { "%x", ARG_ZERO },
	{ "%5d|", ARG_ZERO },       { "%*d|", ARG_WIDTH_INT },  { "%-*d|", ARG_WIDTH_INT },
	{ "%s", ARG_NULL },
};

static int small_signed(uint64_t r)
{
	return (int)(r % 200001) - 100000;
}

/* Formats one case into buf. The format is not a literal, hence the pragma. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
static void kprintf_case_format(char *buf, size_t size, const struct kprintf_case *c, uint64_t r)
{
	const char *f = c->format;

	switch (c->kind) {
	case ARG_INT:
		ksnprintf(buf, size, f, (int)(uint32_t)r);
		break;
	case ARG_UINT:
		ksnprintf(buf, size, f, (unsigned)r);
		break;
	case ARG_SMALL:
		ksnprintf(buf, size, f, small_signed(r));
		break;
	case ARG_LONG:
		ksnprintf(buf, size, f, (long)r);
		break;
	case ARG_ULONG:
		ksnprintf(buf, size, f, (unsigned long)r);
		break;
	case ARG_NONZERO:
		ksnprintf(buf, size, f, (unsigned)r | 1);
		break;
	case ARG_INT64_MIN:
		ksnprintf(buf, size, f, (long)INT64_MIN);
		break;
	case ARG_UINT64_MAX:
		ksnprintf(buf, size, f, (unsigned long)UINT64_MAX);
		break;
	case ARG_WORD:
		ksnprintf(buf, size, f, kprintf_words[r % ARRAY_SIZE(kprintf_words)]);
		break;
	case ARG_CHAR:
		ksnprintf(buf, size, f, 'a' + (int)(r % 26));
		break;
	case ARG_POINTER:
		ksnprintf(buf, size, f, (void *)r);
		break;
	case ARG_SIZE:
		ksnprintf(buf, size, f, (size_t)(r % 1000000));
		break;
	case ARG_ZERO:
		ksnprintf(buf, size, f, 0);
		break;
	case ARG_NULL:
		ksnprintf(buf, size, f, (char *)NULL);
		break;
	case ARG_WIDTH_INT:
		ksnprintf(buf, size, f, (int)(r % 24), small_signed(r >> 32));
		break;
	case ARG_NONE:
		ksnprintf(buf, size, f);
		break;
	}
}
#pragma GCC diagnostic pop

/* ksnprintf must cut at the buffer and still return the full length. */
static void kprintf_test_truncation(uint64_t r)
{
	char small[8];
	int n = ksnprintf(small, sizeof(small), "%lx", r | (1UL << 63));

	kprintf("kprintf-test truncate: n=%d [%s]\n", n, small);
}

int selftest_kprintf(void)
{
	char out[128];

	for (int round = 0; round < KPRINTF_TEST_ROUNDS; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(kprintf_cases); i++) {
			uint64_t r = random_next();

			kprintf_case_format(out, sizeof(out), &kprintf_cases[i], r);
			kprintf("kprintf-test %d.%d \"%s\": [%s]\n", round, (int)i,
				kprintf_cases[i].format, out);
		}
	}
	kprintf_test_truncation(random_next());
	kprintf("kprintf-test: done\n");
	return 0;
}
