/*
 * route - lab 4, Exercise 2: paths are routed by the scheme before their
 * first colon. Unknown schemes give -ENODEV, a path without a colon
 * -ENOENT; `:` lists the schemes; the sys: files say what the kernel knows
 * (the command line carries this run's seed); directory reads list names.
 */
#include "anode.h"

#define TEXT_BYTES 4096
#define KERNEL_ADDRESS 0xffffffff80100000L

static char text[TEXT_BYTES];

/* The whole file at path, NUL-terminated in text; its length or -1. */
static long slurp(const char *path)
{
	return read_text(path, text, sizeof(text));
}

int main(int argc, char **argv)
{
	const char *seed = argc > 1 ? argv[1] : "1";
	char want[64], path[64];
	struct stat st;
	int fd;

	check_begin("route");
	check(sys_open((long)"nosuch:file", 11, O_RDONLY) == -ENODEV, "unknown scheme gives -ENODEV");
	check(sys_open((long)"sys", 3, O_RDONLY) == -ENOENT, "a path without ':' gives -ENOENT");
	check(sys_open((long)"sysx:uname", 10, O_RDONLY) == -ENODEV, "a longer name is another scheme");
	check(sys_open((long)"sy:uname", 8, O_RDONLY) == -ENODEV, "a prefix of a name is another scheme");
	check(sys_open((long)"sys:nosuch", 10, O_RDONLY) == -ENOENT, "sys:nosuch gives -ENOENT");
	check(sys_open((long)"sys:uname:x", 11, O_RDONLY) == -ENOENT,
	      "only the first ':' splits: sys:uname:x is 'uname:x' in sys (-ENOENT)");
	check(sys_open((long)":", 0, O_RDONLY) == -ENOENT, "an empty path has no scheme (-ENOENT)");
	/* The length counts, not a NUL: "sys:unameXYZ" cut at 9 bytes is sys:uname. */
	fd = (int)sys_open((long)"sys:unameXYZ", 9, O_RDONLY);
	check(fd >= 0, "a path is (pointer, length): sys:uname within a longer string (%d)", fd);
	close(fd);
	check(slurp("sys:uname") > 0 && strncmp(text, "Anode ", 6) == 0 && strstr(text, "lab 4"),
	      "sys:uname names Anode and lab 4: '%s'", text);
	snprintf(want, sizeof(want), "arg=%s", seed);
	check(slurp("sys:cmdline") > 0 && strstr(text, want) != NULL,
	      "sys:cmdline holds '%s': '%s'", want, text);
	check(slurp(":") > 0 && text_has_line(text, "debug") && text_has_line(text, "pipe") &&
	      text_has_line(text, "sys"), "':' lists debug, pipe and sys: '%s'", text);
	check(slurp("sys:scheme") > 0 && text_has_line(text, "sys"), "sys:scheme lists sys");
	check(slurp("sys:") > 0 && text_has_line(text, "uname") && text_has_line(text, "cmdline") &&
	      text_has_line(text, "context") && text_has_line(text, "memory"),
	      "reading sys: lists its files: '%s'", text);
	snprintf(want, sizeof(want), "%d 0 running route", getpid());
	check(slurp("sys:context") > 0 && text_has_line(text, want), "sys:context has '%s'", want);
	check(slurp("sys:memory") > 0 && strstr(text, "frames total"), "sys:memory");
	/* One open file: fstat, fpath, lseek, and reading in pieces. */
	fd = open("sys:uname", O_RDONLY);
	check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & MODE_TYPE) == MODE_FILE && st.st_size > 6,
	      "fstat(sys:uname): a file of its size");
	check(fpath(fd, path, sizeof(path)) == 9 && strncmp(path, "sys:uname", 9) == 0,
	      "fpath gives sys:uname");
	{
		char a[4] = { 0 }, b[4] = { 0 };

		check(read(fd, a, 3) == 3 && lseek(fd, 0, SEEK_CUR) == 3 && lseek(fd, 1, SEEK_SET) == 1 &&
		      read(fd, b, 3) == 3 && memcmp(a + 1, b, 2) == 0, "read, lseek and read again");
		check(lseek(fd, 0, SEEK_END) == (long)st.st_size && read(fd, a, 3) == 0,
		      "at the end a read gives 0");
		check(sys_lseek(fd, -1, SEEK_SET) == -EINVAL && sys_lseek(fd, 0, 7) == -EINVAL,
		      "lseek before the start or with a bad whence gives -EINVAL");
	}
	check(sys_write(fd, (long)"x", 1) == -EBADF, "writing a file opened O_RDONLY gives -EBADF");
	close(fd);
	check(sys_open((long)"sys:uname", 9, O_WRONLY) == -EROFS, "sys: is read-only (-EROFS)");
	fd = open("sys:", O_RDONLY | O_DIRECTORY);
	check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & MODE_TYPE) == MODE_DIR,
	      "sys: is a directory");
	close(fd);
	check(sys_open((long)"sys:uname", 9, O_RDONLY | O_DIRECTORY) == -ENOTDIR,
	      "O_DIRECTORY on a file gives -ENOTDIR");
	fd = open("debug:", O_WRONLY);
	check(fd >= 3 && dprintf(fd, "route: through %s\n", "debug:") == 22, "debug: prints");
	close(fd);
	check(sys_unlink((long)"sys:uname", 9) < 0, "unlink on sys: fails");
	/* Bad pointers: -EFAULT, whatever the scheme. */
	fd = open("sys:uname", O_RDONLY);
	check(sys_open(0, 9, O_RDONLY) == -EFAULT && sys_open(KERNEL_ADDRESS, 9, O_RDONLY) == -EFAULT,
	      "open with a bad path pointer gives -EFAULT");
	check(sys_read(fd, 0, 10) == -EFAULT && sys_read(fd, KERNEL_ADDRESS, 10) == -EFAULT &&
	      sys_read(fd, (long)"read-only", 4) == -EFAULT, "read into a bad buffer gives -EFAULT");
	check(sys_fstat(fd, 0, sizeof(st)) == -EFAULT && sys_fpath(fd, KERNEL_ADDRESS, 8) == -EFAULT,
	      "fstat and fpath into bad buffers give -EFAULT");
	check(sys_fstat(fd, (long)&st, 8) == -EINVAL, "fstat with a short buffer gives -EINVAL");
	check(sys_write(1, KERNEL_ADDRESS, 8) == -EFAULT && sys_pipe2(0, 0) == -EFAULT &&
	      sys_dup(fd, KERNEL_ADDRESS, 4) == -EFAULT, "write, pipe2, dup with bad pointers: -EFAULT");
	close(fd);
	check_done();
}
