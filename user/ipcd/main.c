/*
 * main.c - ipcd's start-up: `ipcd READYFD`.
 *
 * init runs ipcd with the write end of a pipe as argv[1] and waits for one
 * byte on it, so every program init starts afterwards finds chan: and shm:
 * (handouts/lab5-bootstrap.md §3). ipcd registers both schemes first, then
 * forks: the parent serves chan:, the child shm:. Each closes the other's
 * scheme fd, because a scheme lives as long as its scheme fd's description:
 * a stray copy in the other process would keep a dead server's scheme
 * registered, and its clients waiting, forever. The child writes the byte
 * once it has dropped its copy of chan:'s fd (the parent drops its copy of
 * shm:'s right after the fork); both schemes are registered by then.
 *
 * Without READYFD (started by hand) ipcd simply serves.
 */
#include "ipcd.h"

static int ipcd_register(const char *path)
{
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC);

	if (fd < 0)
		printf("ipcd: cannot register %s (errno %d)\n", path + 1, errno);
	return fd;
}

/* The ready fd from argv[1], or -1 when there is none (or it is no number). */
static int ipcd_ready_fd(int argc, char **argv)
{
	uint64_t fd;

	if (argc < 2)
		return -1;
	if (str_to_u64(argv[1], &fd) < 0 || fd > 1024) {
		printf("ipcd: usage: ipcd [READYFD] (got \"%s\")\n", argv[1]);
		return -1;
	}
	return (int)fd;
}

int main(int argc, char **argv)
{
	int ready = ipcd_ready_fd(argc, argv);
	int chan_fd = ipcd_register(":chan");
	int shm_fd = ipcd_register(":shm");
	int pid;

	/* Exiting closes the ready fd: init reads end of file and goes on without us. */
	if (chan_fd < 0 || shm_fd < 0)
		exit(1);
	pid = fork();
	if (pid < 0) {
		printf("ipcd: fork failed (errno %d)\n", errno);
		exit(1);
	}
	if (pid == 0) {
		close(chan_fd);
		if (ready >= 0) {
			write(ready, "r", 1);
			close(ready);
		}
		ipcd_serve(&shm_server, shm_fd);
	}
	close(shm_fd);
	if (ready >= 0)
		close(ready);
	ipcd_serve(&chan_server, chan_fd);
}
