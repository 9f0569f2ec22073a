/* uname - prints the system's name, version, machine and lab (sys:uname). */
#include "anode.h"

int main(int argc, char **argv)
{
	char text[128];
	int fd;
	long n;

	if (argc > 1) {
		dprintf(2, "usage: uname\n");
		return 2;
	}
	fd = open("sys:uname", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read_full(fd, text, sizeof(text))) < 0) {
		dprintf(2, "uname: sys:uname: errno %d\n", errno);
		return 1;
	}
	close(fd);
	return write_all(1, text, (size_t)n) < 0 ? 1 : 0;
}
