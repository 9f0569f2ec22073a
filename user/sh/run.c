/*
 * run.c - running a pipeline: `a | b | c` as three processes joined by two
 * pipes, the way every Unix shell does it.
 *
 *   shell:  pipe2 x (n-1), O_CLOEXEC   [p0r p0w] [p1r p1w]
 *           fork x n
 *   child i: dup2 its pipe ends onto 0 and 1 (stage 0 keeps the console's
 *           stdin, the last stage its stdout), close every pipe fd and the
 *           shell's private fds, open the program and fexec it
 *   shell:  close its copies of the pipe fds (or no reader ever sees end of
 *           file: the shell would still hold a write end), then wait
 *
 * While it waits, the stage it waits for is the console's foreground
 * process, so Ctrl-C kills it (foreground.c). Stages are waited for from
 * the last one back: the last one's status is $?, and if Ctrl-C killed
 * it, the stages before it are killed too rather than left reading the
 * console with nobody to read their output.
 */
#include "compiler.h"
#include "sh.h"

#define SH_PATH_BYTES (SH_LINE_MAX + 16)

/* The file a command means: NAME itself if it names a scheme (has a ':',
 * e.g. prog:hello), initfs:NAME for an absolute path, else initfs:/bin/NAME. */
LAB_HELPER static void stage_path(const char *name, char *path, size_t size)
{
	if (strchr(name, ':'))
		snprintf(path, size, "%s", name);
	else if (name[0] == '/')
		snprintf(path, size, "initfs:%s", name);
	else
		snprintf(path, size, "initfs:/bin/%s", name);
}

/* In a child, before exec: the fds the shell keeps for itself, sys:power
 * and the console's control handle, must not reach any program. */
LAB_HELPER static void close_shell_fds(void)
{
	close(SH_POWER_FD);
	if (foreground_fd() >= 0)
		close(foreground_fd());
}

/* In a child, once its fds are in place: becomes the stage's program, or
 * exits 127 (no such program) or 126 (there is one, but it cannot run). */
LAB_HELPER NORETURN static void stage_exec(const struct stage *s)
{
	const char *name = s->argv[0];
	char path[SH_PATH_BYTES];
	int fd;

	stage_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		dprintf(2, "sh: %s: command not found\n", name);
		exit(SH_STATUS_NOT_FOUND);
	}
	if (fd >= 0)
		fexecv(fd, s->argv, environ);
	dprintf(2, "sh: %s: cannot run (errno %d)\n", name, errno);
	exit(SH_STATUS_CANNOT_RUN);
}

LAB_HELPER static void close_pipes(int pipes[][2], int count)
{
	for (int i = 0; i < count; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

LAB_HELPER static bool was_killed(int wstatus)
{
	return !WIFEXITED(wstatus);
}

/* A wait status as $?: the exit code, or 128 + the signal that killed it
 * (saying so: a program killed by a fault prints nothing itself). */
LAB_HELPER static int status_code(const struct stage *s, int wstatus)
{
	if (!was_killed(wstatus))
		return WEXITSTATUS(wstatus);
	if (WTERMSIG(wstatus) == SIGKILL)
		write_all(2, "^C\n", 3); /* the usual cause; the console echoed nothing */
	else
		dprintf(2, "sh: %s: killed (signal %d)\n", s->argv[0], WTERMSIG(wstatus));
	return SH_STATUS_SIGNAL_BASE + WTERMSIG(wstatus);
}

/* Waits for one stage, as the console's foreground process; its wait status. */
LAB_HELPER static int wait_stage(int pid)
{
	int wstatus = 0;

	foreground_set(pid);
	if (waitpid(pid, &wstatus, 0) != pid) {
		dprintf(2, "sh: waitpid %d failed (errno %d)\n", pid, errno);
		wstatus = WAIT_EXITED(SH_STATUS_CANNOT_RUN);
	}
	return wstatus;
}

LAB_HELPER static void kill_stages(const int pids[], int count)
{
	for (int i = 0; i < count; i++)
		kill(pids[i], SIGKILL);
}

/* In stage i's child: its stdin from the pipe before it, its stdout into the
 * pipe after it. dup2 clears close-on-exec, so these two survive the exec. */
LAB_HELPER static void connect_stage(int pipes[][2], int i, int count)
{
	// LAB 6.5 BEGIN: dup2 the pipe before onto 0, the pipe after onto 1; close all pipes and the shell's fds
	if (i > 0 && dup2(pipes[i - 1][0], 0, NULL) < 0)
		exit(SH_STATUS_CANNOT_RUN);
	if (i < count - 1 && dup2(pipes[i][1], 1, NULL) < 0)
		exit(SH_STATUS_CANNOT_RUN);
	close_pipes(pipes, count - 1);
	close_shell_fds();
	// LAB 6.5 STUB
	// (void)pipes, (void)i, (void)count;
	// lab_not_implemented(6, "connect_stage");
	// LAB 6.5 END
}

int run_pipeline(struct pipeline *p)
{
	// LAB 6.5 BEGIN: n-1 pipes (O_CLOEXEC); fork each stage (connect_stage, stage_exec); close; wait back to front
	int pipes[SH_MAX_STAGES - 1][2], pids[SH_MAX_STAGES];
	int started, last = 0, n = p->count;

	for (int i = 0; i < n - 1; i++) {
		if (pipe2(pipes[i], O_CLOEXEC) < 0) {
			dprintf(2, "sh: pipe2 failed (errno %d)\n", errno);
			close_pipes(pipes, i);
			return SH_STATUS_CANNOT_RUN;
		}
	}
	for (started = 0; started < n; started++) {
		int pid = fork();

		if (pid < 0) {
			dprintf(2, "sh: fork failed (errno %d)\n", errno);
			break;
		}
		if (pid == 0) {
			connect_stage(pipes, started, n);
			stage_exec(&p->stages[started]);
		}
		pids[started] = pid;
	}
	close_pipes(pipes, n - 1);
	if (started < n) /* half a pipeline is no use: stop what did start */
		kill_stages(pids, started);

	for (int i = started - 1; i >= 0; i--) {
		int wstatus = wait_stage(pids[i]);

		if (i < n - 1)
			continue;
		last = status_code(&p->stages[i], wstatus);
		if (was_killed(wstatus)) /* Ctrl-C: cancel the whole pipeline */
			kill_stages(pids, i);
	}
	foreground_clear();
	return started < n ? SH_STATUS_CANNOT_RUN : last;
	// LAB 6.5 STUB
	// /* Not lab_not_implemented: the shell stays, so its prompt still works. */
	// dprintf(2, "lab 6: not implemented: run_pipeline (user/sh/run.c)\n");
	// (void)p;
	// return SH_STATUS_NOT_FOUND;
	// LAB 6.5 END
}
