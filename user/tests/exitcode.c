/*
 * exitcode - pid 1 exits with a status taken from its argument: the kernel
 * must report that status at the end of the run and leave QEMU with
 * "failure" (a pid 1 that fails must never look like success).
 */
#include "anode.h"

int main(int argc, char **argv)
{
	int code = argc > 1 ? (int)(parse_u64(argv[1]) % 200) + 1 : 1;

	printf("exitcode: exiting with %d\n", code);
	return code;
}
