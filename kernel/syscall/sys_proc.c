/*
 * sys_proc.c - process system calls: exit, waitpid, getpid, kill, clone,
 * yield, and debug_args (lab 3, handout §6). Each handler fetches its
 * arguments into named locals, checks them all, then acts.
 */
#include "errno.h"
#include "proc.h"
#include "syscall.h"
#include "uaccess.h"

int64_t sys_exit(const struct syscall_args *args)
{
	int code = (int)args->a[0];

	proc_exit(WAIT_EXITED(code));
}

int64_t sys_waitpid(const struct syscall_args *args)
{
	int pid = (int)args->a[0];
	struct user_ptr status_out = user_ptr(args->a[1]);
	int options = (int)args->a[2];
	int status = 0, child;

	if (options & ~WNOHANG)
		return -EINVAL;
	/* Check the pointer before a child is reaped, so no status is lost. */
	if (status_out.addr && copy_to_user(status_out, &status, sizeof(status)) < 0)
		return -EFAULT;
	child = proc_wait(pid, &status, options);
	if (child > 0 && status_out.addr && copy_to_user(status_out, &status, sizeof(status)) < 0)
		return -EFAULT;
	return child;
}

int64_t sys_getpid(const struct syscall_args *args)
{
	(void)args;
	return proc_current()->pid;
}

int64_t sys_kill(const struct syscall_args *args)
{
	int pid = (int)args->a[0];
	int signal = (int)args->a[1];

	if (pid <= 0 || signal <= 0 || signal > 64)
		return -EINVAL;
	return proc_kill(pid);
}

int64_t sys_clone(const struct syscall_args *args)
{
	uint64_t flags = args->a[0];

	if (flags != CLONE_NONE)
		return -EINVAL;
	return proc_fork(args->tf);
}

int64_t sys_yield(const struct syscall_args *args)
{
	(void)args;
	sched_yield();
	return 0;
}

/* Anode only: lets tests check that all six argument registers arrive. */
int64_t sys_debug_args(const struct syscall_args *args)
{
	static const uint64_t weights[6] = { 1, 3, 5, 7, 11, 13 };
	uint64_t sum = 0;

	for (int i = 0; i < 6; i++)
		sum += args->a[i] * weights[i];
	return (int64_t)sum;
}
