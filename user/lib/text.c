/*
 * text.c - small text files (the sys: files, listings) and starting a
 * daemon that says when it is ready: helpers of init and test programs.
 */
#include "anode.h"

long read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n;

	if (fd < 0 || size == 0)
		return -1;
	n = read_full(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

int text_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *at = text; (at = strstr(at, line)); at++)
		if ((at == text || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0'))
			return 1;
	return 0;
}

/*
 * The daemon at the first of paths that opens, run as `name READYFD`: it
 * writes one byte to READYFD once it serves. Its pid once that byte came;
 * -1 if it could not start or died first.
 */
int start_ready_daemon(const char *const paths[], const char *name)
{
	char fdtext[8], *argv[] = { (char *)name, fdtext, NULL }, byte;
	int ready[2], pid;

	if (pipe2(ready, 0) < 0)
		return -1;
	snprintf(fdtext, sizeof(fdtext), "%d", ready[1]);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		for (int i = 0; paths[i]; i++)
			execv(paths[i], argv); /* returns only if it could not */
		dprintf(2, "%s: cannot run (errno %d)\n", name, errno);
		exit(127);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &byte, 1) != 1)
		pid = -1;
	close(ready[0]);
	return pid;
}

int ensure_daemon(const char *scheme, const char *const paths[], const char *name)
{
	char schemes[1024];

	if (read_text("sys:scheme", schemes, sizeof(schemes)) > 0 && text_has_line(schemes, scheme))
		return 0;
	return start_ready_daemon(paths, name);
}
