/*
 * abi - system-call arguments and results cross the boundary intact: six
 * seeded arguments come back as their weighted sum, unknown numbers and
 * wrong class bits give -ENOSYS.
 */
#include "anode.h"

int main(int argc, char **argv)
{
	uint64_t state = argc > 1 ? parse_u64(argv[1]) : 1;
	long a[6];

	for (int i = 0; i < 6; i++)
		a[i] = (long)xorshift_next(&state);
	printf("abi: debug_args = 0x%lx\n", (uint64_t)sys_debug_args(a[0], a[1], a[2], a[3], a[4], a[5]));
	printf("abi: getpid = %ld\n", sys_getpid());
	printf("abi: unknown number = %ld\n", syscall6(4242, 0, 0, 0, 0, 0, 0));
	printf("abi: write without its class bits = %ld\n", syscall6(4, 1, (long)"x", 1, 0, 0, 0));
	printf("abi: huge number = %ld\n", syscall6(-1L, 0, 0, 0, 0, 0, 0));
	return 0;
}
