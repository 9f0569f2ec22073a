/*
 * syscall.c - user-side system calls: the raw sys_NAME wrappers generated
 * from the kernel's syscall.def, and the POSIX-style ones programs use.
 */
#include "anode.h"

int errno;

/* rax = number; arguments in rdi, rsi, rdx, r10, r8, r9 (handouts/lab3-syscalls.md §2). */
long syscall6(long number, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long result;

	__asm__ volatile("syscall"
			 : "=a"(result)
			 : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return result;
}

#define ARGS_0 0, 0, 0, 0, 0, 0
#define ARGS_1 a0, 0, 0, 0, 0, 0
#define ARGS_2 a0, a1, 0, 0, 0, 0
#define ARGS_3 a0, a1, a2, 0, 0, 0
#define ARGS_4 a0, a1, a2, a3, 0, 0
#define ARGS_5 a0, a1, a2, a3, a4, 0
#define ARGS_6 a0, a1, a2, a3, a4, a5
#define SYSCALL(name, number, nargs) \
	long sys_##name(PARAMS_##nargs) { return syscall6((long)(number), ARGS_##nargs); }
#include "syscall.def"
#undef SYSCALL

static long posix_result(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

__attribute__((noreturn)) void exit(int status)
{
	fflush_stdout();
	sys_exit(status);
	for (;;)
		;
}

int getpid(void)
{
	return (int)sys_getpid();
}

int fork(void)
{
	fflush_stdout(); /* or the child would print the parent's buffered text again */
	return (int)posix_result(sys_clone(CLONE_NONE));
}

int waitpid(int pid, int *status, int options)
{
	return (int)posix_result(sys_waitpid(pid, (long)status, options));
}

int kill(int pid, int signal)
{
	return (int)posix_result(sys_kill(pid, signal));
}

int sched_yield(void)
{
	return (int)posix_result(sys_yield());
}

long write(int fd, const void *buf, size_t len)
{
	return posix_result(sys_write(fd, (long)buf, (long)len));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)posix_result(sys_nanosleep((long)req, (long)rem));
}

int msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	return nanosleep(&ts, NULL);
}

int clock_gettime(int clock, struct timespec *ts)
{
	return (int)posix_result(sys_clock_gettime(clock, (long)ts));
}

void *fmap_anonymous(size_t size, int prot)
{
	struct fmap_request req = { .offset = 0, .size = size, .flags = (uint64_t)prot, .address = 0 };
	long r = posix_result(sys_fmap((long)FMAP_ANONYMOUS_FD, (long)&req, sizeof(req)));

	return r == -1 ? NULL : (void *)r;
}

int funmap(void *addr, size_t size)
{
	return (int)posix_result(sys_funmap((long)addr, (long)size));
}

int mprotect(void *addr, size_t size, int prot)
{
	return (int)posix_result(sys_mprotect((long)addr, (long)size, prot));
}

uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	str_to_u64(s, &v);
	return v;
}
