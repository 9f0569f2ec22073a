/*
 * foreground.c - telling the console whom Ctrl-C kills.
 *
 * Anode has no signals and no terminal driver. Instead the console has a
 * control handle, dup(0, "fg"): writing a pid to it makes that process the
 * foreground one, and a Ctrl-C typed while it runs kills it in the kernel
 * (the shell is busy in waitpid, not reading, so it could not do it
 * itself). Writing "0" clears it, and Ctrl-C is an ordinary byte again,
 * which the line editor takes as "cancel this line".
 *
 * A kernel without the handle refuses the dup; everything here then does
 * nothing, and a running program only stops when it wants to.
 */
#include "sh.h"

static int control_fd = -1;

/*
 * A shell started from a shell is its parent's foreground process: take
 * the console back, or a Ctrl-C at our own prompt would kill us instead
 * of cancelling the line.
 */
void foreground_open(void)
{
	control_fd = dup(0, "fg");
	if (control_fd < 0)
		control_fd = -1;
	foreground_clear();
}

void foreground_set(int pid)
{
	if (control_fd >= 0)
		dprintf(control_fd, "%d", pid);
}

void foreground_clear(void)
{
	foreground_set(0);
}

int foreground_fd(void)
{
	return control_fd;
}
