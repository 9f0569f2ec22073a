/*
 * chantest - lab 6: chan:, the named channels ipcd serves (user/ipcd/chan.h).
 *
 *   init.run=chantest -- MODE SEED     (a lab 6 init has started ipcd)
 *   run=chantest arg=MODE:SEED         (no init: the test starts ipcd itself)
 *
 * Modes:
 *   basic    listen, connect, accept; -ENOENT, -EEXIST, bad names; the name
 *            free again once the listener closes; a wrong dup word -EINVAL;
 *            fpath, fstat; a listener's waiting connections refused when it
 *            closes; the table of names fills up with -ENFILE
 *   data     a server and a client exchange seeded streams both ways, each
 *            25 times a channel's buffer, in seeded pieces (a writer process
 *            and a reader per side, so neither blocks the other); checksums
 *            printed and compared; end of file and -EPIPE once the peer
 *            closed; O_NONBLOCK: -EAGAIN on an empty channel, a full one and
 *            an accept with nobody connecting
 *   multi    a server blocks in accept before any client exists (seen asleep
 *            in sys:context), then 4 clients connect at once, each with its
 *            own seeded data both ways on its own connection
 *   failure  a client killed while blocked in read, another while blocked in
 *            accept; a peer that exits with data queued (before and after
 *            accept): the data, then end of file; ipcd itself killed: a
 *            blocked read gets -EIO, then chan: and shm: are gone (-ENODEV)
 *            and the system runs on. It kills ipcd: run it last.
 *   all      each of the above in turn (failure last)
 *
 * Every check prints a line when it fails; the last line is "chantest MODE:
 * N checks, M failed". Helper processes check their own part and exit with
 * check_done's status, which the main process checks.
 */
#include "anode.h"

#define STREAM_BYTES (100 * 1024)
#define PIECE_MAX 9000
#define CLIENTS 4
#define MULTI_BYTES 12000
/* How often to look at sys:context for a process to fall asleep (with a
 * yield in between) before giving up: it takes a few looks at most. */
#define POLL_LIMIT 5000
#define CHECKSUM_START 0xcbf29ce484222325UL

/* Seeds of the streams: each direction and each client has its own. */
#define SALT_TO_SERVER 1
#define SALT_TO_CLIENT 2
#define SALT_MULTI_UP 100
#define SALT_MULTI_DOWN 200
#define SALT_FAILURE 300

static uint64_t seed = 1;
/* ipcd's backlog per listener (user/ipcd/chan.h, CHAN_BACKLOG_MAX). */
#define CHAN_TEST_BACKLOG 32
static int own_ipcd;                    /* the ipcd this test started, or 0 */
static char text[4096];
static unsigned char out_buf[PIECE_MAX], in_buf[PIECE_MAX], want_buf[PIECE_MAX];

/* ---- seeded data ---------------------------------------------------------- */

struct stream {
	uint64_t state, word;
	int left;
};

static void stream_start(struct stream *s, uint64_t salt)
{
	s->state = (seed + 1) * 0x9e3779b97f4a7c15UL ^ (salt + 1) * 0xbf58476d1ce4e5b9UL;
	if (!s->state)
		s->state = 1;
	s->left = 0;
}

static unsigned char stream_byte(struct stream *s)
{
	unsigned char b;

	if (!s->left) {
		s->word = xorshift_next(&s->state);
		s->left = 8;
	}
	b = (unsigned char)s->word;
	s->word >>= 8;
	s->left--;
	return b;
}

static uint64_t stream_below(struct stream *s, uint64_t n)
{
	return xorshift_next(&s->state) % n;
}

/* How long the stream with this salt is: about STREAM_BYTES, seeded. */
static uint64_t stream_length(uint64_t salt, uint64_t base)
{
	struct stream s;

	stream_start(&s, salt + 5000);
	return base + stream_below(&s, 4096);
}

static uint64_t checksum_add(uint64_t sum, const unsigned char *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		sum = (sum ^ p[i]) * 0x100000001b3UL;
	return sum;
}

/* Writes the seeded stream in seeded pieces (short writes are retried); 0 or -1. */
static int send_stream(int fd, uint64_t salt, uint64_t len)
{
	struct stream data, sizes;
	uint64_t sent = 0, sum = CHECKSUM_START;

	stream_start(&data, salt);
	stream_start(&sizes, salt + 1000);
	while (sent < len) {
		uint64_t n = 1 + stream_below(&sizes, PIECE_MAX);

		n = n < len - sent ? n : len - sent;
		for (uint64_t i = 0; i < n; i++)
			out_buf[i] = stream_byte(&data);
		sum = checksum_add(sum, out_buf, n);
		if (write_all(fd, out_buf, n) != (long)n) {
			printf("chantest: a write at byte %lu failed (errno %d)\n", sent, errno);
			return -1;
		}
		sent += n;
	}
	printf("chantest: sent %lu bytes, checksum %lx\n", len, sum);
	return 0;
}

/* Reads exactly len bytes in seeded pieces and compares them with the stream; 0 or -1. */
static int recv_stream(int fd, uint64_t salt, uint64_t len)
{
	struct stream data, sizes;
	uint64_t got = 0, sum = CHECKSUM_START, want_sum = CHECKSUM_START;

	stream_start(&data, salt);
	stream_start(&sizes, salt + 2000);
	while (got < len) {
		uint64_t ask = 1 + stream_below(&sizes, PIECE_MAX);
		long n = read(fd, in_buf, ask < len - got ? ask : len - got);

		if (n <= 0) {
			printf("chantest: read at byte %lu of %lu: %ld (errno %d)\n", got, len, n,
			       n < 0 ? errno : 0);
			return -1;
		}
		for (long i = 0; i < n; i++)
			want_buf[i] = stream_byte(&data);
		sum = checksum_add(sum, in_buf, (uint64_t)n);
		want_sum = checksum_add(want_sum, want_buf, (uint64_t)n);
		if (memcmp(in_buf, want_buf, (size_t)n) != 0) {
			printf("chantest: wrong bytes in %ld read at byte %lu\n", n, got);
			return -1;
		}
		got += (uint64_t)n;
	}
	printf("chantest: received %lu bytes, checksum %lx\n", len, sum);
	return sum == want_sum ? 0 : -1;
}

/* Both directions at once on fd: a forked writer sends, this process
 * receives. True if everything arrived as sent. */
static bool exchange(int fd, uint64_t out_salt, uint64_t in_salt, uint64_t base)
{
	int writer = fork(), status = -1;
	bool ok;

	if (writer == 0)
		exit(send_stream(fd, out_salt, stream_length(out_salt, base)) == 0 ? 0 : 1);
	ok = recv_stream(fd, in_salt, stream_length(in_salt, base)) == 0;
	return writer > 0 && waitpid(writer, &status, 0) == writer && status == 0 && ok;
}

/* ---- the system around the test -------------------------------------------- */

static long slurp(const char *path)
{
	return read_text(path, text, sizeof(text));
}

/* Runs ipcd unless chan: is served already: under init (lab 6) it is;
 * with run= nobody started it. */
static int ensure_ipcd(void)
{
	static const char *const paths[] = { "initfs:/bin/ipcd", "prog:ipcd", NULL };
	int pid = ensure_daemon("chan", paths, "ipcd");

	if (pid > 0)
		printf("chantest: started ipcd (pid %d)\n", pid);
	return pid;
}

/* One line of sys:context ("PID PPID STATE NAME"): its fields, or false at the end. */
static bool context_next(const char **at, int *pid, char *state, char *name)
{
	const char *s = *at;
	uint64_t n = 0;
	int i;

	while (*s && (*s < '0' || *s > '9')) {       /* the header, or a line's rest */
		while (*s && *s != '\n')
			s++;
		if (*s)
			s++;
	}
	if (!*s)
		return false;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (uint64_t)(*s++ - '0');
	*pid = (int)n;
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')                         /* the parent */
		s++;
	while (*s == ' ')
		s++;
	for (i = 0; *s && *s != ' ' && i < 15; i++)
		state[i] = *s++;
	state[i] = '\0';
	while (*s == ' ')
		s++;
	for (i = 0; *s && *s != '\n' && i < 31; i++)
		name[i] = *s++;
	name[i] = '\0';
	while (*s && *s != '\n')
		s++;
	*at = s;
	return true;
}

/* pid's state in sys:context ("sleeping", ...), or "" if it is not there. */
static const char *proc_state(int pid)
{
	static char state[16];
	char name[32];
	const char *at = text;
	int p;

	state[0] = '\0';
	if (slurp("sys:context") <= 0)
		return state;
	while (context_next(&at, &p, state, name))
		if (p == pid)
			return state;
	state[0] = '\0';
	return state;
}

/* Waits (yielding) until pid sleeps: blocked in a call. False if it never does. */
static bool wait_asleep(int pid)
{
	for (int i = 0; i < POLL_LIMIT; i++) {
		if (strcmp(proc_state(pid), "sleeping") == 0)
			return true;
		sched_yield();
	}
	printf("chantest: pid %d never went to sleep (state \"%s\")\n", pid, proc_state(pid));
	return false;
}

/* The pids of live processes called ipcd; how many. */
static int ipcd_pids(int *pids, int max)
{
	char state[16], name[32];
	const char *at = text;
	int pid, n = 0;

	if (slurp("sys:context") <= 0)
		return 0;
	while (context_next(&at, &pid, state, name))
		if (strcmp(name, "ipcd") == 0 && strcmp(state, "zombie") != 0 && n < max)
			pids[n++] = pid;
	return n;
}

/*
 * One round trip to chan:'s daemon (an empty name: -EINVAL). It serves
 * requests in the order they came, so once this returns, every request
 * sent before it (a close at a process's exit, a blocked accept) has been
 * handled.
 */
static long chan_barrier(void)
{
	return sys_open((long)"chan:", 5, O_RDWR);
}

/* Says what comes next: when a run hangs, the last of these lines says where. */
static void step(const char *what)
{
	printf("chantest: %s\n", what);
}

static void chan_path(char *path, size_t size, const char *what)
{
	snprintf(path, size, "chan:%s-%lx", what, seed);
}

static bool exited_ok(int pid, const char *what)
{
	int status = -1;
	bool ok = pid > 0 && waitpid(pid, &status, 0) == pid && status == 0;

	check(ok, "%s (pid %d) passed its checks (status 0x%x)", what, pid, status);
	return ok;
}

/* ---- basic ----------------------------------------------------------------- */

static void basic_names(void)
{
	char long_name[80] = "chan:", path[64];
	int fd;

	check(sys_open((long)"chan:", 5, O_CREAT | O_RDWR) == -EINVAL, "an empty name: -EINVAL");
	memset(long_name + 5, 'n', 65);
	check(sys_open((long)long_name, 5 + 65, O_CREAT | O_RDWR) == -ENAMETOOLONG,
	      "a 65-byte name: -ENAMETOOLONG");
	fd = (int)sys_open((long)long_name, 5 + 64, O_CREAT | O_RDWR);
	check(fd >= 0, "a 64-byte name is fine (%d)", fd);
	close(fd);
	chan_path(path, sizeof(path), "nobody");
	check(sys_open((long)path, strlen(path), O_RDWR) == -ENOENT,
	      "connecting to a name nobody listens on: -ENOENT");
}

static void basic_connection(void)
{
	char path[64], fp[80];
	int listener, client, server, again;
	struct stat st;
	long n;

	chan_path(path, sizeof(path), "basic");
	listener = open(path, O_CREAT | O_RDWR);
	check(listener >= 0, "listen on %s (errno %d)", path, errno);
	check(sys_open((long)path, strlen(path), O_CREAT | O_RDWR) == -EEXIST,
	      "a second listener on the name: -EEXIST");
	client = open(path, O_RDWR);
	check(client >= 0, "connect returns at once, before any accept (errno %d)", errno);
	server = dup(listener, "listen");
	check(server >= 0 && server != client, "accept gives the server's end (fd %d)", server);
	/* Bytes through the connection are Exercise 3's: the data mode's checks. */
	check(sys_dup(listener, (long)"accept", 6) == -EINVAL, "dup(listener, \"accept\"): EINVAL");
	check(sys_dup(client, (long)"listen", 6) == -EINVAL, "dup(end, \"listen\"): -EINVAL");
	check(sys_read(listener, (long)text, 4) == -EINVAL, "reading a listener: -EINVAL");
	check(sys_write(listener, (long)"x", 1) == -EINVAL, "writing a listener: -EINVAL");
	check(sys_lseek(client, 0, SEEK_SET) == -ESPIPE, "lseek on a channel: -ESPIPE");
	for (int fd = listener, i = 0; i < 3; fd = i == 0 ? client : server, i++) {
		n = fpath(fd, fp, sizeof(fp));
		check(n == (long)strlen(path) && memcmp(fp, path, (size_t)n) == 0,
		      "fpath of fd %d is %s (%ld)", fd, path, n);
	}
	check(fpath(client, fp, 3) == 3 && memcmp(fp, "cha", 3) == 0, "fpath into 3 bytes");
	check(fstat(client, &st) == 0 && (st.st_mode & MODE_TYPE) == MODE_FIFO && st.st_size == 0,
	      "fstat: a FIFO (mode 0%o)", st.st_mode);

	/* The listener goes: the name is free (what happens to the connections
	 * is data's: data_closes). */
	close(listener);
	check(sys_open((long)path, strlen(path), O_RDWR) == -ENOENT,
	      "the listener closed: connecting gives -ENOENT");
	again = open(path, O_CREAT | O_RDWR);
	check(again >= 0, "the name can be listened on again (errno %d)", errno);
	close(again);
	close(client);
	close(server);
}

/* Opens listeners full-N-... until one fails; how many, and the error in *err. */
static int listen_until_full(int *fds, int max, const char *who, long *err)
{
	char path[64];
	int n = 0;

	*err = 0;
	while (n < max) {
		snprintf(path, sizeof(path), "chan:full-%lx-%s-%d", seed, who, n);
		*err = sys_open((long)path, strlen(path), O_CREAT | O_RDWR);
		if (*err < 0)
			break;
		fds[n++] = (int)*err;
	}
	return n;
}

/*
 * Listeners until the daemon's table is full: -ENFILE, and all fine once
 * they are closed. One process has at most 64 fds, so a helper holds 40.
 */
static void basic_table_full(void)
{
	static int fds[64];
	int held[2], release[2], holder, n, fd;
	long err;
	char count = 0;

	check(pipe2(held, 0) == 0 && pipe2(release, 0) == 0, "pipe2");
	holder = fork();
	if (holder == 0) {
		n = listen_until_full(fds, 40, "h", &err);
		write(held[1], &(char){ (char)n }, 1);
		read(release[0], &count, 1);
		exit(0);
	}
	check(read(held[0], &count, 1) == 1 && count == 40, "a helper holds %d listeners", count);
	n = listen_until_full(fds, 56, "p", &err);
	check(n >= 1 && n < 56 && err == -ENFILE, "%d + %d listeners, then %ld (-ENFILE)", count, n,
	      err);
	while (n > 0)
		close(fds[--n]);
	write(release[1], "x", 1);
	exited_ok(holder, "the helper");
	close(held[0]), close(held[1]), close(release[0]), close(release[1]);
	fd = open("chan:full-again", O_CREAT | O_RDWR);
	check(fd >= 0, "once they are closed, a listener again (errno %d)", errno);
	close(fd);
}

/*
 * An accept waiting before anyone connects, and a client that connects and
 * then does nothing more with ipcd: the connect alone must wake the accept
 * (nothing else will happen in ipcd until it does).
 */
static void basic_accept_waits(void)
{
	char path[64], byte = 0;
	int listener, done[2], client, server;

	chan_path(path, sizeof(path), "waits");
	listener = open(path, O_CREAT | O_RDWR);
	check(listener >= 0 && pipe2(done, 0) == 0, "listen on %s (errno %d)", path, errno);
	client = fork();
	if (client == 0) {
		int fd;

		msleep(20); /* let the parent's accept arrive first */
		fd = open(path, O_RDWR);
		read(done[0], &byte, 1);
		exit(fd >= 0 ? 0 : 1);
	}
	server = dup(listener, "listen");
	check(server >= 0, "the waiting accept returns once a client connects (%d)", server);
	write(done[1], "x", 1);
	exited_ok(client, "the connecting client");
	close(server), close(listener), close(done[0]), close(done[1]);
}

static void mode_basic(void)
{
	step("names");
	basic_names();
	step("a connection");
	basic_connection();
	step("an accept that waits");
	basic_accept_waits();
	step("the table of names full");
	basic_table_full();
}

/* ---- data ------------------------------------------------------------------ */

static void data_exchange(void)
{
	char path[64];
	int listener, server, client;

	chan_path(path, sizeof(path), "data");
	listener = open(path, O_CREAT | O_RDWR);
	check(listener >= 0, "listen on %s (errno %d)", path, errno);
	server = fork();
	if (server == 0) {
		int fd = dup(listener, "listen");

		check_begin("chantest data server");
		close(listener);
		check(fd >= 0, "server: accept (errno %d)", errno);
		check(exchange(fd, SALT_TO_CLIENT, SALT_TO_SERVER, STREAM_BYTES),
		      "server: the seeded streams both ways");
		check(sys_read(fd, (long)in_buf, 1) == 0, "server: EOF once the client closed");
		check(sys_write(fd, (long)"x", 1) == -EPIPE, "server: then writes give -EPIPE");
		close(fd);
		check_done();
	}
	client = fork();
	if (client == 0) {
		int fd = open(path, O_RDWR);

		check_begin("chantest data client");
		close(listener);
		check(fd >= 0, "client: connect (errno %d)", errno);
		check(exchange(fd, SALT_TO_SERVER, SALT_TO_CLIENT, STREAM_BYTES),
		      "client: the seeded streams both ways");
		close(fd);
		check_done();
	}
	exited_ok(client, "the data client");
	exited_ok(server, "the data server");
	close(listener);
}

static void data_nonblocking(void)
{
	struct stream data;
	char path[64];
	int listener, client, server;
	long n, total = 0, got = 0;

	chan_path(path, sizeof(path), "nb");
	listener = open(path, O_CREAT | O_RDWR | O_NONBLOCK);
	check(listener >= 0, "a non-blocking listener (errno %d)", errno);
	check(sys_dup(listener, (long)"listen", 6) == -EAGAIN,
	      "O_NONBLOCK accept with nobody connecting: -EAGAIN");
	client = open(path, O_RDWR | O_NONBLOCK);
	check(client >= 0, "a non-blocking connect (errno %d)", errno);
	check(sys_read(client, (long)in_buf, 100) == -EAGAIN, "O_NONBLOCK read, empty: -EAGAIN");
	stream_start(&data, SALT_TO_SERVER);
	for (int i = 0; i < PIECE_MAX; i++)
		out_buf[i] = stream_byte(&data);
	/* Fill the channel: short writes, then -EAGAIN (long before 1 MiB). */
	while (total < 1024 * 1024 && (n = sys_write(client, (long)out_buf, 1000)) > 0)
		total += n;
	check(n == -EAGAIN && total > 0, "O_NONBLOCK write, full after %ld bytes: %ld (-EAGAIN)",
	      total, n);
	server = dup(listener, "listen");
	check(server >= 0, "accept a waiting connection (errno %d)", errno);
	while ((n = sys_read(server, (long)in_buf, 700)) > 0) {
		for (long i = 0; i < n; i++)
			if (in_buf[i] != out_buf[(got + i) % 1000])
				n = -1000;
		if (n < 0)
			break;
		got += n;
	}
	check(got == total && n == -EAGAIN,
	      "the server end (non-blocking, as its listener) reads the %ld bytes, then -EAGAIN "
	      "(got %ld, then %ld)", total, got, n);
	check(sys_write(client, (long)out_buf, 10) == 10, "room again: the write goes through");
	close(server);
	close(client);
	close(listener);
}

/* Closes: a connection outlives its listener; EOF and -EPIPE after the
 * peer closed; a connection nobody accepted, when its listener goes. */
static void data_closes(void)
{
	char path[64];
	int listener, client, server, again;

	chan_path(path, sizeof(path), "closes");
	listener = open(path, O_CREAT | O_RDWR);
	client = open(path, O_RDWR);
	server = dup(listener, "listen");
	check(listener >= 0 && client >= 0 && server >= 0, "a connection (errno %d)", errno);
	close(listener);
	again = open(path, O_CREAT | O_RDWR);
	check(again >= 0, "the name can be listened on again (errno %d)", errno);
	check(write(client, "still", 5) == 5 && read(server, text, 5) == 5 &&
	      memcmp(text, "still", 5) == 0, "a connection outlives its listener");

	/* A peer closes: end of file one way, -EPIPE the other. */
	close(server);
	check(sys_read(client, (long)text, 10) == 0, "the server closed: the client reads EOF");
	check(sys_write(client, (long)"x", 1) == -EPIPE, "and writing gives -EPIPE");
	close(client);

	/* A connection nobody accepted is refused when its listener closes. */
	client = open(path, O_RDWR);
	check(client >= 0, "connect to the new listener (errno %d)", errno);
	close(again);
	check(sys_read(client, (long)text, 10) == 0, "never accepted, listener gone: EOF");
	check(sys_write(client, (long)"x", 1) == -EPIPE, "never accepted, listener gone: -EPIPE");
	close(client);
}

/* Connections are accepted oldest first; a full backlog is -EAGAIN. */
static void data_backlog(void)
{
	static int clients[CHAN_TEST_BACKLOG + 1];
	char path[64], byte = 0;
	int listener, server, n = 0;

	chan_path(path, sizeof(path), "backlog");
	listener = open(path, O_CREAT | O_RDWR);
	for (n = 0; n < CHAN_TEST_BACKLOG; n++) {
		clients[n] = open(path, O_RDWR);
		if (clients[n] < 0)
			break;
		write(clients[n], &(char){ (char)('a' + n % 26) }, 1);
	}
	check(n == CHAN_TEST_BACKLOG, "%d connections wait in the backlog (errno %d)", n, errno);
	check(sys_open((long)path, strlen(path), O_RDWR) == -EAGAIN,
	      "one more than the backlog holds: -EAGAIN");
	for (int i = 0; i < 3; i++) {
		server = dup(listener, "listen");
		check(server >= 0 && read(server, &byte, 1) == 1 && byte == 'a' + i,
		      "accept %d gives the connection made %d-th (read '%c')", i, i, byte);
		close(server);
	}
	while (n > 0)
		close(clients[--n]);
	close(listener);
}

/* A writer far ahead of a reader that takes small pieces: each read that
 * frees room must wake the waiting writer (nothing else will). */
static void data_slow_reader(void)
{
	char path[64];
	int listener, client, server, writer;
	long got = 0, n;

	chan_path(path, sizeof(path), "slow");
	listener = open(path, O_CREAT | O_RDWR);
	client = open(path, O_RDWR);
	server = dup(listener, "listen");
	writer = fork();
	if (writer == 0) {
		memset(out_buf, 'w', sizeof(out_buf));
		for (int i = 0; i < 5; i++)
			if (write_all(client, out_buf, 4096) != 4096)
				exit(1);
		exit(0);
	}
	close(client);
	msleep(50); /* the writer fills the ring and waits, for sure */
	while ((n = read(server, text, 97)) > 0)
		got += n;
	check(got == 5 * 4096, "read %ld of %d bytes in 97-byte pieces, then EOF", got, 5 * 4096);
	exited_ok(writer, "the writer");
	close(server);
	close(listener);
}

static void mode_data(void)
{
	step("seeded streams both ways");
	data_exchange();
	step("the backlog");
	data_backlog();
	step("a slow reader");
	data_slow_reader();
	step("closes");
	data_closes();
	step("O_NONBLOCK");
	data_nonblocking();
}

/* ---- multi ----------------------------------------------------------------- */

/* Serves one accepted connection: the client says who it is, then both streams. */
static void multi_handler(int fd)
{
	uint64_t index = ~0UL;

	check_begin("chantest multi handler");
	check(read_full(fd, &index, sizeof(index)) == sizeof(index) && index < CLIENTS,
	      "handler: the client's number (%lu)", index);
	if (index < CLIENTS)
		check(exchange(fd, SALT_MULTI_DOWN + index, SALT_MULTI_UP + index, MULTI_BYTES),
		      "handler: client %lu's streams both ways", index);
	check(sys_read(fd, (long)in_buf, 1) == 0, "handler: EOF once client %lu closed", index);
	check_done();
}

/* Accepts CLIENTS connections, each served by a process of its own. */
static void multi_server(int listener, int started)
{
	int handlers[CLIENTS];

	check_begin("chantest multi server");
	write(started, "s", 1);
	close(started);
	for (int i = 0; i < CLIENTS; i++) {
		int fd = dup(listener, "listen");

		check(fd >= 0, "server: accept %d (errno %d)", i, errno);
		handlers[i] = fork();
		if (handlers[i] == 0) {
			close(listener);
			multi_handler(fd);
		}
		close(fd);
	}
	for (int i = 0; i < CLIENTS; i++)
		exited_ok(handlers[i], "a connection's handler");
	check_done();
}

static void multi_client(const char *path, uint64_t index)
{
	int fd = open(path, O_RDWR);

	check_begin("chantest multi client");
	check(fd >= 0, "client %lu: connect (errno %d)", index, errno);
	check(write_all(fd, &index, sizeof(index)) == sizeof(index), "client %lu: say who", index);
	check(exchange(fd, SALT_MULTI_UP + index, SALT_MULTI_DOWN + index, MULTI_BYTES),
	      "client %lu: its own streams both ways", index);
	close(fd);
	check_done();
}

static void mode_multi(void)
{
	int listener, started[2], server, clients[CLIENTS];
	char path[64], byte;

	chan_path(path, sizeof(path), "multi");
	listener = open(path, O_CREAT | O_RDWR);
	check(listener >= 0 && pipe2(started, 0) == 0, "listen on %s (errno %d)", path, errno);
	server = fork();
	if (server == 0) {
		close(started[0]);
		multi_server(listener, started[1]);
	}
	close(started[1]);
	/* The server said it starts accepting; once it sleeps and ipcd has
	 * had its request (the barrier), it is blocked in accept: no client yet. */
	check(read(started[0], &byte, 1) == 1, "the server starts");
	close(started[0]);
	check(wait_asleep(server), "the server blocks in accept before any client exists");
	check(chan_barrier() == -EINVAL && strcmp(proc_state(server), "sleeping") == 0,
	      "ipcd has the accept and keeps it: the server still sleeps");
	for (uint64_t i = 0; i < CLIENTS; i++) {
		clients[i] = fork();
		if (clients[i] == 0) {
			close(listener);
			multi_client(path, i);
		}
	}
	for (int i = 0; i < CLIENTS; i++)
		exited_ok(clients[i], "a client");
	exited_ok(server, "the server");
	close(listener);
}

/* ---- failure --------------------------------------------------------------- */

/*
 * A child that connects to path and reads: it blocks, since nobody writes.
 * Returns once it has connected, so the only call left for it to sleep in
 * is that read. It exits 0 if the read fails with -EIO (ipcd died).
 */
static int fork_reader(const char *path)
{
	int connected[2], pid;
	char byte = 0;

	if (pipe2(connected, 0) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		long r;

		close(connected[0]);
		write(connected[1], fd >= 0 ? "y" : "n", 1);
		close(connected[1]);
		r = sys_read(fd, (long)in_buf, 10);
		if (r != -EIO)
			printf("chantest: the blocked read gave %ld, not -EIO\n", r);
		exit(r == -EIO ? 0 : 1);
	}
	close(connected[1]);
	check(read(connected[0], &byte, 1) == 1 && byte == 'y', "the reader connects to %s", path);
	close(connected[0]);
	return pid;
}

/* Listens on chan:...WHAT, forks a reader that connects and blocks in read,
 * accepts its connection; the reader's pid. */
static int start_blocked_reader(char *path, size_t size, const char *what, int *listener,
				int *server)
{
	int reader;

	chan_path(path, size, what);
	*listener = open(path, O_CREAT | O_RDWR);
	check(*listener >= 0, "listen on %s (errno %d)", path, errno);
	reader = fork_reader(path);
	*server = dup(*listener, "listen");
	check(*server >= 0, "accept the reader's connection (errno %d)", errno);
	check(wait_asleep(reader) && chan_barrier() == -EINVAL, "the reader blocks in read");
	return reader;
}

/* A client blocked in read is killed: its peer sees EOF, ipcd serves on. */
static void failure_killed_reader(void)
{
	int listener, reader, server, status = 0;
	char path[64];

	reader = start_blocked_reader(path, sizeof(path), "killread", &listener, &server);
	check(kill(reader, SIGKILL) == 0 && waitpid(reader, &status, 0) == reader &&
	      WTERMSIG(status) == SIGKILL, "the reader is killed (status 0x%x)", status);
	check(sys_read(server, (long)in_buf, 10) == 0, "its peer reads EOF");
	check(sys_write(server, (long)"x", 1) == -EPIPE, "its peer's write: -EPIPE");
	close(server);
	close(listener);
}

/* A process blocked in accept on its own listener is killed: the name is free. */
static void failure_killed_acceptor(void)
{
	int started[2], acceptor, status = 0, fd;
	char path[64], byte;

	chan_path(path, sizeof(path), "killaccept");
	check(pipe2(started, 0) == 0, "pipe2");
	acceptor = fork();
	if (acceptor == 0) {
		int listener = open(path, O_CREAT | O_RDWR);

		write(started[1], listener >= 0 ? "y" : "n", 1);
		dup(listener, "listen");        /* blocks until killed */
		exit(3);
	}
	close(started[1]);
	check(read(started[0], &byte, 1) == 1 && byte == 'y', "the acceptor listens");
	close(started[0]);
	check(wait_asleep(acceptor) && chan_barrier() == -EINVAL, "the acceptor blocks in accept");
	check(sys_open((long)path, strlen(path), O_CREAT | O_RDWR) == -EEXIST,
	      "while it waits, the name is taken");
	check(kill(acceptor, SIGKILL) == 0 && waitpid(acceptor, &status, 0) == acceptor &&
	      WTERMSIG(status) == SIGKILL, "the acceptor is killed (status 0x%x)", status);
	check(sys_open((long)path, strlen(path), O_RDWR) == -ENOENT,
	      "its listener is gone: connecting gives -ENOENT");
	fd = open(path, O_CREAT | O_RDWR);
	check(fd >= 0, "and the name can be listened on again (errno %d)", errno);
	close(fd);
}

/*
 * A peer writes and exits; its data waits for the reader, then EOF.
 * accept_first: the connection is accepted before the peer writes. The
 * reader waits for the writer's exit before reading, so the data must fit
 * in the channel: at most 4000 bytes (ipcd buffers 4 KiB a direction).
 */
static void failure_data_outlives_writer(bool accept_first)
{
	uint64_t salt = SALT_FAILURE + accept_first, len = 1 + stream_length(salt, 0) % 4000;
	int listener, writer, server = -1;
	char path[64];

	chan_path(path, sizeof(path), accept_first ? "gone-accepted" : "gone-waiting");
	listener = open(path, O_CREAT | O_RDWR);
	check(listener >= 0, "listen on %s (errno %d)", path, errno);
	writer = fork();
	if (writer == 0) {
		int fd = open(path, O_RDWR);

		exit(fd >= 0 && send_stream(fd, salt, len) == 0 ? 0 : 1);
	}
	if (accept_first)
		server = dup(listener, "listen");
	check(exited_ok(writer, "the writer"), "the writer exits with its data queued (%s)",
	      accept_first ? "accepted" : "never accepted yet");
	if (!accept_first)
		server = dup(listener, "listen");
	check(server >= 0, "accept (errno %d)", errno);
	check(recv_stream(server, salt, len) == 0, "the reader gets all %lu bytes", len);
	check(sys_read(server, (long)in_buf, 10) == 0, "then EOF");
	close(server);
	close(listener);
}

/* ipcd itself is killed: a blocked read fails with -EIO, chan: and shm: go. */
static void failure_ipcd_killed(void)
{
	int listener, reader, server, status = -1, pids[8], n, alive = 1;
	char path[64];

	reader = start_blocked_reader(path, sizeof(path), "killipcd", &listener, &server);
	n = ipcd_pids(pids, 8);
	check(n >= 1, "ipcd's processes are in sys:context (%d)", n);
	for (int i = 0; i < n; i++)
		check(kill(pids[i], SIGKILL) == 0, "kill ipcd (pid %d)", pids[i]);
	check(waitpid(reader, &status, 0) == reader && status == 0,
	      "the blocked read fails with -EIO (status 0x%x)", status);
	if (own_ipcd)
		check(waitpid(own_ipcd, &status, 0) == own_ipcd && WTERMSIG(status) == SIGKILL,
		      "the ipcd this test started was killed (status 0x%x)", status);
	/* Killed processes die when they next run: let them. */
	for (int i = 0; i < POLL_LIMIT && (alive = ipcd_pids(pids, 8)) > 0; i++)
		sched_yield();
	check(alive == 0, "no ipcd left alive");
	check(sys_open((long)path, strlen(path), O_RDWR) == -ENODEV, "chan: is gone: -ENODEV");
	check(sys_open((long)"shm:x", 5, O_CREAT | O_RDWR) == -ENODEV, "shm: is gone: -ENODEV");
	check(sys_read(server, (long)in_buf, 1) == -ENODEV, "an fd of the dead scheme: -ENODEV");
	check(slurp("sys:scheme") > 0 && !text_has_line(text, "chan") && !text_has_line(text, "shm"),
	      "sys:scheme lists neither: %s", text);
	close(server);
	close(listener);
	/* The rest of the system runs on. */
	n = fork();
	if (n == 0)
		exit(7);
	check(n > 0 && waitpid(n, &status, 0) == n && WEXITSTATUS(status) == 7,
	      "fork, exit and wait still work");
	check(slurp("sys:uname") > 0 && strncmp(text, "Anode", 5) == 0, "sys: still answers");
}

static void mode_failure(void)
{
	step("a reader killed");
	failure_killed_reader();
	step("an acceptor killed");
	failure_killed_acceptor();
	step("data outlives its writer, never accepted");
	failure_data_outlives_writer(false);
	step("data outlives its writer, accepted");
	failure_data_outlives_writer(true);
	step("ipcd killed");
	failure_ipcd_killed();
}

/* ---- main ------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*run)(void);
} modes[] = {
	{ "basic", mode_basic },
	{ "data", mode_data },
	{ "multi", mode_multi },
	{ "failure", mode_failure },    /* last: it kills ipcd */
};
#define MODES (int)(sizeof(modes) / sizeof(modes[0]))

static void run_mode(int index)
{
	static char name[32];   /* check.c keeps the pointer until check_done */

	snprintf(name, sizeof(name), "chantest %s", modes[index].name);
	check_begin(name);
	modes[index].run();
}

int main(int argc, char **argv)
{
	static char mode[32] = "basic";
	char *colon;

	/* init.run=chantest -- MODE SEED, or run=chantest arg=MODE:SEED */
	if (argc > 1)
		strlcpy(mode, argv[1], sizeof(mode));
	colon = strchr(mode, ':');
	if (colon) {
		*colon = '\0';
		seed = parse_u64(colon + 1);
	}
	if (argc > 2)
		seed = parse_u64(argv[2]);
	printf("chantest: mode %s, seed %lu\n", mode, seed);
	own_ipcd = ensure_ipcd();
	if (own_ipcd < 0) {
		printf("chantest: no chan: and ipcd cannot be started\n");
		exit(2);
	}
	for (int i = 0; i < MODES; i++) {
		if (strcmp(mode, modes[i].name) == 0) {
			run_mode(i);
			check_done();
		}
	}
	if (strcmp(mode, "all") != 0) {
		printf("chantest: unknown mode %s (basic, data, multi, failure, all)\n", mode);
		exit(2);
	}
	/* In this process: failure must wait for the ipcd this process started. */
	check_begin("chantest all");
	for (int i = 0; i < MODES; i++) {
		printf("chantest: all: %s\n", modes[i].name);
		modes[i].run();
	}
	check_done();
}
