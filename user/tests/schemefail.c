/*
 * schemefail - lab 4, Exercise 5: what a user scheme must survive. Every
 * scenario runs a fresh daemon (a forked child) that misbehaves on
 * purpose, and clients that must get a clear error instead of hanging:
 *   died     daemon killed with one request in flight and one queued: -EIO
 *   closed   daemon closes its scheme fd: -EIO, then -ENODEV
 *   replies  unknown id, double reply, torn and oversized answers: -EINVAL
 *   killed   a client killed while waiting: the late answer is dropped, and
 *            the handle it opened comes back to the daemon as a close
 *   self     a daemon calling its own scheme: -EDEADLK
 *   faults   bad pointers, short buffers, O_NONBLOCK; the bounce page is
 *            not copied by fork
 */
#include "anode.h"

#define PACKET ((long)sizeof(struct scheme_packet))

static int ready_pipe[2];

/* Forks a daemon that registers name and runs body(sfd); returns its pid once registered. */
static int start_daemon(const char *name, void (*body)(int sfd))
{
	char path[32], c;
	int pid;

	pipe2(ready_pipe, 0);
	pid = fork();
	if (pid == 0) {
		int sfd;

		close(ready_pipe[0]);
		snprintf(path, sizeof(path), ":%s", name);
		sfd = open(path, O_CREAT | O_RDWR);
		if (sfd < 0)
			exit(90);
		write(ready_pipe[1], "r", 1);
		close(ready_pipe[1]);
		body(sfd);
		exit(0);
	}
	close(ready_pipe[1]);
	read(ready_pipe[0], &c, 1);
	close(ready_pipe[0]);
	return pid;
}

/* A client that opens path and exits 0 if the result is want (errno for < 0). */
static int start_open_client(const char *path, long want)
{
	int pid = fork();

	if (pid == 0) {
		long r = sys_open((long)path, (long)strlen(path), O_RDWR);

		if (r != want)
			printf("schemefail: open(%s) gave %ld, expected %ld\n", path, r, want);
		exit(r == want ? 0 : 1);
	}
	return pid;
}

static int wait_ok(int pid)
{
	int status = -1;

	return waitpid(pid, &status, 0) == pid && status == 0;
}

/* Reads one packet at a time and never answers: then waits to be killed. */
static void hold_one(int sfd)
{
	struct scheme_packet p;

	read(sfd, &p, sizeof(p));
	for (;;)
		msleep(1000);
}

static void close_after_one(int sfd)
{
	struct scheme_packet p;

	read(sfd, &p, sizeof(p));
	msleep(30);         /* a second client queues meanwhile */
	close(sfd);
	for (;;)
		msleep(1000);
}

static void died(void)
{
	int d = start_daemon("died", hold_one);
	int a = start_open_client("died:a", -EIO);
	int b;

	msleep(20);
	b = start_open_client("died:b", -EIO);
	msleep(20);
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);
	check(wait_ok(a) && wait_ok(b), "died: in-flight and queued requests get -EIO");
	check(sys_open((long)"died:c", 6, O_RDWR) == -ENODEV, "died: then -ENODEV");
}

static void closed(void)
{
	int d = start_daemon("closed", close_after_one);
	int a = start_open_client("closed:a", -EIO), b;

	msleep(10);
	b = start_open_client("closed:b", -EIO);
	check(wait_ok(a) && wait_ok(b), "closed: in-flight and queued requests get -EIO");
	check(sys_open((long)"closed:c", 8, O_RDWR) == -ENODEV, "closed: then -ENODEV");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);
}

/* Answers the open with handle 1, so the client's next call reaches us. */
static void answer_open(int sfd)
{
	struct scheme_packet p;

	read(sfd, &p, sizeof(p));
	p.a = 1;
	write(sfd, &p, sizeof(p));
}

static void bad_replies(int sfd)
{
	struct scheme_packet p, q[2];
	int bad = 0;

	answer_open(sfd);
	read(sfd, &p, sizeof(p));              /* a read of 16 bytes */
	bad += p.a != SYS_read || p.d != 16;
	q[0] = p;
	q[0].id = p.id + 1000;
	bad += sys_write(sfd, (long)q, PACKET) != -EINVAL;              /* unknown id */
	bad += sys_write(sfd, (long)&p, PACKET - 1) != -EINVAL;         /* torn packet */
	bad += sys_write(sfd, (long)&p, PACKET + 10) != -EINVAL;
	q[0] = p;
	q[0].a = 17;                                                    /* more than asked */
	bad += sys_write(sfd, (long)q, PACKET) != -EINVAL;
	q[0].a = (uint64_t)-100000;                                     /* not an errno */
	bad += sys_write(sfd, (long)q, PACKET) != -EINVAL;
	/* Two packets: the good one is taken, the bad one after it stops the write. */
	q[0] = p;
	q[0].a = 5;
	memcpy((void *)p.c, "hello", 5);
	q[1] = p;
	q[1].id = 0;
	bad += sys_write(sfd, (long)q, 2 * PACKET) != PACKET;
	bad += sys_write(sfd, (long)&q[0], PACKET) != -EINVAL;          /* answered already */
	if (bad)
		printf("schemefail: %d bad replies were not refused as they must be\n", bad);
	exit(bad);
}

static void replies(void)
{
	char buf[16] = { 0 };
	int d = start_daemon("replies", bad_replies), fd, status;
	long n;

	fd = open("replies:x", O_RDWR);
	n = read(fd, buf, sizeof(buf));
	check(n == 5 && memcmp(buf, "hello", 5) == 0,
	      "replies: the one good answer among bad ones arrives (read gave %ld)", n);
	check(waitpid(d, &status, 0) == d && status == 0,
	      "replies: unknown id, torn, oversized, non-errno and double replies are refused (0x%x)",
	      status);
	close(fd);
}

static void answer_late(int sfd)
{
	struct scheme_packet p;
	long n;

	read(sfd, &p, sizeof(p));              /* the open */
	msleep(60);                            /* the client is killed meanwhile */
	p.a = 42;
	n = write(sfd, &p, sizeof(p));         /* taken, then dropped */
	n += read(sfd, &p, sizeof(p));         /* the kernel closes handle 42 */
	exit(n == 2 * PACKET && p.a == SYS_close && p.b == 42 ? 0 : 1);
}

static void killed(void)
{
	int d = start_daemon("late", answer_late), c = start_open_client("late:x", 0), status;

	msleep(20);
	kill(c, SIGKILL);
	check(waitpid(c, &status, 0) == c && WTERMSIG(status) == SIGKILL, "killed: the client died waiting");
	check(wait_ok(d), "killed: the late answer was accepted and its handle closed by the kernel");
}

/* Waits until three requests are queued, then takes them in one read. */
static void read_three(int sfd)
{
	struct scheme_packet p[4];
	long n;

	msleep(60);
	n = read(sfd, p, sizeof(p));
	for (long i = 0; i < n / PACKET; i++) {
		p[i].a = (uint64_t)-ENOENT;
		write(sfd, &p[i], sizeof(p[i]));
	}
	exit(n == 3 * PACKET && p[0].id < p[1].id && p[1].id < p[2].id ? 0 : 1);
}

static void batch(void)
{
	int d = start_daemon("batch", read_three), c[3], ok = 1;

	for (int i = 0; i < 3; i++)
		c[i] = start_open_client("batch:x", -ENOENT);
	for (int i = 0; i < 3; i++)
		ok &= wait_ok(c[i]);
	check(ok, "batch: every client got the daemon's answer");
	check(wait_ok(d), "batch: one read of 4 packets' room hands out all 3 queued, oldest first");
}

static void call_myself(int sfd)
{
	exit(sys_open((long)"self:x", 6, O_RDWR) == -EDEADLK ? 0 : 1);
}

static void self(void)
{
	check(wait_ok(start_daemon("self", call_myself)), "self: a daemon opening its own scheme gets -EDEADLK");
}

static void fault_daemon(int sfd)
{
	struct scheme_packet p;
	int bad = 0, child, status, other;

	answer_open(sfd);
	bad += sys_read(sfd, (long)&p, PACKET - 1) != -EINVAL;
	bad += sys_read(sfd, 0, PACKET) != -EFAULT;
	bad += sys_write(sfd, 0xffffffff80100000L, PACKET) != -EFAULT;
	other = open(":faults2", O_CREAT | O_RDWR | O_NONBLOCK);
	bad += sys_read(other, (long)&p, PACKET) != -EAGAIN;
	read(sfd, &p, sizeof(p));              /* the client's bad calls never came: its write */
	bad += p.a != SYS_write || p.d != 4;
	child = fork();
	if (child == 0)
		exit(*(volatile char *)p.c);       /* not copied by fork: faults */
	waitpid(child, &status, 0);
	bad += WTERMSIG(status) != SIGSEGV;
	bad += memcmp((void *)p.c, "data", 4) != 0;
	p.a = 4;
	write(sfd, &p, sizeof(p));
	if (bad) {
		printf("schemefail: %d fault checks failed in the daemon\n", bad);
		exit(bad);
	}
	exit(*(volatile char *)p.c);           /* the answered request's page is gone: faults */
}

static void faults(void)
{
	int d = start_daemon("faults", fault_daemon), fd, status;

	fd = open("faults:", O_RDWR);
	check(fd >= 0, "faults: open");
	check(sys_open(0, 8, O_RDWR) == -EFAULT && sys_open(0xffffffff80100000L, 8, O_RDWR) == -EFAULT,
	      "faults: a bad path pointer gives -EFAULT");
	check(sys_read(fd, 0, 10) == -EFAULT && sys_write(fd, 0xffffffff80100000L, 10) == -EFAULT &&
	      sys_fstat(fd, 0, sizeof(struct stat)) == -EFAULT && sys_fpath(fd, 16, 10) == -EFAULT,
	      "faults: bad buffers give -EFAULT before any request is sent");
	check(write(fd, "data", 4) == 4, "faults: the write the daemon answers");
	check(waitpid(d, &status, 0) == d && WTERMSIG(status) == SIGSEGV,
	      "faults: fork left the bounce page out, and the answer took it away (0x%x)", status);
	close(fd);
}

int main(int argc, char **argv)
{
	check_begin("schemefail");
	(void)argc;
	(void)argv;
	died();
	closed();
	replies();
	killed();
	batch();
	self();
	faults();
	check_done();
}
