/*
 * shmtest - lab 6: shm:, the named shared memory ipcd serves (user/ipcd/shm.h).
 *
 *   init.run=shmtest -- basic SEED     (a lab 6 init has started ipcd)
 *   run=shmtest arg=basic:SEED         (no init: the test starts ipcd itself)
 *
 * Mode basic runs the same round twice, each in a process of its own:
 *   - errors: -ENOENT without O_CREAT; fmap before ftruncate; ftruncate to
 *     0 or past 16 MiB, or a second time to another size; fmap past the
 *     end, at an unaligned offset, or MAP_PRIVATE: all -EINVAL
 *   - fstat (a file, the size) and fpath
 *   - three processes open the name themselves, map it, each writes seeded
 *     words into its own part; after a pipe handshake each sees all three
 *     parts, also through a second mapping of just its part (an offset)
 *   - fork keeps sharing: a child's writes show in its parent and back
 *   - after mprotect(PROT_READ) a mapping still sees later writes; a
 *     handle opened O_RDONLY maps only for reading (-EACCES for writing)
 *   - the last close frees the object (-ENOENT) while mappings keep their
 *     pages; a new object of the same name is zeroed
 * and the main process compares the free frames (sys:memory) before and
 * after each round: after the second round they must be exactly what they
 * were after the first. The first round may leave a few pages behind that
 * stay with ipcd and the kernel for good (ipcd's heap and page tables, the
 * kernel's heap slabs); a second identical round must not take any more.
 */
#include "anode.h"

#define MAPPERS 3
#define PAGE_BYTES 4096UL
#define SIZE_MAX_BYTES (16UL << 20)
/* What the first round may leave behind for good (see above), in frames. */
#define WARM_UP_FRAMES_MAX 64

static uint64_t seed = 1;
static char text[4096];

static long slurp(const char *path)
{
	return read_text(path, text, sizeof(text));
}

/* Runs ipcd unless shm: is served already: under init (lab 6) it is;
 * with run= nobody started it. */
static int ensure_ipcd(void)
{
	static const char *const paths[] = { "initfs:/bin/ipcd", "prog:ipcd", NULL };
	int pid = ensure_daemon("shm", paths, "ipcd");

	if (pid > 0)
		printf("shmtest: started ipcd (pid %d)\n", pid);
	return pid;
}


/* Free frames, from sys:memory ("frames total N free M"); -1 if unreadable. */
static long free_frames(void)
{
	const char *at;
	uint64_t n;
	char digits[24];
	int i = 0;

	if (slurp("sys:memory") <= 0 || !(at = strstr(text, " free ")))
		return -1;
	for (at += 6; *at >= '0' && *at <= '9' && i < 23; at++)
		digits[i++] = *at;
	digits[i] = '\0';
	return str_to_u64(digits, &n) == 0 ? (long)n : -1;
}

/* One round trip to shm:'s daemon (an empty name: -EINVAL). It serves
 * requests in order, so every close sent before (at a process's exit) is
 * handled, and the pages it freed are back, once this returns. */
static long shm_barrier(void)
{
	return sys_open((long)"shm:", 4, O_RDWR);
}

static bool exited_ok(int pid, const char *what)
{
	int status = -1;
	bool ok = pid > 0 && waitpid(pid, &status, 0) == pid && status == 0;

	check(ok, "%s (pid %d) passed its checks (status 0x%x)", what, pid, status);
	return ok;
}

/* ---- the object ------------------------------------------------------------ */

/* The layout of one round's object: MAPPERS parts of whole pages. */
struct layout {
	char path[64];
	uint64_t part_bytes;    /* a multiple of PAGE_BYTES */
	uint64_t size;          /* what ftruncate gets: rounds up to MAPPERS parts */
	int round;
};

static long fmap_raw(int fd, uint64_t offset, uint64_t size, uint64_t flags)
{
	struct fmap_request req = { .offset = offset, .size = size, .flags = flags, .address = 0 };

	return sys_fmap(fd, (long)&req, sizeof(req));
}

/* Maps [offset, offset + size) shared and writable; NULL after saying why. */
static uint64_t *map(int fd, uint64_t offset, uint64_t size)
{
	long addr = fmap_raw(fd, offset, size, PROT_READ | PROT_WRITE | MAP_SHARED);

	if (addr < 0 && addr > -4096) {
		printf("shmtest: fmap of %lu bytes at %lu gave %ld\n", size, offset, addr);
		return NULL;
	}
	return (uint64_t *)addr;
}

/* The seeded word i of part `part` (generation: a later write's words differ). */
static uint64_t word_for(const struct layout *l, int part, uint64_t i, int generation)
{
	uint64_t state = (seed + 1) * 0x9e3779b97f4a7c15UL ^ ((uint64_t)l->round << 40) ^
			 ((uint64_t)part << 32) ^ ((uint64_t)generation << 48) ^ (i + 1);

	return xorshift_next(&state);
}

static void fill_part(const struct layout *l, uint64_t *base, int part, int generation)
{
	uint64_t *words = base + part * l->part_bytes / 8;

	for (uint64_t i = 0; i < l->part_bytes / 8; i++)
		words[i] = word_for(l, part, i, generation);
}

/* True if words (a mapping of part) hold the part's seeded words; says where not. */
static bool words_ok(const struct layout *l, const uint64_t *words, int part, int generation,
		     const char *who)
{
	for (uint64_t i = 0; i < l->part_bytes / 8; i++) {
		if (words[i] != word_for(l, part, i, generation)) {
			printf("shmtest: %s: part %d word %lu is %lx, not %lx\n", who, part, i,
			       words[i], word_for(l, part, i, generation));
			return false;
		}
	}
	return true;
}

/* The same, for part of a mapping of the whole object at base. */
static bool part_ok(const struct layout *l, const uint64_t *base, int part, int generation,
		    const char *who)
{
	return words_ok(l, base + part * l->part_bytes / 8, part, generation, who);
}

static bool all_zero(const uint64_t *words, uint64_t bytes)
{
	for (uint64_t i = 0; i < bytes / 8; i++)
		if (words[i])
			return false;
	return true;
}

/* ---- one round ------------------------------------------------------------- */

static void round_errors(const struct layout *l, int fd)
{
	struct stat st;
	char fp[80];
	long n;

	check(fmap_raw(fd, 0, PAGE_BYTES, PROT_READ | PROT_WRITE) == -EINVAL,
	      "fmap before ftruncate: -EINVAL");
	check(fstat(fd, &st) == 0 && st.st_size == 0, "fstat before ftruncate: size 0");
	check(ftruncate(fd, 0) < 0 && errno == EINVAL, "ftruncate to 0: -EINVAL");
	check(ftruncate(fd, (long)SIZE_MAX_BYTES + 1) < 0 && errno == EINVAL,
	      "ftruncate past 16 MiB: -EINVAL");
	check(ftruncate(fd, (long)l->size) == 0, "ftruncate to %lu (errno %d)", l->size, errno);
	check(ftruncate(fd, (long)l->size) == 0, "ftruncate to the same size again: 0");
	check(ftruncate(fd, (long)(l->size + PAGE_BYTES)) < 0 && errno == EINVAL,
	      "ftruncate to another size: -EINVAL");
	check(fstat(fd, &st) == 0 && (st.st_mode & MODE_TYPE) == MODE_FILE && st.st_size == l->size,
	      "fstat: a file of %lu bytes (mode 0%o, size %lu)", l->size, st.st_mode, st.st_size);
	n = fpath(fd, fp, sizeof(fp));
	check(n == (long)strlen(l->path) && memcmp(fp, l->path, (size_t)n) == 0, "fpath is %s",
	      l->path);
	check(fmap_raw(fd, l->part_bytes, MAPPERS * l->part_bytes, PROT_READ) == -EINVAL,
	      "fmap past the end: -EINVAL");
	check(fmap_raw(fd, MAPPERS * l->part_bytes, PAGE_BYTES, PROT_READ) == -EINVAL,
	      "fmap starting at the end: -EINVAL");
	check(fmap_raw(fd, 100, PAGE_BYTES, PROT_READ) == -EINVAL, "fmap at offset 100: -EINVAL");
	check(fmap_raw(fd, 0, PAGE_BYTES, PROT_READ | PROT_WRITE | MAP_PRIVATE) == -EINVAL,
	      "fmap with MAP_PRIVATE: -EINVAL");
}

/* A process that maps the object itself and writes its part; after the
 * handshake, checks every part, also through a mapping of its part alone. */
static void mapper(const struct layout *l, int part, int written, int go)
{
	int fd = open(l->path, O_RDWR);
	uint64_t *whole = fd >= 0 ? map(fd, 0, MAPPERS * l->part_bytes) : NULL;
	uint64_t *mine = fd >= 0 ? map(fd, (uint64_t)part * l->part_bytes, l->part_bytes) : NULL;
	char byte = 0;

	check_begin("shmtest mapper");
	check(fd >= 0, "mapper %d: open %s without O_CREAT (errno %d)", part, l->path, errno);
	check(whole && mine && mine != whole, "mapper %d: two mappings", part);
	if (whole)
		fill_part(l, whole, part, 1);
	write(written, "w", 1);
	check(read(go, &byte, 1) == 1, "mapper %d: the handshake", part);
	for (int p = 0; p < MAPPERS && whole; p++)
		check(part_ok(l, whole, p, 1, "mapper"), "mapper %d sees part %d", part, p);
	check(whole && mine && memcmp(mine, whole + part * l->part_bytes / 8, l->part_bytes) == 0,
	      "mapper %d: the mapping at offset %lu is the same memory", part,
	      (uint64_t)part * l->part_bytes);
	check_done();
}

/* Three processes write their parts, then each sees all of them. */
static void round_three_mappers(const struct layout *l, const uint64_t *whole)
{
	int written[2], go[MAPPERS][2], pids[MAPPERS];
	char byte;

	check(pipe2(written, 0) == 0, "pipe2");
	for (int i = 0; i < MAPPERS; i++) {
		check(pipe2(go[i], 0) == 0, "pipe2");
		pids[i] = fork();
		if (pids[i] == 0)
			mapper(l, i, written[1], go[i][0]);
	}
	for (int i = 0; i < MAPPERS; i++)
		check(read(written[0], &byte, 1) == 1, "mapper %d wrote its part", i);
	for (int i = 0; i < MAPPERS; i++)
		write(go[i][1], "g", 1);
	for (int i = 0; i < MAPPERS; i++) {
		exited_ok(pids[i], "a mapper");
		close(go[i][0]);
		close(go[i][1]);
	}
	close(written[0]);
	close(written[1]);
	for (int p = 0; p < MAPPERS; p++)
		check(part_ok(l, whole, p, 1, "creator"), "the creator sees part %d", p);
}

/* fork shares the mapping: the child's writes are the parent's, and back. */
static void round_fork(const struct layout *l, uint64_t *whole)
{
	int child = fork();

	if (child == 0) {
		fill_part(l, whole, 0, 2);
		exit(0);
	}
	check(exited_ok(child, "a forked writer") && part_ok(l, whole, 0, 2, "parent"),
	      "a forked child's writes show in its parent");
	fill_part(l, whole, 0, 3);
	child = fork();
	if (child == 0)
		exit(part_ok(l, whole, 0, 3, "child") ? 0 : 1);
	check(exited_ok(child, "a forked reader"), "the parent's writes show in a forked child");
}

/* A read-only mapping (mprotect) still sees what others write later. */
static void round_mprotect(const struct layout *l, uint64_t *whole)
{
	int ready[2], go[2], reader;
	char byte;

	check(pipe2(ready, 0) == 0 && pipe2(go, 0) == 0, "pipe2");
	reader = fork();
	if (reader == 0) {
		int ok = mprotect(whole, MAPPERS * l->part_bytes, PROT_READ) == 0;

		write(ready[1], ok ? "y" : "n", 1);
		read(go[0], &byte, 1);
		exit(ok && part_ok(l, whole, 1, 4, "read-only") ? 0 : 1);
	}
	check(read(ready[0], &byte, 1) == 1 && byte == 'y', "mprotect(PROT_READ) of a mapping");
	fill_part(l, whole, 1, 4);
	write(go[1], "g", 1);
	check(exited_ok(reader, "the read-only reader"), "a read-only mapping sees later writes");
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
}

/* A handle opened O_RDONLY maps for reading only. */
static void round_read_only(const struct layout *l)
{
	int fd = open(l->path, O_RDONLY);
	long view;

	check(fd >= 0, "open %s O_RDONLY (errno %d)", l->path, errno);
	check(fmap_raw(fd, 0, l->part_bytes, PROT_READ | PROT_WRITE) == -EACCES,
	      "a writable fmap through an O_RDONLY handle: -EACCES");
	check(fmap_raw(fd, 0, l->part_bytes, 0) == -EACCES,
	      "no protection given means read + write: through an O_RDONLY handle, -EACCES");
	view = fmap_raw(fd, l->part_bytes, l->part_bytes, PROT_READ | MAP_SHARED);
	check(view > 0 && words_ok(l, (const uint64_t *)view, 1, 4, "read-only view"),
	      "a read-only fmap at offset %lu sees the data (%ld)", l->part_bytes, view);
	check(view > 0 && mprotect((void *)view, l->part_bytes, PROT_READ | PROT_WRITE) < 0 &&
	      errno == EACCES, "mprotect cannot make the read-only view writable: -EACCES");
	if (view > 0)
		funmap((void *)view, l->part_bytes);
	close(fd);
}

/* The last close frees the object; mappings keep their pages; the name is new again. */
static void round_last_close(const struct layout *l, int fd, uint64_t *whole)
{
	uint64_t *fresh = NULL;

	close(fd);
	check(shm_barrier() == -EINVAL &&
	      sys_open((long)l->path, strlen(l->path), O_RDWR) == -ENOENT,
	      "the last close frees the object: -ENOENT");
	check(part_ok(l, whole, 1, 4, "after close") && part_ok(l, whole, 2, 1, "after close"),
	      "a mapping keeps its pages after the object is gone");
	fd = open(l->path, O_CREAT | O_RDWR);
	check(fd >= 0 && ftruncate(fd, (long)l->size) == 0 &&
	      (fresh = map(fd, 0, MAPPERS * l->part_bytes)) != NULL,
	      "a new object of the same name (errno %d)", errno);
	check(fresh && fresh != whole && all_zero(fresh, MAPPERS * l->part_bytes),
	      "the new object is zeroed, not the old one's pages");
	close(fd);
	if (fresh)
		funmap(fresh, MAPPERS * l->part_bytes);
}

static void round_run(int round)
{
	struct layout l = { .round = round };
	/* Both rounds lay the object out alike (only the words differ), so the
	 * second takes exactly what the first did. */
	uint64_t state = (seed + 1) * 0x2545f4914f6cdd1dUL;
	static char name[32];   /* check.c keeps the pointer until check_done */
	uint64_t *whole;
	int fd;

	snprintf(name, sizeof(name), "shmtest round %d", round);
	check_begin(name);
	snprintf(l.path, sizeof(l.path), "shm:basic-%lx", seed);
	l.part_bytes = PAGE_BYTES * (1 + xorshift_next(&state) % 3);
	l.size = MAPPERS * l.part_bytes - xorshift_next(&state) % 2000;
	printf("shmtest: round %d: %s, %lu bytes in %d parts of %lu\n", round, l.path, l.size,
	       MAPPERS, l.part_bytes);
	check(sys_open((long)l.path, strlen(l.path), O_RDWR) == -ENOENT,
	      "before it is created: -ENOENT");
	check(sys_open((long)"shm:", 4, O_CREAT | O_RDWR) == -EINVAL, "an empty name: -EINVAL");
	fd = open(l.path, O_CREAT | O_RDWR);
	check(fd >= 0, "create %s (errno %d)", l.path, errno);
	round_errors(&l, fd);
	whole = map(fd, 0, MAPPERS * l.part_bytes);
	check(whole && all_zero(whole, MAPPERS * l.part_bytes), "the creator's mapping: zeros");
	if (!whole)
		check_done();
	round_three_mappers(&l, whole);
	round_fork(&l, whole);
	round_mprotect(&l, whole);
	round_read_only(&l);
	round_last_close(&l, fd, whole);
	funmap(whole, MAPPERS * l.part_bytes);
	check_done();
}

/* ---- main ------------------------------------------------------------------ */

static void mode_basic(void)
{
	long frames[3];

	frames[0] = free_frames();
	for (int round = 1; round <= 2; round++) {
		int pid = fork();

		if (pid == 0)
			round_run(round);
		exited_ok(pid, round == 1 ? "round 1" : "round 2");
		check(shm_barrier() == -EINVAL, "shm: answers after round %d", round);
		frames[round] = free_frames();
		printf("shmtest: free frames before %ld, after round %d %ld\n", frames[0], round,
		       frames[round]);
	}
	check(frames[0] > 0 && frames[1] <= frames[0] &&
	      frames[0] - frames[1] <= WARM_UP_FRAMES_MAX,
	      "round 1 keeps at most %d frames for good (%ld)", WARM_UP_FRAMES_MAX,
	      frames[0] - frames[1]);
	check(frames[2] == frames[1], "round 2 gives back every frame (%ld before, %ld after)",
	      frames[1], frames[2]);
}

int main(int argc, char **argv)
{
	static char mode[32] = "basic";
	char *colon;

	/* init.run=shmtest -- MODE SEED, or run=shmtest arg=MODE:SEED */
	if (argc > 1)
		strlcpy(mode, argv[1], sizeof(mode));
	colon = strchr(mode, ':');
	if (colon) {
		*colon = '\0';
		seed = parse_u64(colon + 1);
	}
	if (argc > 2)
		seed = parse_u64(argv[2]);
	printf("shmtest: mode %s, seed %lu\n", mode, seed);
	if (strcmp(mode, "basic") != 0 && strcmp(mode, "all") != 0) {
		printf("shmtest: unknown mode %s (basic)\n", mode);
		exit(2);
	}
	if (ensure_ipcd() < 0) {
		printf("shmtest: no shm: and ipcd cannot be started\n");
		exit(2);
	}
	check_begin("shmtest basic");
	mode_basic();
	check_done();
}
