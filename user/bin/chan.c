/*
 * chan - a byte stream between two programs through ipcd's chan: scheme
 * (lab 6), in Redox's style:
 *
 *   chan server NAME   open("chan:NAME", O_CREAT) makes a listener;
 *                      dup(listener, "listen") waits for a client and
 *                      gives the connection; what arrives goes to stdout
 *                      until the client closes
 *   chan client NAME   open("chan:NAME") connects; stdin goes down it
 *
 * There is one console and the shell runs one pipeline at a time, but the
 * stages of a pipeline run together, so one line can hold both ends:
 *
 *   anode$ echo hello | chan client talk | chan server talk
 *
 * The client may start before the server listens: it tries again for a
 * while when the name is not there yet (-ENOENT).
 */
#include "anode.h"

#define CHAN_PATH_MAX 64
#define CHAN_CONNECT_TRIES 30
#define CHAN_RETRY_MS 100

static char buf[4096];

/* Copies from to to until end of file; 0, or -1 after saying why. */
static int copy(int from, int to, const char *what)
{
	long n;

	while ((n = read(from, buf, sizeof(buf))) > 0) {
		if (write_all(to, buf, (size_t)n) < 0) {
			dprintf(2, "chan: %s: write: errno %d\n", what, errno);
			return -1;
		}
	}
	if (n < 0) {
		dprintf(2, "chan: %s: read: errno %d\n", what, errno);
		return -1;
	}
	return 0;
}

static int chan_server(const char *path, const char *name)
{
	int listener = open(path, O_CREAT | O_RDWR | O_CLOEXEC), conn, result;

	if (listener < 0) {
		dprintf(2, "chan: cannot listen on %s (errno %d)\n", path, errno);
		return 1;
	}
	printf("chan: listening on %s\n", name);
	conn = dup(listener, "listen");
	if (conn < 0) {
		dprintf(2, "chan: accept on %s failed (errno %d)\n", path, errno);
		close(listener);
		return 1;
	}
	result = copy(conn, 1, name);
	close(conn);
	close(listener);
	return result < 0 ? 1 : 0;
}

static int chan_client(const char *path, const char *name)
{
	int conn = open(path, O_RDWR | O_CLOEXEC), result;

	for (int i = 1; conn < 0 && errno == ENOENT && i < CHAN_CONNECT_TRIES; i++) {
		msleep(CHAN_RETRY_MS);
		conn = open(path, O_RDWR | O_CLOEXEC);
	}
	if (conn < 0) {
		dprintf(2, "chan: cannot connect to %s (errno %d)\n", path, errno);
		return 1;
	}
	result = copy(0, conn, name);
	close(conn);
	return result < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	char path[CHAN_PATH_MAX];

	if (argc != 3 || strlen(argv[2]) > CHAN_PATH_MAX - 6 || strchr(argv[2], '/') ||
	    (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0)) {
		dprintf(2, "usage: chan server NAME | chan client NAME\n");
		return 2;
	}
	snprintf(path, sizeof(path), "chan:%s", argv[2]);
	if (strcmp(argv[1], "server") == 0)
		return chan_server(path, argv[2]);
	return chan_client(path, argv[2]);
}
