/*
 * bench - instruction counts of basic kernel paths (handouts/tools.md,
 * "Measuring"; the reference numbers are in README.md). Run by
 * `make bench` under -icount shift=0,sleep=off, where rdtsc counts guest
 * instructions exactly, so the numbers are the same on every host.
 */
#include "anode.h"

#define ROUNDS 1000

/* Instructions of the measuring loop itself, to subtract. */
static uint64_t loop_overhead(void)
{
	uint64_t start = read_tsc();

	for (volatile int i = 0; i < ROUNDS; i++)
		;
	return read_tsc() - start;
}

static void bench_null_syscall(void)
{
	uint64_t overhead = loop_overhead(), start = read_tsc();

	for (volatile int i = 0; i < ROUNDS; i++)
		sys_getpid();
	printf("bench: null syscall (getpid) %lu instructions\n",
	       (read_tsc() - start - overhead) / ROUNDS);
}

static void bench_yield(void)
{
	uint64_t overhead = loop_overhead(), start;
	int child = fork(), status;

	if (child == 0) {
		for (volatile int i = 0; i < ROUNDS; i++)
			sys_yield();
		exit(0);
	}
	start = read_tsc();
	for (volatile int i = 0; i < ROUNDS; i++)
		sys_yield();
	/* Each round is two yields: this process's and the child's. */
	printf("bench: yield between two processes %lu instructions per switch\n",
	       (read_tsc() - start - overhead) / (2 * ROUNDS));
	waitpid(child, &status, 0);
}

static void bench_fork_wait(void)
{
	uint64_t start = read_tsc();
	int status, child = fork();

	if (child == 0)
		exit(0);
	waitpid(child, &status, 0);
	printf("bench: fork+exit+wait %lu instructions\n", read_tsc() - start);
}

/* Lab 4: a read from a kernel scheme (sys:uname, 16 bytes, rewound each time). */
static void bench_kernel_scheme_read(int fd)
{
	char buf[16];
	uint64_t overhead = loop_overhead(), start, seek;

	start = read_tsc();
	for (volatile int i = 0; i < ROUNDS; i++)
		sys_lseek(fd, 0, SEEK_SET);
	seek = read_tsc() - start - overhead;
	start = read_tsc();
	for (volatile int i = 0; i < ROUNDS; i++) {
		sys_lseek(fd, 0, SEEK_SET);
		sys_read(fd, (long)buf, sizeof(buf));
	}
	printf("bench: kernel scheme read (sys:uname, 16 bytes) %lu instructions\n",
	       (read_tsc() - start - overhead - seek) / ROUNDS);
}

/* Lab 4: a read of 0 bytes from a user scheme whose daemon answers at once. */
static void bench_user_scheme_round_trip(void)
{
	uint64_t overhead = loop_overhead(), start;
	int ready[2], daemon, fd, status;
	char c;

	pipe2(ready, 0);
	daemon = fork();
	if (daemon == 0) {
		int sfd = open(":bench", O_CREAT | O_RDWR);
		struct scheme_packet p;

		write(ready[1], "r", 1);
		while (sys_read(sfd, (long)&p, sizeof(p)) == (long)sizeof(p)) {
			if (p.a == SYS_close)
				continue;
			p.a = p.a == SYS_open ? 1 : 0;
			sys_write(sfd, (long)&p, sizeof(p));
		}
		exit(0);
	}
	read(ready[0], &c, 1);
	fd = open("bench:", O_RDWR);
	start = read_tsc();
	for (volatile int i = 0; i < ROUNDS; i++)
		sys_read(fd, 0, 0);
	printf("bench: user scheme round trip (read of 0 bytes) %lu instructions\n",
	       (read_tsc() - start - overhead) / ROUNDS);
	close(fd);
	kill(daemon, SIGKILL);
	waitpid(daemon, &status, 0);
	close(ready[0]);
	close(ready[1]);
}

/* Lab 4: one byte back and forth between two processes over two pipes. */
static void bench_pipe_ping_pong(void)
{
	uint64_t overhead = loop_overhead(), start;
	int there[2], back[2], child, status;
	char c = 'x';

	pipe2(there, 0);
	pipe2(back, 0);
	child = fork();
	if (child == 0) {
		for (volatile int i = 0; i < ROUNDS; i++) {
			sys_read(there[0], (long)&c, 1);
			sys_write(back[1], (long)&c, 1);
		}
		exit(0);
	}
	start = read_tsc();
	for (volatile int i = 0; i < ROUNDS; i++) {
		sys_write(there[1], (long)&c, 1);
		sys_read(back[0], (long)&c, 1);
	}
	/* Each round is two messages, one each way. */
	printf("bench: pipe ping-pong %lu instructions per message\n",
	       (read_tsc() - start - overhead) / (2 * ROUNDS));
	waitpid(child, &status, 0);
	for (int i = 0; i < 2; i++) {
		close(there[i]);
		close(back[i]);
	}
}

/* fork, fexec of path (the nop program) in the child, waitpid: lab 5. */
static void bench_fork_exec_wait(const char *path, int rounds)
{
	uint64_t start = read_tsc();
	char *argv[] = { "nop", NULL };
	int status = -1;

	for (int i = 0; i < rounds; i++) {
		int child = fork();

		if (child == 0) {
			execv(path, argv);
			exit(100);
		}
		waitpid(child, &status, 0);
	}
	if (status != 0) {
		printf("bench: fexec of %s failed (status %d)\n", path, status);
		return;
	}
	printf("bench: fork+fexec+wait of %s %lu instructions\n", path,
	       (read_tsc() - start) / (uint64_t)rounds);
}

/* chan: ping-pong through ipcd (lab 6): one byte each way per round. */
static void bench_chan_ping_pong(void)
{
	int listener = open("chan:bench", O_CREAT | O_RDWR), child, conn, status;
	uint64_t start;
	char byte = 'x';

	if (listener < 0) {
		printf("bench: chan: not available (errno %d)\n", errno);
		return;
	}
	child = fork();
	if (child == 0) {
		int fd = open("chan:bench", O_RDWR);

		for (int i = 0; i < 200; i++)
			if (read(fd, &byte, 1) != 1 || write(fd, &byte, 1) != 1)
				exit(1);
		exit(0);
	}
	conn = dup(listener, "listen");
	start = read_tsc();
	for (int i = 0; i < 200; i++)
		if (write(conn, &byte, 1) != 1 || read(conn, &byte, 1) != 1)
			break;
	printf("bench: chan: ping-pong per message %lu instructions\n",
	       (read_tsc() - start) / (2 * 200));
	waitpid(child, &status, 0);
	close(conn);
	close(listener);
}

/* shm: one page mapped from ipcd, written once, unmapped (lab 6). */
static void bench_shm_map_touch(void)
{
	struct fmap_request req = { 0, 4096, PROT_READ | PROT_WRITE, 0 };
	int fd = open("shm:bench", O_CREAT | O_RDWR);
	uint64_t start;

	if (fd < 0 || ftruncate(fd, 4096) < 0) {
		printf("bench: shm: not available (errno %d)\n", errno);
		return;
	}
	start = read_tsc();
	for (int i = 0; i < 100; i++) {
		long va = sys_fmap(fd, (long)&req, sizeof(req));

		if (va < 0)
			break;
		*(volatile char *)va = (char)i;
		funmap((void *)va, 4096);
	}
	printf("bench: shm: map+touch+unmap of a page %lu instructions\n", (read_tsc() - start) / 100);
	close(fd);
}

int main(int argc, char **argv)
{
	int fd;

	/* `init.run=bench -- ipc` (make bench, lab 6 on): through ipcd. */
	if (argc > 1 && strcmp(argv[1], "ipc") == 0) {
		bench_chan_ping_pong();
		bench_shm_map_touch();
		return 0;
	}

	/* `init.run=bench -- initfs` (make bench, lab 5 on): through initfs:. */
	if (argc > 1 && strcmp(argv[1], "initfs") == 0) {
		bench_fork_exec_wait("initfs:/bin/nop", 20);
		return 0;
	}

	bench_null_syscall();
	bench_yield();
	bench_fork_wait();
	/* Schemes exist from lab 4's stage on. */
	fd = (int)sys_open((long)"sys:uname", 9, O_RDONLY);
	if (fd >= 0) {
		bench_kernel_scheme_read(fd);
		close(fd);
		bench_user_scheme_round_trip();
		bench_pipe_ping_pong();
	}
	/* prog: (the kernel's programs as files) exists from lab 5's stage on. */
	fd = (int)sys_open((long)"prog:nop", 8, O_RDONLY);
	if (fd >= 0) {
		close(fd);
		bench_fork_exec_wait("prog:nop", 20);
	}
	return 0;
}
