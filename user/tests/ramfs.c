/*
 * ramfs - lab 4, Exercise 5: a user scheme serving files from memory, and
 * clients using it through ordinary file calls. The daemon (a forked
 * child) registers `ram:` and answers open, read, write, lseek, fstat,
 * fpath, dup, ftruncate, fsync, unlink and close; several forked clients
 * write seeded contents, read them back, and check every answer. The
 * daemon checks what it is given: every data address lies in its bounce
 * window, and ids only grow. `ram:sink` takes any write (a 100 KiB write
 * comes back short: one request moves at most 64 KiB).
 */
#include "anode.h"

#define FILES 8
#define FILE_BYTES 8192
#define HANDLES 32
#define CLIENTS 3
#define BOUNCE_BASE 0x00007ffe00000000UL
#define BOUNCE_END (BOUNCE_BASE + 256 * 128 * 1024UL)

struct ram_file {
	char name[32];
	unsigned char data[FILE_BYTES];
	uint64_t size;
	int used;
};

struct ram_handle {
	int file;       /* -1: free; FILES: the sink; FILES + 1: who is asking */
	uint64_t offset;
};

static struct ram_file files[FILES];
static struct ram_handle handles[HANDLES];
static uint64_t last_id, bad_addresses, packets_seen;

static int in_window(uint64_t addr, uint64_t len)
{
	return len == 0 || (addr >= BOUNCE_BASE && addr + len <= BOUNCE_END);
}

static long ram_open(const char *path, uint64_t len, uint64_t flags)
{
	int file = -1, h;

	if (len == 4 && memcmp(path, "sink", 4) == 0)
		file = FILES;
	if (len == 3 && memcmp(path, "pid", 3) == 0)
		file = FILES + 1;
	for (int i = 0; i < FILES && file < 0; i++)
		if (files[i].used && strlen(files[i].name) == len && memcmp(files[i].name, path, len) == 0)
			file = i;
	if (file < 0 && !(flags & O_CREAT))
		return -ENOENT;
	if (file < 0) {
		if (len == 0 || len >= sizeof(files[0].name))
			return -EINVAL;
		for (int i = 0; i < FILES && file < 0; i++)
			if (!files[i].used)
				file = i;
		if (file < 0)
			return -ENOSPC;
		memcpy(files[file].name, path, len);
		files[file].name[len] = 0;
		files[file].size = 0;
		files[file].used = 1;
	}
	for (h = 0; h < HANDLES; h++)
		if (handles[h].file < 0)
			break;
	if (h == HANDLES)
		return -EMFILE;
	handles[h].file = file;
	handles[h].offset = 0;
	if ((flags & O_TRUNC) && file < FILES)
		files[file].size = 0;
	return h;
}

static struct ram_handle *handle_of(uint64_t h)
{
	return h < HANDLES && handles[h].file >= 0 ? &handles[h] : NULL;
}

static long ram_call(struct scheme_packet *p)
{
	struct ram_handle *h = handle_of(p->b);
	struct ram_file *f = h && h->file < FILES ? &files[h->file] : NULL;

	switch (p->a) {
	case SYS_open:
		if (!in_window(p->b, p->c))
			bad_addresses++;
		return ram_open((const char *)p->b, p->c, p->d);
	case SYS_close:
		if (h)
			h->file = -1;
		return 0;
	}
	if (!h)
		return -EBADF;
	switch (p->a) {
	case SYS_read: {
		uint64_t n = f && h->offset < f->size ? f->size - h->offset : 0;

		if (!in_window(p->c, p->d))
			bad_addresses++;
		if (h->file == FILES + 1)   /* "pid": the asking process, as text */
			return snprintf((char *)p->c, p->d, "%lu", p->pid);
		n = n < p->d ? n : p->d;
		if (n)
			memcpy((void *)p->c, f->data + h->offset, n);
		h->offset += n;
		return (long)n;
	}
	case SYS_write: {
		uint64_t n = p->d;

		if (!in_window(p->c, p->d))
			bad_addresses++;
		if (!f)
			return (long)n;     /* the sink */
		if (h->offset >= FILE_BYTES)
			return -ENOSPC;
		n = n < FILE_BYTES - h->offset ? n : FILE_BYTES - h->offset;
		memcpy(f->data + h->offset, (const void *)p->c, n);
		h->offset += n;
		if (h->offset > f->size)
			f->size = h->offset;
		return (long)n;
	}
	case SYS_lseek: {
		int64_t base = p->d == SEEK_SET ? 0 : p->d == SEEK_CUR ? (int64_t)h->offset
			     : f ? (int64_t)f->size : 0;

		if (base + (int64_t)p->c < 0)
			return -EINVAL;
		h->offset = (uint64_t)(base + (int64_t)p->c);
		return (long)h->offset;
	}
	case SYS_fstat: {
		struct stat *st = (struct stat *)p->c;

		if (!in_window(p->c, p->d) || p->d < sizeof(*st))
			return -EINVAL;
		memset(st, 0, sizeof(*st));
		st->st_mode = MODE_FILE | 0644;
		st->st_size = f ? f->size : 0;
		st->st_ino = (uint64_t)h->file + 1;
		return 0;
	}
	case SYS_fpath: {
		char path[48];
		int n = snprintf(path, sizeof(path), "ram:%s", f ? f->name : "sink");

		n = n < (int)p->d ? n : (int)p->d;
		memcpy((void *)p->c, path, (size_t)n);
		return n;
	}
	case SYS_dup:
		if (p->d == 5 && memcmp((const void *)p->c, "again", 5) == 0)
			return ram_open(f ? f->name : "sink", f ? strlen(f->name) : 4, 0);
		return -EINVAL;
	case SYS_ftruncate:
		if (!f || p->c > FILE_BYTES)
			return -EINVAL;
		f->size = p->c;
		return 0;
	case SYS_fsync:
		return 0;
	default:
		return -ENOSYS;
	}
}

static void serve(int sfd, int ready)
{
	struct scheme_packet in[4];

	for (int i = 0; i < HANDLES; i++)
		handles[i].file = -1;
	write(ready, "r", 1);
	close(ready);
	for (;;) {
		long n = read(sfd, in, sizeof(in));

		if (n <= 0 || n % (long)sizeof(in[0]) != 0) {
			printf("ramfs: daemon read %ld (errno %d)\n", n, errno);
			exit(3);
		}
		for (long i = 0; i < n / (long)sizeof(in[0]); i++) {
			struct scheme_packet *p = &in[i];

			packets_seen++;
			if (p->id <= last_id)
				printf("ramfs: daemon got id %lu after %lu\n", p->id, last_id), exit(4);
			last_id = p->id;
			if (p->a == SYS_close) {
				ram_call(p);
				continue;   /* a close expects no answer */
			}
			p->a = (uint64_t)ram_call(p);
			if (bad_addresses)
				printf("ramfs: a data address outside the bounce window\n"), exit(5);
			if (write(sfd, p, sizeof(*p)) != (long)sizeof(*p)) {
				printf("ramfs: reply failed (errno %d)\n", errno);
				exit(6);
			}
		}
	}
}

static int client(int index, uint64_t seed)
{
	static unsigned char want[FILE_BYTES], got[FILE_BYTES];
	uint64_t state = seed * 31 + (uint64_t)index, size = 1000 + xorshift_next(&state) % 7000;
	char path[32], fp[40];
	struct stat st;
	int fd, fd2;

	check_begin("ramfs client");
	snprintf(path, sizeof(path), "ram:file%d", index);
	for (uint64_t i = 0; i < size; i++)
		want[i] = (unsigned char)xorshift_next(&state);
	fd = open(path, O_CREAT | O_RDWR);
	check(fd >= 3, "client %d: open %s (errno %d)", index, path, errno);
	for (uint64_t done = 0; done < size;) {
		uint64_t n = 1 + xorshift_next(&state) % 3000;
		long w;

		n = n < size - done ? n : size - done;
		w = write(fd, want + done, n);
		check(w == (long)n, "client %d: write %lu at %lu gave %ld", index, n, done, w);
		if (w <= 0)
			break;
		done += (uint64_t)w;
	}
	check(lseek(fd, 0, SEEK_SET) == 0, "client %d: lseek to 0", index);
	check(read_full(fd, got, FILE_BYTES) == (long)size && memcmp(got, want, size) == 0,
	      "client %d: read back %lu seeded bytes", index, size);
	check(fstat(fd, &st) == 0 && st.st_size == size && (st.st_mode & MODE_TYPE) == MODE_FILE,
	      "client %d: fstat size %lu", index, st.st_size);
	check(fpath(fd, fp, sizeof(fp)) == (long)strlen(path) && memcmp(fp, path, strlen(path)) == 0,
	      "client %d: fpath", index);
	fd2 = dup(fd, "again");
	check(fd2 > fd && read(fd2, got, 10) == 10 && memcmp(got, want, 10) == 0,
	      "client %d: dup(fd, \"again\") is a new handle at offset 0", index);
	check(sys_dup(fd, (long)"nonsense", 8) == -EINVAL, "client %d: the daemon's error comes back", index);
	check(ftruncate(fd2, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100 && fsync(fd) == 0,
	      "client %d: ftruncate and fsync", index);
	close(fd2);
	close(fd);
	check(sys_open((long)"ram:nothere", 11, O_RDONLY) == -ENOENT, "client %d: -ENOENT from the daemon", index);
	fd = open("ram:pid", O_RDONLY);
	{
		char text[24] = { 0 }, mine[24];

		snprintf(mine, sizeof(mine), "%d", getpid());
		check(read(fd, text, sizeof(text) - 1) > 0 && strcmp(text, mine) == 0,
		      "client %d: the packet names the client's pid (%s, expected %s)", index, text, mine);
	}
	close(fd);
	fd = open("ram:sink", O_WRONLY);
	{
		static unsigned char big[100 * 1024];
		long w = write(fd, big, sizeof(big));

		check(w == 64 * 1024, "client %d: a 100 KiB write moves 64 KiB (got %ld)", index, w);
	}
	close(fd);
	check_done();
}

/* The kernel's live heap blocks, from sys:memory. */
static long heap_blocks(void)
{
	char text[128] = { 0 };
	int fd = open("sys:memory", O_RDONLY);
	char *at;

	read(fd, text, sizeof(text) - 1);
	close(fd);
	at = strstr(text, "heap blocks ");
	if (!at)
		return -1;
	at += 12;
	long n = 0;

	while (*at >= '0' && *at <= '9')
		n = n * 10 + (*at++ - '0');
	return n;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1;
	int ready[2], daemon, clients[CLIENTS], status, sfd;
	char c;

	check_begin("ramfs");
	check(pipe2(ready, 0) == 0, "pipe2");
	daemon = fork();
	if (daemon == 0) {
		close(ready[0]);
		sfd = open(":ram", O_CREAT | O_RDWR);
		if (sfd < 0)
			printf("ramfs: cannot register ram: (errno %d)\n", errno), exit(2);
		serve(sfd, ready[1]);
	}
	close(ready[1]);
	check(read(ready[0], &c, 1) == 1, "the daemon is ready");
	close(ready[0]);
	for (int i = 0; i < CLIENTS; i++) {
		clients[i] = fork();
		if (clients[i] == 0)
			client(i, seed);
	}
	for (int i = 0; i < CLIENTS; i++)
		check(waitpid(clients[i], &status, 0) == clients[i] && status == 0,
		      "client %d passed (status 0x%x)", i, status);
	/* While the daemon lives, opens and closes leave no kernel memory behind. */
	{
		long before, after;

		/* Once first: this process's reusable request record is made on its first call. */
		close(open("ram:file0", O_RDONLY));
		msleep(20);      /* the daemon takes the last closes */
		before = heap_blocks();
		for (int i = 0; i < 50; i++)
			close(open("ram:file0", O_RDONLY));
		msleep(20);
		after = heap_blocks();
		check(before > 0 && after <= before,
		      "50 opens and closes of a live daemon's file: heap blocks %ld, then %ld", before, after);
	}
	check(kill(daemon, SIGKILL) == 0 && waitpid(daemon, &status, 0) == daemon &&
	      WTERMSIG(status) == SIGKILL, "the daemon served until killed (status 0x%x)", status);
	check(sys_open((long)"ram:file0", 9, O_RDONLY) == -ENODEV, "after the daemon died: -ENODEV");
	check_done();
}
