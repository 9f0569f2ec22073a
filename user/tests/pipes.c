/*
 * pipes - lab 4, Exercise 3: pipe2. Seeded data, several times the pipe's
 * 4 KiB, goes from a child to its parent in seeded pieces, and its
 * checksum must match; end of file once every writer is closed (the
 * child's copies too); -EPIPE once no reader is left; O_NONBLOCK gives
 * -EAGAIN on an empty pipe and on a full one.
 */
#include "anode.h"

#define TOTAL_BYTES (5 * 4096 + 123)
#define PIECE_MAX 1500

static uint64_t checksum(uint64_t sum, const unsigned char *p, long n)
{
	for (long i = 0; i < n; i++)
		sum = (sum ^ p[i]) * 0x100000001b3UL;
	return sum;
}

static unsigned char buf[PIECE_MAX];

/* The child: writes TOTAL_BYTES of seeded data in seeded pieces, exits with nothing else open. */
static void writer(int fd, uint64_t seed)
{
	uint64_t data = seed, pieces = seed ^ 0x5555, sent = 0, sum = 0xcbf29ce484222325UL;

	while (sent < TOTAL_BYTES) {
		uint64_t n = 1 + xorshift_next(&pieces) % PIECE_MAX;

		if (n > TOTAL_BYTES - sent)
			n = TOTAL_BYTES - sent;
		for (uint64_t i = 0; i < n; i++)
			buf[i] = (unsigned char)xorshift_next(&data);
		sum = checksum(sum, buf, (long)n);
		if (write_all(fd, buf, n) != (long)n)
			exit(2);
		sent += n;
	}
	printf("pipes: child sent %d bytes, checksum %lx\n", TOTAL_BYTES, sum);
	exit(0);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1, sum = 0xcbf29ce484222325UL;
	uint64_t data = seed, want = 0xcbf29ce484222325UL;
	long got = 0, n;
	int fds[2], status, child;

	check_begin("pipes");
	check(pipe2(fds, 0) == 0, "pipe2");
	child = fork();
	if (child == 0) {
		close(fds[0]);
		writer(fds[1], seed);
	}
	close(fds[1]);
	/* Reads return what is there: between 1 byte and what was asked. */
	while ((n = read(fds[0], buf, 1 + (got * 7) % PIECE_MAX)) > 0) {
		sum = checksum(sum, buf, n);
		got += n;
	}
	for (long i = 0; i < TOTAL_BYTES; i++) {
		unsigned char b = (unsigned char)xorshift_next(&data);

		want = checksum(want, &b, 1);
	}
	check(n == 0, "end of file once the writer is gone (read gave %ld, errno %d)", n, errno);
	check(got == TOTAL_BYTES, "received %ld bytes, expected %d", got, TOTAL_BYTES);
	check(sum == want, "checksum %lx, expected %lx", sum, want);
	printf("pipes: parent received %ld bytes, checksum %lx\n", got, sum);
	check(waitpid(child, &status, 0) == child && status == 0, "the writer exited 0 (0x%x)", status);
	close(fds[0]);

	/* One write four times the ring: it must wake the reader after each piece. */
	{
		static unsigned char big[4 * 4096 + 77];
		int child2;

		check(pipe2(fds, 0) == 0, "pipe2 for the big write");
		child2 = fork();
		if (child2 == 0) {
			close(fds[0]);
			memset(big, 0x5a, sizeof(big));
			exit(write(fds[1], big, sizeof(big)) == (long)sizeof(big) ? 0 : 1);
		}
		close(fds[1]);
		got = read_full(fds[0], big, sizeof(big));
		check(got == (long)sizeof(big) && big[sizeof(big) - 1] == 0x5a,
		      "one write of %lu bytes arrives whole (got %ld)", sizeof(big), got);
		check(waitpid(child2, &status, 0) == child2 && status == 0,
		      "the big write returned its full count (0x%x)", status);
		close(fds[0]);
	}

	/* No reader: -EPIPE, and the writer goes on. */
	check(pipe2(fds, 0) == 0 && close(fds[0]) == 0, "pipe2, close the read end");
	check(sys_write(fds[1], (long)buf, 10) == -EPIPE, "writing with no reader gives -EPIPE");
	close(fds[1]);

	/* O_NONBLOCK: empty -> -EAGAIN; fill to the brim -> -EAGAIN with what fitted counted. */
	check(pipe2(fds, O_NONBLOCK) == 0, "pipe2(O_NONBLOCK)");
	check(sys_read(fds[0], (long)buf, 10) == -EAGAIN, "an empty non-blocking pipe gives -EAGAIN");
	{
		long total = 0;

		while ((n = sys_write(fds[1], (long)buf, sizeof(buf))) > 0)
			total += n;
		check(n == -EAGAIN && total == 4096, "a full pipe: %ld bytes in, then %ld", total, n);
		check(sys_read(fds[0], (long)buf, 100) == 100, "then reading makes room");
		check(sys_write(fds[1], (long)buf, 200) == 100, "and a write takes only what fits");
	}
	/* A reader sees the end of file only after the last writer (a dup) closes. */
	{
		int extra = dup(fds[1], NULL);

		close(fds[1]);
		while (sys_read(fds[0], (long)buf, sizeof(buf)) > 0)
			;
		check(sys_read(fds[0], (long)buf, 10) == -EAGAIN, "a dup of the writer keeps it open");
		close(extra);
		check(sys_read(fds[0], (long)buf, 10) == 0, "the last writer closed: end of file");
		close(fds[0]);
	}
	check(sys_read(fds[1], (long)buf, 1) == -EBADF, "the closed write end gives -EBADF");
	check(pipe2(fds, 0) == 0, "pipe2 again");
	check(sys_read(fds[1], (long)buf, 1) == -EBADF && sys_write(fds[0], (long)buf, 1) == -EBADF,
	      "reading the write end or writing the read end gives -EBADF");
	check(sys_pipe2((long)buf, 0x7) == -EINVAL, "pipe2 with unknown flags gives -EINVAL");
	check_done();
}
