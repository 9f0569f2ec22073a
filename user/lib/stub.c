/*
 * stub.c - what an unwritten exercise in user space calls (lab 5 on): it
 * says which one, on the console and not through stdout's buffer, and
 * the process exits. The grader's failure report quotes this line.
 */
#include "anode.h"

__attribute__((noreturn)) void lab_not_implemented(int lab, const char *what)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "lab %d: not implemented: %s (pid %d)\n", lab, what,
			 getpid());

	/* Early in bootstrap there is no fd 2 yet: then straight to the console. */
	if (sys_write(2, (long)line, n) == -EBADF) {
		long fd = sys_open((long)"debug:", 6, O_WRONLY);

		if (fd >= 0)
			sys_write(fd, (long)line, n);
	}
	sys_exit(99);
	for (;;)
		;
}
