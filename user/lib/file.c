/*
 * file.c - POSIX-style wrappers of the file calls (lab 4). Paths and
 * buffers go to the kernel as (pointer, length), as Redox passes them; the
 * wrappers take C strings. Each returns -1 and sets errno on failure.
 */
#include "anode.h"

static long file_result(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

int open(const char *path, int flags)
{
	return (int)file_result(sys_open((long)path, (long)strlen(path), flags));
}

int close(int fd)
{
	return (int)file_result(sys_close(fd));
}

long read(int fd, void *buf, size_t len)
{
	return file_result(sys_read(fd, (long)buf, (long)len));
}

long lseek(int fd, long offset, int whence)
{
	return file_result(sys_lseek(fd, offset, whence));
}

int dup(int fd, const char *word)
{
	return (int)file_result(sys_dup(fd, (long)word, word ? (long)strlen(word) : 0));
}

int dup2(int fd, int newfd, const char *word)
{
	return (int)file_result(sys_dup2(fd, newfd, (long)word, word ? (long)strlen(word) : 0));
}

int fstat(int fd, struct stat *st)
{
	return (int)file_result(sys_fstat(fd, (long)st, sizeof(*st)));
}

long fpath(int fd, char *buf, size_t len)
{
	return file_result(sys_fpath(fd, (long)buf, (long)len));
}

int ftruncate(int fd, long len)
{
	return (int)file_result(sys_ftruncate(fd, len));
}

int fsync(int fd)
{
	return (int)file_result(sys_fsync(fd));
}

int unlink(const char *path)
{
	return (int)file_result(sys_unlink((long)path, (long)strlen(path)));
}

int pipe2(int fds[2], int flags)
{
	uint64_t raw[2];
	long r = file_result(sys_pipe2((long)raw, flags));

	if (r < 0)
		return -1;
	fds[0] = (int)raw[0];
	fds[1] = (int)raw[1];
	return 0;
}

long write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		long n = write(fd, (const char *)buf + done, len - done);

		if (n <= 0)
			return n < 0 ? -1 : (long)done;
		done += (size_t)n;
	}
	return (long)done;
}

long read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		long n = read(fd, (char *)buf + done, len - done);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (long)done;
}
