/*
 * exitcode - pid 1 exits with a status taken from its argument: the kernel
 * must report that status at the end of the run and leave QEMU with
 * "failure" (a pid 1 that fails must never look like success). It prints
 * its arguments first (lab 5's init.run test checks they arrive).
 */
#include "anode.h"

int main(int argc, char **argv)
{
	int code = argc > 1 ? (int)(parse_u64(argv[1]) % 200) + 1 : 1;

	for (int i = 1; i < argc; i++)
		printf("exitcode: argv[%d] '%s'\n", i, argv[i]);
	printf("exitcode: exiting with %d\n", code);
	return code;
}
