/*
 * sysnum - every system-call number outside the table gives -ENOSYS. The
 * base part of a number (its low 16 bits) can name 65,536 entries but the
 * kernel's table has 1,024: each base from 1024 up, under seeded class
 * bits and seeded arguments, must be refused without the kernel reading
 * past its table; so must numbers that do not fit in 32 bits.
 */
#include "anode.h"

#define TABLE_ENTRIES 1024
#define BASE_LIMIT 0x10000
#define WIDE_NUMBERS 256

static const long class_bits[] = {
	0, SYS_CLASS_FILE, SYS_CLASS_PATH, SYS_CLASS_FILE | SYS_ARG_MSLICE,
	SYS_CLASS_FILE | SYS_ARG_SLICE, SYS_CLASS_PATH | SYS_RET_FILE,
	SYS_CLASS_FILE | SYS_RET_FILE,
};

/* Makes the call; counts and prints it if the result is not -ENOSYS. */
static int check_refused(long number, uint64_t *state)
{
	long r = syscall6(number, (long)xorshift_next(state), (long)xorshift_next(state),
			  (long)xorshift_next(state), 0, 0, 0);

	if (r == -ENOSYS)
		return 0;
	printf("sysnum: number 0x%lx -> %ld, not -ENOSYS\n", number, r);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t state = argc > 1 ? parse_u64(argv[1]) | 1 : 1;
	long calls = 0, wrong = 0;

	for (long base = TABLE_ENTRIES; base < BASE_LIMIT; base++, calls++) {
		long bits = class_bits[xorshift_next(&state) % (sizeof(class_bits) / sizeof(long))];

		wrong += check_refused(base | bits, &state);
	}
	for (int i = 0; i < WIDE_NUMBERS; i++, calls++)
		wrong += check_refused((long)(xorshift_next(&state) | (1UL << (32 + i % 32))), &state);
	printf("sysnum: %ld numbers outside the table, %ld not refused with -ENOSYS\n", calls, wrong);
	return wrong != 0;
}
