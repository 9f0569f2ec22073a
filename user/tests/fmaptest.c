/*
 * fmaptest - lab 6, Exercise 1: fmap through a user scheme, without ipcd.
 * A daemon forked here (`fm:`) answers fmap with addresses in its own
 * memory; the kernel shares those frames with the client.
 *
 *   fm:good      4 pages; the answer is base + offset
 *   fm:once      as good, then the daemon exits at once: the frames were
 *                taken with the answer, so the mapping still works
 *   fm:unaligned, fm:unmapped, fm:bounce, fm:readonly, fm:halfbad
 *                a bad answer first (base + 1, an unmapped page, the
 *                request's own bounce page, a read-only page for a
 *                writable map, a good page followed by an unmapped one):
 *                the kernel must refuse it (-EINVAL to the daemon), which
 *                then answers -EFAULT instead; the run's leak check shows
 *                that a refused answer kept no frame
 *
 * Shared means shared: writes on either side are seen on the other, in a
 * forked child of the client too, and after mprotect; a page the daemon
 * gave read-only cannot be made writable with mprotect.
 */
#include "anode.h"

#define PAGES 4
#define PAGE 4096UL

static volatile uint64_t *daemon_mem;     /* PAGES pages, the daemon's */
static const uint8_t *readonly_page;
static int refused;                       /* bad answers the kernel refused */

static uint64_t seeded(uint64_t seed, uint64_t i)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15UL + i + 1;

	return xorshift_next(&s);
}

/* The daemon's answer to one fmap, by the file's name; 1 more for the bad ones. */
static long fm_answer(const char *name, struct scheme_packet *p, int bad)
{
	const struct fmap_request *req = (const struct fmap_request *)p->c;
	uint64_t base = (uint64_t)daemon_mem;

	if (req->offset % PAGE || req->offset + req->size > PAGES * PAGE)
		return -EINVAL;
	if (!bad)
		return (long)(base + req->offset);
	if (strcmp(name, "unaligned") == 0)
		return (long)(base + 1);
	if (strcmp(name, "unmapped") == 0)
		return 0x7f0000000000L;
	if (strcmp(name, "bounce") == 0)
		return (long)(p->c & ~(PAGE - 1));
	if (strcmp(name, "readonly") == 0)
		return (long)readonly_page;
	if (strcmp(name, "halfbad") == 0)
		return (long)(base + (PAGES - 1) * PAGE); /* the next page is the gap after */
	return (long)(base + req->offset);
}

static void fm_serve(int sfd, int ready, int report)
{
	static char names[16][16];
	struct scheme_packet p;

	write(ready, "r", 1);
	while (read(sfd, &p, sizeof(p)) == sizeof(p)) {
		long result = -ENOSYS;

		if (p.a == SYS_close)
			continue;
		if (p.a == SYS_open) {
			long h = -1;

			for (int i = 0; i < 16 && h < 0; i++)
				if (!names[i][0])
					h = i;
			if (h < 0 || p.c == 0 || p.c >= 16)
				result = -EINVAL;
			else {
				memcpy(names[h], (const void *)p.b, p.c);
				names[h][p.c] = 0;
				result = h;
			}
		} else if (p.a == SYS_fmap && p.b < 16) {
			const char *name = names[p.b];
			int bad = strcmp(name, "good") != 0 && strcmp(name, "once") != 0;

			p.a = (uint64_t)fm_answer(name, &p, bad);
			if (bad) {
				/* The kernel must refuse the bad answer; then say -EFAULT. */
				if (write(sfd, &p, sizeof(p)) < 0 && errno == EINVAL)
					refused++;
				p.a = (uint64_t)-EFAULT;
				write(report, &refused, sizeof(refused));
			}
			write(sfd, &p, sizeof(p));
			if (strcmp(name, "once") == 0)
				exit(0);
			continue;
		}
		p.a = (uint64_t)result;
		write(sfd, &p, sizeof(p));
	}
	exit(0);
}

/* Starts a daemon serving fm: over its own PAGES pages, filled from seed. */
static int fm_start(uint64_t seed, int report[2])
{
	int ready[2], pid;
	char byte;

	if (pipe2(ready, 0) < 0 || pipe2(report, 0) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int sfd = open(":fm", O_CREAT | O_RDWR);

		daemon_mem = fmap_anonymous(PAGES * PAGE, PROT_READ | PROT_WRITE);
		readonly_page = fmap_anonymous(PAGE, PROT_READ);
		for (uint64_t i = 0; i < PAGES * PAGE / 8; i++)
			daemon_mem[i] = seeded(seed, i);
		if (sfd < 0 || !daemon_mem || !readonly_page)
			exit(1);
		fm_serve(sfd, ready[1], report[1]);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &byte, 1) != 1)
		return -1;
	close(ready[0]);
	return pid;
}

static void *fm_map_at(const char *path, uint64_t offset, uint64_t size, uint64_t flags,
		       uint64_t address, long *err)
{
	struct fmap_request req = { offset, size, flags, address };
	int fd = open(path, O_RDWR);
	long r = fd < 0 ? -errno : sys_fmap(fd, (long)&req, sizeof(req));

	close(fd); /* the mapping outlives the fd */
	*err = r < 0 ? r : 0;
	return r < 0 ? NULL : (void *)r;
}

static void *fm_map(const char *path, uint64_t offset, uint64_t size, uint64_t flags, long *err)
{
	return fm_map_at(path, offset, size, flags, 0, err);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1;
	int report[2], pid, status = -1, got = 0;
	volatile uint64_t *m;
	struct fmap_request req = { 0, PAGE, PROT_READ, 0 };
	long err;
	int fd;

	check_begin("fmaptest");
	pid = fm_start(seed, report);
	check(pid > 0, "the fm: daemon starts");
	m = fm_map("fm:good", 0, PAGES * PAGE, PROT_READ | PROT_WRITE, &err);
	check(m != NULL, "fmap of fm:good (%ld)", err);
	if (!m)
		check_done();
	check(m[0] == seeded(seed, 0) && m[PAGES * PAGE / 8 - 1] == seeded(seed, PAGES * PAGE / 8 - 1),
	      "the client sees the daemon's seeded bytes");
	m[5] = ~seeded(seed, 5);
	{
		volatile uint64_t *again = fm_map("fm:good", 2 * PAGE, PAGE, PROT_READ, &err);

		check(again && again[0] == seeded(seed, 2 * PAGE / 8),
		      "an offset of 2 pages maps the daemon's third page (%ld)", err);
		check(again && mprotect((void *)again, PAGE, PROT_READ | PROT_WRITE) < 0 &&
		      errno == EACCES, "a page shared read-only cannot be made writable: -EACCES");
		m[2 * PAGE / 8 + 1] = 77;
		check(again && again[1] == 77, "the read-only mapping sees the writable one's write");
		funmap((void *)again, PAGE);
	}
	pid = fork();
	if (pid == 0) {
		/* A forked child shares the pages, it does not copy them. */
		m[6] = 0x1234;
		exit(m[5] == ~seeded(seed, 5) ? 0 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
	      "a forked child sees the parent's write to the shared page");
	check(m[6] == 0x1234, "the parent sees the forked child's write");
	check(mprotect((void *)m, PAGES * PAGE, PROT_READ) == 0 && m[6] == 0x1234 &&
	      mprotect((void *)m, PAGES * PAGE, PROT_READ | PROT_WRITE) == 0,
	      "mprotect keeps the shared frames");
	m[7] = 0xabcd;
	check(funmap((void *)m, PAGES * PAGE) == 0, "funmap");
	m = fm_map("fm:good", 0, PAGE, PROT_READ, &err);
	check(m && m[5] == ~seeded(seed, 5) && m[6] == 0x1234 && m[7] == 0xabcd,
	      "a new mapping of the same pages sees every earlier write: one set of frames");
	if (m)
		funmap((void *)m, PAGE);
	check(fm_map("fm:good", 0, 5 * PAGE, PROT_READ, &err) == NULL && err == -EINVAL,
	      "beyond the daemon's pages: the daemon's -EINVAL (%ld)", err);
	{
		static const char *const bad[] = { "fm:unaligned", "fm:unmapped", "fm:bounce",
						   "fm:readonly", "fm:halfbad" };

		for (int i = 0; i < 5; i++) {
			/* halfbad: two pages, so the second one is the gap */
			m = fm_map(bad[i], 0, (i == 4 ? 2 : 1) * PAGE, PROT_READ | PROT_WRITE, &err);
			check(m == NULL && err == -EFAULT && read(report[0], &got, sizeof(got)) ==
			      sizeof(got) && got == i + 1,
			      "%s: the kernel refuses the bad answer (%d refused), the client gets "
			      "the daemon's next one (%ld)", bad[i], got, err);
		}
	}
	{
		/* A mapping in the way, on the third page: nothing stays mapped,
		 * and (the leak check) no frame keeps a reference. */
		uint64_t at = 0x300000000000UL;
		struct fmap_request anon = { 0, PAGE, PROT_READ | PROT_WRITE, at + 2 * PAGE };

		check(sys_fmap(-1, (long)&anon, sizeof(anon)) == (long)(at + 2 * PAGE),
		      "an anonymous page at a fixed address");
		check(fm_map_at("fm:good", 0, PAGES * PAGE, PROT_READ, at, &err) == NULL &&
		      err == -EEXIST, "fmap over a mapping in the way: -EEXIST (%ld)", err);
		anon.address = at;
		anon.size = 2 * PAGE;
		check(sys_fmap(-1, (long)&anon, sizeof(anon)) == (long)at,
		      "the pages before the one in the way were unmapped again");
		funmap((void *)at, 3 * PAGE);
	}
	fd = open("sys:uname", O_RDONLY);
	check(sys_fmap(fd, (long)&req, sizeof(req)) == -ENODEV, "fmap of a kernel scheme file: -ENODEV");
	close(fd);
	check(sys_fmap(42, (long)&req, sizeof(req)) == -EBADF, "fmap of a closed fd: -EBADF");
	m = fm_map("fm:once", 0, 2 * PAGE, PROT_READ, &err);
	check(m && m[PAGE / 8] == seeded(seed, PAGE / 8),
	      "the daemon exits right after answering: the mapping still has its frames (%ld)", err);
	check_done();
}
