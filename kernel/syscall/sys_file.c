/*
 * sys_file.c - file and path system calls (lab 3 placeholders).
 *
 * Files are reached through schemes, which arrive in lab 4. Until then
 * only fds 1 and 2 exist: writing to them prints on the console. Every
 * other file or path call returns -ENOSYS (or -EBADF for a bad fd).
 */
#include "console.h"
#include "errno.h"
#include "syscall.h"
#include "uaccess.h"

#define WRITE_CHUNK_BYTES 256

int64_t sys_write(const struct syscall_args *args)
{
	uint64_t fd = args->a[0];
	struct user_ptr buf = user_ptr(args->a[1]);
	uint64_t len = args->a[2];
	char chunk[WRITE_CHUNK_BYTES];

	if (fd != 1 && fd != 2)
		return -EBADF;
	/* Check the whole buffer first: a bad one prints nothing. */
	if (user_check_readable(buf, len) < 0)
		return -EFAULT;
	for (uint64_t done = 0; done < len; done += WRITE_CHUNK_BYTES) {
		uint64_t n = len - done < WRITE_CHUNK_BYTES ? len - done : WRITE_CHUNK_BYTES;

		copy_from_user(chunk, user_ptr_add(buf, done), n);
		console_write(chunk, n);
	}
	return (int64_t)len;
}

int64_t sys_read(const struct syscall_args *args)
{
	(void)args;
	return -EBADF;
}

#define LAB4_PLACEHOLDER(name)                                      \
	int64_t sys_##name(const struct syscall_args *args)        \
	{                                                           \
		(void)args;                                         \
		return -ENOSYS;                                     \
	}

LAB4_PLACEHOLDER(open)
LAB4_PLACEHOLDER(unlink)
LAB4_PLACEHOLDER(close)
LAB4_PLACEHOLDER(lseek)
LAB4_PLACEHOLDER(dup)
LAB4_PLACEHOLDER(dup2)
LAB4_PLACEHOLDER(fstat)
LAB4_PLACEHOLDER(fpath)
LAB4_PLACEHOLDER(ftruncate)
LAB4_PLACEHOLDER(fsync)
LAB4_PLACEHOLDER(fexec)
LAB4_PLACEHOLDER(pipe2)
