/*
 * builtin.c - the commands the shell runs itself, without a fork: `exit`
 * must end the shell, not a child; `poweroff` uses the shell's own fd 3;
 * `help` is here so that it works even when nothing else does.
 */
#include "sh.h"

#define HELP_LISTING_BYTES 4096
#define HELP_COLUMNS 72

struct builtin {
	const char *name;
	const char *usage;
	int (*run)(const struct stage *s, int last_status);
};

/* exit [N]: N, or (as POSIX says) the last command's status. */
static int builtin_exit(const struct stage *s, int last_status)
{
	uint64_t code = (uint64_t)last_status;

	if (s->argc > 2 || (s->argc == 2 && (str_to_u64(s->argv[1], &code) < 0 || code > 255))) {
		dprintf(2, "usage: exit [N], N from 0 to 255\n");
		return SH_STATUS_USAGE;
	}
	exit((int)code);
}

/*
 * Only init may open sys:power for writing; it lends its fd to the shell
 * as fd 3. Anything else at fd 3 (the shell started by hand, or by
 * init.run) means we were not given the right to power off.
 */
static int builtin_poweroff(const struct stage *s, int last_status)
{
	char path[32];
	long n;

	if (s->argc != 1) {
		dprintf(2, "usage: poweroff\n");
		return SH_STATUS_USAGE;
	}
	n = fpath(SH_POWER_FD, path, sizeof(path) - 1);
	if (n < 0 || (path[n] = '\0', strcmp(path, "sys:power") != 0)) {
		dprintf(2, "poweroff: not allowed\n");
		return 1;
	}
	if (write(SH_POWER_FD, "0\n", 2) != 2) {
		dprintf(2, "poweroff: errno %d\n", errno);
		return 1;
	}
	/* init is going down, and with it every process: nothing left to do. */
	exit(0);
}

static int builtin_help(const struct stage *s, int last_status);

static const struct builtin builtins[] = {
	{ "exit", "exit [N]    leave the shell (status N, else the last status)", builtin_exit },
	{ "help", "help        this list", builtin_help },
	{ "poweroff", "poweroff    turn the machine off", builtin_poweroff },
	{ NULL, NULL, NULL },
};

/* Prints the names of a directory listing (one per line) as wrapped text. */
static void help_print_listing(const char *path)
{
	static char listing[HELP_LISTING_BYTES];
	int fd = open(path, O_RDONLY), column = 0;
	long n;

	if (fd < 0) {
		printf("  (cannot read %s: errno %d)\n", path, errno);
		return;
	}
	n = read_full(fd, listing, sizeof(listing) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	listing[n] = '\0';
	for (char *name = listing, *end; *name; name = end) {
		int len;

		end = strchr(name, '\n');
		if (!end)
			end = name + strlen(name);
		len = (int)(end - name);
		if (*end)
			*end++ = '\0';
		if (len == 0)
			continue;
		if (column > 0 && column + 1 + len > HELP_COLUMNS) {
			printf("\n");
			column = 0;
		}
		printf(column ? " %s" : "  %s", name);
		column += len + (column ? 1 : 2);
	}
	printf("\n");
}

static int builtin_help(const struct stage *s, int last_status)
{
	printf("builtins:\n");
	for (const struct builtin *b = builtins; b->name; b++)
		printf("  %s\n", b->usage);
	printf("programs (initfs:/bin; any other NAME with a ':' is run as that file):\n");
	help_print_listing("initfs:/bin");
	printf("a | b | c pipes one command into the next (up to 8); $? is the last status\n");
	return 0;
}

bool builtin_run(const struct stage *s, int last_status, int *status)
{
	for (const struct builtin *b = builtins; b->name; b++) {
		if (strcmp(s->argv[0], b->name) == 0) {
			*status = b->run(s, last_status);
			return true;
		}
	}
	return false;
}
