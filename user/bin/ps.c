/* ps - lists the processes: sys:context ("PID PPID STATE NAME", one a line). */
#include "anode.h"

int main(int argc, char **argv)
{
	static char text[8192];
	int fd;
	long n;

	if (argc > 1) {
		dprintf(2, "usage: ps\n");
		return 2;
	}
	fd = open("sys:context", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dprintf(2, "ps: sys:context: errno %d\n", errno);
		return 1;
	}
	/* The kernel made the whole text at open: read it all, then print it. */
	n = read_full(fd, text, sizeof(text));
	close(fd);
	if (n < 0) {
		dprintf(2, "ps: sys:context: errno %d\n", errno);
		return 1;
	}
	return write_all(1, text, (size_t)n) < 0 ? 1 : 0;
}
