/*
 * fdtable - lab 4, Exercise 1: the file-descriptor table, with pipes and
 * the console only (no path is opened, so routing is not needed yet).
 * Lowest free fd first, -EMFILE when full, -EBADF for a bad fd, dup and
 * dup2, descriptors shared with a forked child, and every description
 * released (the kernel's leak check at the end counts them).
 */
#include "anode.h"

static int open_pipe(int fds[2])
{
	return pipe2(fds, 0);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1;
	int fds[2], more[2], n = 0, status;
	struct stat st;

	check_begin("fdtable");
	check(fstat(0, &st) == 0 && fstat(1, &st) == 0 && fstat(2, &st) == 0,
	      "fds 0-2 are open on debug: (fstat errno %d)", errno);
	check(open_pipe(fds) == 0 && fds[0] == 3 && fds[1] == 4, "pipe2 gives fds 3 and 4, got %d %d",
	      fds[0], fds[1]);
	check(close(3) == 0, "close(3)");
	check(close(0) == 0 && dup(1, NULL) == 0, "fd 0 is reused like any other (lowest free)");
	check(open_pipe(more) == 0 && more[0] == 3 && more[1] == 5,
	      "the lowest free fds come first: expected 3 and 5, got %d %d", more[0], more[1]);
	/* Seeded holes: close some, and the next fds fill them lowest first. */
	{
		int hole = 6 + (int)(xorshift_next(&seed) % 20), got;

		while (n < 40) {
			if (dup(4, NULL) < 0)
				break;
			n++;
		}
		check(n == 40, "40 dups of fd 4 (errno %d after %d)", errno, n);
		check(close(hole) == 0 && close(hole + 3) == 0, "close %d and %d", hole, hole + 3);
		got = dup(5, "");
		check(got == hole, "dup after closing %d and %d gave %d", hole, hole + 3, got);
		got = dup(5, NULL);
		check(got == hole + 3, "the next dup gave %d, expected %d", got, hole + 3);
	}
	/* Fill the table: exactly 64 fds, then -EMFILE, and nothing changed. */
	{
		int extra = 0, d;

		while ((d = dup(1, NULL)) >= 0)
			extra++;
		check(errno == EMFILE, "a full table gives EMFILE, got errno %d", errno);
		check(sys_pipe2((long)more, 0) == -EMFILE, "pipe2 with a full table gives -EMFILE");
		check(close(63) == 0 && dup(1, NULL) == 63, "after closing 63, dup gives 63");
		(void)extra;
	}
	/* Close-on-exec bits set: the words next to the table are not zero. */
	close(62);
	close(63);
	check(pipe2(more, O_CLOEXEC) == 0 && more[0] == 62, "pipe2(O_CLOEXEC) (errno %d)", errno);
	check(sys_close(64) == -EBADF && sys_close(-1) == -EBADF && sys_close(1L << 40) == -EBADF &&
	      sys_fstat(64, (long)&st, sizeof(st)) == -EBADF && sys_dup(65, 0, 0) == -EBADF,
	      "fds outside the table (64, 65, -1, 2^40) give -EBADF");
	check(sys_read(64, 0, 0) == -EBADF && sys_write(9999, 0, 0) == -EBADF,
	      "read/write of fds outside the table give -EBADF");
	for (int fd = 6; fd < 64; fd++)
		close(fd);
	check(sys_close(7) == -EBADF && sys_fstat(7, (long)&st, sizeof(st)) == -EBADF,
	      "a closed fd gives -EBADF");
	/* dup2 puts a description exactly there, replacing what was open. */
	check(dup2(4, 20, NULL) == 20 && fstat(20, &st) == 0, "dup2(4, 20)");
	check(dup2(0, 20, NULL) == 20 && fstat(20, &st) == 0 && (st.st_mode & MODE_TYPE) == MODE_CHR,
	      "dup2 onto an open fd replaces it (mode 0%o)", st.st_mode);
	check(sys_dup2(4, 64, 0, 0) == -EBADF && sys_dup2(30, 21, 0, 0) == -EBADF,
	      "dup2 to or from a bad fd gives -EBADF");
	/* fork: the child has the same fds; closing its copies leaves the parent's. */
	{
		int child = fork();

		if (child == 0) {
			int bad = 0;

			for (int fd = 0; fd < 6; fd++)
				bad += fstat(fd, &st) != 0;
			bad += fstat(20, &st) != 0;
			close(3);
			close(4);
			exit(bad);
		}
		check(waitpid(child, &status, 0) == child && WEXITSTATUS(status) == 0,
		      "the child sees fds 0-5 and 20 (status 0x%x)", status);
		check(fstat(3, &st) == 0 && fstat(4, &st) == 0,
		      "the child's close leaves the parent's fds open");
	}
	/* A child that exits with fds open: exit closes them (the leak check counts). */
	{
		int child = fork();

		if (child == 0) {
			int p[2];

			for (int i = 0; i < 10; i++)
				pipe2(p, 0);
			exit(0);
		}
		waitpid(child, &status, 0);
	}
	check_done();
}
