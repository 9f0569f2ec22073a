/*
 * spin - runs until killed: a target for the shell's Ctrl-C (the console
 * kills the foreground process). It yields rather than burning its time
 * slice, so the rest of the system stays responsive under TCG.
 */
#include "anode.h"

int main(int argc, char **argv)
{
	if (argc > 1) {
		dprintf(2, "usage: spin\n");
		return 2;
	}
	printf("spin: started\n");
	for (;;)
		sched_yield();
}
