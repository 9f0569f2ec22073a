/* hello - the first user program: prints from ring 3 and shows its privilege level. */
#include "anode.h"

int main(int argc, char **argv)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("hello from ring %d: pid %d, argc %d, argv[0] %s\n", cs & 3, getpid(), argc, argv[0]);
	return 0;
}
