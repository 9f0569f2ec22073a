/*
 * init - the first real program (lab 5, handout §3). bootstrap execs it as
 * pid 1 once the initfs: daemon serves the image.
 *
 * It reads the kernel command line from sys:cmdline:
 *   init.run=PROG [-- ARGS...]  runs initfs:/bin/PROG (or PROG itself when
 *                               it names a scheme, e.g. prog:hello) with
 *                               the words after "--" as its arguments, then
 *                               powers the machine off with its exit status
 *                               (sys:power), so the grader sees the status
 *   otherwise                   from lab 6 on, starts the shell (and
 *                               a new one whenever it exits); before that
 *                               it says so and waits
 *
 * From lab 6 on it first starts ipcd (chan: and shm:) and waits until ipcd
 * says it serves, so every program, init.run's too, finds them. The shell
 * gets sys:power as fd 3, its `poweroff`; nothing else does.
 */
#include "anode.h"

#define INIT_CMDLINE_BYTES 1024
#define INIT_MAX_ARGS 32

/* The words of the kernel command line, split in place. */
struct init_cmdline {
	char text[INIT_CMDLINE_BYTES];
	char *words[INIT_MAX_ARGS + 8];
	int count;
};

static void init_split(struct init_cmdline *c)
{
	char *s = c->text;

	c->count = 0;
	while (*s && c->count < (int)(sizeof(c->words) / sizeof(c->words[0]))) {
		while (*s == ' ' || *s == '\n')
			*s++ = '\0';
		if (!*s)
			break;
		c->words[c->count++] = s;
		while (*s && *s != ' ' && *s != '\n')
			s++;
	}
}

static const char *init_word_value(const struct init_cmdline *c, const char *key)
{
	size_t n = strlen(key);

	for (int i = 0; i < c->count; i++) {
		if (strcmp(c->words[i], "--") == 0)
			break;
		if (strncmp(c->words[i], key, n) == 0 && c->words[i][n] == '=')
			return c->words[i] + n + 1;
	}
	return NULL;
}

/* The boot's last lab stage, from sys:uname ("Anode 0.1 x86_64 lab N"). */
static int init_boot_lab(void)
{
	char text[64];
	const char *lab;

	int n = 0;

	if (read_text("sys:uname", text, sizeof(text)) < 0 || !(lab = strstr(text, "lab ")))
		return 0;
	for (lab += 4; *lab >= '0' && *lab <= '9'; lab++)
		n = n * 10 + (*lab - '0');
	return n;
}

/*
 * Runs PROG with args as a child and returns what init powers off with:
 * its exit status, 128 + the fault if one killed it, or 127 if it could
 * not be started.
 */
static int init_run(const char *prog, char *args[], int nargs)
{
	// LAB 5.3 BEGIN: path initfs:/bin/PROG (PROG if it has ':'); fork; child: open + fexecv; wait
	char path[128], *argv[INIT_MAX_ARGS + 2];
	int pid, status = 0;

	snprintf(path, sizeof(path), strchr(prog, ':') ? "%s" : "initfs:/bin/%s", prog);
	argv[0] = (char *)prog;
	for (int i = 0; i < nargs && i < INIT_MAX_ARGS; i++)
		argv[i + 1] = args[i];
	argv[nargs < INIT_MAX_ARGS ? nargs + 1 : INIT_MAX_ARGS + 1] = NULL;
	pid = fork();
	if (pid < 0) {
		printf("init: fork failed (errno %d)\n", errno);
		return 127;
	}
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			fexecv(fd, argv, environ);
		dprintf(2, "init: cannot run %s (errno %d)\n", path, errno);
		exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("init: waitpid failed (errno %d)\n", errno);
		return 127;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	// LAB 5.3 STUB
	// (void)prog, (void)args, (void)nargs;
	// lab_not_implemented(5, "init_run");
	// LAB 5.3 END
}

/* Lab 6: runs `ipcd READYFD` and waits for its byte: 0, or -1. */
static int init_start_ipcd(void)
{
	static const char *const paths[] = { "initfs:/bin/ipcd", NULL };
	int pid = start_ready_daemon(paths, "ipcd");

	if (pid < 0) {
		printf("init: ipcd did not start\n");
		return -1;
	}
	printf("init: ipcd serves chan: and shm: (pid %d)\n", pid);
	return 0;
}

/* Lab 6: the shell, again whenever it exits; sys:power is its fd 3. */
__attribute__((noreturn)) static void init_shell_loop(void)
{
	int power = open("sys:power", O_WRONLY);

	if (power >= 0 && power != 3) {
		dup2(power, 3, NULL);
		close(power);
	}
	printf("init: starting the shell, tsc %lu\n", read_tsc());
	fflush_stdout();
	for (;;) {
		char *argv[] = { "sh", NULL };
		int status = 0, pid = fork();

		if (pid == 0) {
			execv("initfs:/bin/sh", argv);
			dprintf(2, "init: cannot run initfs:/bin/sh (errno %d)\n", errno);
			exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status == WAIT_EXITED(127)) {
			printf("init: the shell cannot run; powering off\n");
			fflush_stdout();
			write(3, "1\n", 2);
			exit(1);
		}
		printf("init: the shell exited (status 0x%x); starting a new one\n", status);
	}
}

__attribute__((noreturn)) static void init_power_off(int status)
{
	char text[8];
	int fd = open("sys:power", O_WRONLY);
	int n = snprintf(text, sizeof(text), "%d\n", status & 0xff);

	fflush_stdout();
	if (fd < 0 || write(fd, text, (size_t)n) < 0)
		printf("init: cannot power off (errno %d)\n", errno);
	exit(status);
}

int main(int argc, char **argv)
{
	static struct init_cmdline cmdline;
	const char *run;
	int lab, first_arg = 0;

	(void)argc, (void)argv;
	if (read_text("sys:cmdline", cmdline.text, sizeof(cmdline.text)) < 0)
		printf("init: cannot read sys:cmdline (errno %d)\n", errno);
	init_split(&cmdline);
	lab = init_boot_lab();
	printf("init: pid %d, lab %d, tsc %lu\n", getpid(), lab, read_tsc());
	run = init_word_value(&cmdline, "init.run");
	if (lab >= 6 && init_start_ipcd() < 0 && !run)
		init_power_off(1);
	if (run) {
		for (int i = 0; i < cmdline.count && !first_arg; i++)
			if (strcmp(cmdline.words[i], "--") == 0)
				first_arg = i + 1;
		printf("init: running %s\n", run);
		fflush_stdout();
		int status = init_run(run, cmdline.words + (first_arg ? first_arg : cmdline.count),
				      first_arg ? cmdline.count - first_arg : 0);
		printf("init: %s exited with status %d\n", run, status);
		init_power_off(status);
	}
	if (lab < 6) {
		printf("init: nothing to run: boot with init.run=PROG (lab 6 starts the shell)\n");
		fflush_stdout();
		for (;;) {
			int status;

			if (waitpid(-1, &status, 0) < 0)
				msleep(1000);
		}
	}
	fflush_stdout();
	init_shell_loop();
}
