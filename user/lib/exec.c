/*
 * exec.c - running programs (lab 5): fexec with C strings, execv by path,
 * and the environment crt0 hands to main.
 *
 * The kernel takes arguments as {pointer, length} pairs, never
 * NUL-terminated strings (kernel/proc/exec.c); these wrappers build the
 * pairs from C arrays, so programs can use the usual argv.
 */
#include "anode.h"

/* Set by crt0 before main. */
char **environ;

static uint64_t exec_count(char *const list[])
{
	uint64_t n = 0;

	while (list && list[n])
		n++;
	return n;
}

static void exec_pairs(struct exec_pair *pairs, char *const list[], uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		pairs[i].addr = (uint64_t)list[i];
		pairs[i].len = strlen(list[i]);
	}
}

int fexecv(int fd, char *const argv[], char *const envp[])
{
	uint64_t argc = exec_count(argv), varc = exec_count(envp);
	struct exec_pair *pairs;
	long err;

	pairs = malloc((argc + varc + 1) * sizeof(*pairs));
	if (!pairs) {
		errno = ENOMEM;
		return -1;
	}
	exec_pairs(pairs, argv, argc);
	exec_pairs(pairs + argc, envp, varc);
	err = sys_fexec(fd, (long)pairs, (long)argc, (long)(pairs + argc), (long)varc);
	free(pairs); /* only reached on failure */
	errno = (int)-err;
	return -1;
}

int execv(const char *path, char *const argv[])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int saved;

	if (fd < 0)
		return -1;
	fexecv(fd, argv, environ);
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
