/*
 * anode.h - the user library: system-call wrappers (syscall.c), a small C
 * library (stdio.c, malloc.c; strings and formatting shared with the
 * kernel: kernel/lib/string.c, kernel/lib/kprintf.c) for programs in user/.
 * Functions return -1 and set errno on error, like POSIX; the raw
 * sys_NAME wrappers return -errno directly.
 */
#ifndef ANODE_USER_H
#define ANODE_USER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "errno.h"
#include "kprintf.h"
#include "kstring.h"

/* Raw calls, generated from kernel/include/syscall.def. */
#define PARAMS_0 void
#define PARAMS_1 long a0
#define PARAMS_2 long a0, long a1
#define PARAMS_3 long a0, long a1, long a2
#define PARAMS_4 long a0, long a1, long a2, long a3
#define PARAMS_5 long a0, long a1, long a2, long a3, long a4
#define PARAMS_6 long a0, long a1, long a2, long a3, long a4, long a5
#define SYSCALL(name, number, nargs) long sys_##name(PARAMS_##nargs);
#include "syscall.def"
#undef SYSCALL

long syscall6(long number, long a0, long a1, long a2, long a3, long a4, long a5);

extern int errno;

/* POSIX-style wrappers. */
__attribute__((noreturn)) void exit(int status);
int getpid(void);
int fork(void);
int waitpid(int pid, int *status, int options);
int kill(int pid, int signal);
int sched_yield(void);
long write(int fd, const void *buf, size_t len);
int nanosleep(const struct timespec *req, struct timespec *rem);
int clock_gettime(int clock, struct timespec *ts);
void *fmap_anonymous(size_t size, int prot);
int funmap(void *addr, size_t size);
int mprotect(void *addr, size_t size, int prot);
int msleep(long ms);

/* file.c: files through schemes (lab 4). dup's word: NULL or "" shares the
 * description; anything else asks the scheme for a new handle. */
int open(const char *path, int flags);
int close(int fd);
long read(int fd, void *buf, size_t len);
long lseek(int fd, long offset, int whence);
int dup(int fd, const char *word);
int dup2(int fd, int newfd, const char *word);
int fstat(int fd, struct stat *st);
long fpath(int fd, char *buf, size_t len);
int ftruncate(int fd, long len);
int fsync(int fd);
int unlink(const char *path);
int pipe2(int fds[2], int flags);
/* Loops until len bytes are written (-1 on an error) or read (short at end of file). */
long write_all(int fd, const void *buf, size_t len);
long read_full(int fd, void *buf, size_t len);

/* exec.c: running programs (lab 5). The kernel's fexec takes arrays of
 * {pointer, length} pairs; these take C string arrays ending in NULL.
 * They return only on failure (-1, errno). */
struct exec_pair {
	uint64_t addr;
	uint64_t len;
};
extern char **environ;
int fexecv(int fd, char *const argv[], char *const envp[]);
/* Opens path (close-on-exec) and runs it with the current environment. */
int execv(const char *path, char *const argv[]);

/* text.c: a whole small file into buf, NUL-terminated (its length, or -1);
 * whether text has line as one of its lines; a daemon run as
 * `name READYFD` from the first of paths (NULL-terminated) that opens,
 * once it has written its ready byte (its pid, or -1). */
long read_text(const char *path, char *buf, size_t size);
int text_has_line(const char *text, const char *line);
int start_ready_daemon(const char *const paths[], const char *name);
/* start_ready_daemon, unless scheme is served already: 0, the pid, or -1. */
int ensure_daemon(const char *scheme, const char *const paths[], const char *name);

/* stdio.c: buffered stdout, flushed at newline and exit. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The kernel's formatting functions, under their C library names. */
#define snprintf ksnprintf
#define vsnprintf kvsnprintf
void fflush_stdout(void);
/* printf to an fd, unbuffered (lab 4). */
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* malloc.c */
void *malloc(size_t size);
void free(void *ptr);

/* check.c: checks in test programs. check(ok, "what, as printf") counts a
 * check and prints the failed ones; check_done reports and exits (1 if any failed). */
void check_begin(const char *name);
void check_at(int line, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define check(ok, ...) check_at(__LINE__, (ok), __VA_ARGS__)
__attribute__((noreturn)) void check_done(void);

/* waitpid status decoding */
#define WIFEXITED(s) (((s) & 0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WTERMSIG(s) ((s) & 0x7f)

uint64_t parse_u64(const char *s);

/* stub.c: an unwritten exercise says so and the process exits (status 99). */
__attribute__((noreturn)) void lab_not_implemented(int lab, const char *what);

/* The time-stamp counter; under QEMU's -icount it counts guest instructions. */
static inline uint64_t read_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* xorshift64*, the generator the kernel and the grader use for seeded data. */
static inline uint64_t xorshift_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dUL;
}

#endif
