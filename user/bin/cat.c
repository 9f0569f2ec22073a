/*
 * cat - copies each FILE (any scheme's path: initfs:/bin/x, sys:uname) to
 * stdout, or stdin when there is none. A file that cannot be read is
 * reported and skipped; the status is then 1.
 */
#include "anode.h"

static char buf[4096];

/* 0 when all of fd was copied; -1 after saying why not. */
static int cat_fd(int fd, const char *name)
{
	long n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(1, buf, (size_t)n) < 0) {
			/* The reader went away (EPIPE): nobody to tell. */
			if (errno != EPIPE)
				dprintf(2, "cat: write: errno %d\n", errno);
			return -1;
		}
	}
	if (n < 0) {
		dprintf(2, "cat: %s: errno %d\n", name, errno);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		return cat_fd(0, "stdin") < 0 ? 1 : 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			dprintf(2, "usage: cat [FILE...]\n");
			return 2;
		}
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			dprintf(2, "cat: %s: errno %d\n", argv[i], errno);
			status = 1;
			continue;
		}
		if (cat_fd(fd, argv[i]) < 0)
			status = 1;
		close(fd);
	}
	return status;
}
