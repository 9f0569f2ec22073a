/*
 * args.c - what a fuzzed call gets as arguments. Each call's shape (one
 * letter per argument: an fd, a pointer, a length, a pid...) says which
 * kind of value to pick, and each kind is biased toward trouble: bad,
 * read-only and page-edge pointers, huge and wrapping lengths, odd fds and
 * pids. Many values point into the pages every worker has (mapped here by
 * the harness before the first fork, so every worker inherits them): the
 * scratch pages, the quiet page, the read-only canary and the victim pages.
 * Above: worker.c, which calls choose_arguments for each call; the call
 * table is in calls.c. Shared declarations: fuzz.h.
 */
#include "fuzz.h"

#define LONG_SLEEP_RARITY 256     /* one timespec in 256 asks for a second or more */
#define ALL_MEMORY_RARITY 64      /* one fmap request in 64 asks for 4 GiB */

/* ---- the pages every worker has (mapped by the harness, copied by fork) ---- */

struct own_pages own_pages;

/* The canary's pattern, compared with the page after every call. */
static uint64_t canary_copy[PAGE / 8];

static uint64_t map_page(uint64_t bytes)
{
	void *p = fmap_anonymous(bytes, PROT_READ | PROT_WRITE);

	if (!p) {
		printf("fuzz: cannot map %lu bytes (errno %d)\n", bytes, errno);
		exit(2);
	}
	return (uint64_t)p;
}

/*
 * The harness maps these once, before its first fork, so every worker
 * inherits them; the canary's pattern follows from SEED.
 */
void map_own_pages(uint64_t seed)
{
	uint64_t r = seed ^ 0xca9a7c0ffee;

	own_pages.scratch = map_page(SCRATCH_BYTES);
	own_pages.quiet = map_page(PAGE);
	memset((void *)own_pages.quiet, '.', PAGE);
	for (uint64_t i = 63; i < PAGE; i += 64)
		((char *)own_pages.quiet)[i] = '\n';
	own_pages.canary = map_page(PAGE);
	for (uint64_t i = 0; i < PAGE / 8; i++)
		canary_copy[i] = ((uint64_t *)own_pages.canary)[i] = next_random(&r);
	own_pages.victim = map_page(4 * PAGE);
	own_pages.mmap_end = own_pages.victim;
	mprotect((void *)own_pages.quiet, PAGE, PROT_READ);
	mprotect((void *)own_pages.canary, PAGE, PROT_READ);
}

/* Whether the canary still holds its pattern: it is read-only, so no call may change it. */
bool canary_intact(void)
{
	return memcmp((const void *)own_pages.canary, canary_copy, PAGE) == 0;
}

/* ---- interesting argument values ------------------------------------------- */

static const uint64_t interesting_ints[] = {
	0, 1, 2, 3, 4, -1UL, -2UL, 64, 255, 256, 4096, 0x7fffffff, 0x80000000, 0xffffffff,
	1UL << 32, (1UL << 32) | 1, 1UL << 63, 0x7fffffffffffffff,
};

static const uint64_t interesting_lengths[] = {
	0, 1, 8, 16, 32, 4095, 4096, 4097, 8192, 1UL << 20, 1UL << 32, (1UL << 32) + 1,
	1UL << 63, -4096UL, -1UL, 0x7fffffffffffUL, NONCANONICAL,
};

static const uint64_t bad_addresses[] = {
	0, 1, 8, 0xfff, 0x1000,                        /* null page, unmapped bottom of user space */
	0xffff800000000000UL, 0xffffffff80000000UL,    /* direct map, kernel image */
	0xffffffff80100000UL, 0xfffffe8000000000UL,    /* kernel text, kernel stacks */
	0xfffffffffffff000UL, 0xfffffffffffffff0UL, -1UL,
	NONCANONICAL, 0x8000000000000000UL, 0x0000fffffffff000UL,
	TOP_USER_PAGE, TOP_USER_PAGE + 0xff8, 0x0000700000000000UL,
	STACK_TOP - STACK_BYTES - PAGE, STACK_TOP,     /* stack guard page, above the stack */
};

/* Low fds are the ones a worker has opened (lab 4): pipes, sys: files, schemes. */
static const uint64_t interesting_fds[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 63, -1UL, 64, 0xffffffff, (1UL << 32) | 1,
};

/* Paths (lab 4): every kernel scheme, the root, user schemes to register, and wrong shapes;
 * lab 5's prog: files (fexec material) and sys:power, which only pid 1 may write. */
static const char *const interesting_paths[] = {
	"sys:uname", "sys:", "sys:context", "sys:cmdline", "sys:memory", "sys:scheme", "sys:nope",
	"sys:uname:x", "sys", "", ":", "pipe:", "debug:", "nosuch:x", ":fz", ":fz1", ":FZ", ":a/b",
	"fz:file", "fz1:x", "sys:/uname", "//sys:uname", ":abcdefghijklmnopqrstuvwxyz0123456",
	"prog:hello", "prog:", "prog:nope", "prog:fuzz", "sys:power",
};

static const uint64_t interesting_open_flags[] = {
	O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_CREAT, O_CREAT, O_RDONLY | O_DIRECTORY,
	O_RDWR | O_CLOEXEC, O_RDONLY | O_NONBLOCK, 0, -1UL,
};

static uint64_t pick_int(uint64_t *r)
{
	switch (random_below(r, 4)) {
	case 0: return next_random(r);
	case 1: return random_below(r, 256);
	default: return PICK(r, interesting_ints);
	}
}

static uint64_t scratch_address(uint64_t *r)
{
	return own_pages.scratch + 8 * random_below(r, SCRATCH_BYTES / 8 - 4);
}

/* A path in the scratch pages; its length is kept for the length argument after it. */
static uint64_t pick_path(struct worker *w, struct fuzz_call *c)
{
	uint64_t *r = &w->rng, at = scratch_address(r);
	const char *path = PICK(r, interesting_paths);
	size_t len = strlen(path);

	if (at + len > own_pages.scratch + SCRATCH_BYTES)
		at = own_pages.scratch;
	memcpy((void *)at, path, len);
	c->path_len = len;
	return at;
}

/* A pointer the kernel reads or writes: valid, read-only, bad, or at a page edge. */
static uint64_t pick_pointer(struct worker *w)
{
	uint64_t *r = &w->rng;
	static const uint64_t edge_offsets[] = { 1, 4, 8, 15, 16, 32 };

	switch (random_below(r, 10)) {
	case 0: case 1: return PICK(r, bad_addresses);
	case 2: return own_pages.scratch + SCRATCH_BYTES - PICK(r, edge_offsets);
	case 3: return (uint64_t)fuzz_raw_syscall + random_below(r, 64); /* text */
	case 4: return (uint64_t)interesting_ints;                      /* rodata */
	case 5: return own_pages.canary + 8 * random_below(r, PAGE / 8);
	case 6: return next_random(r);
	default: return scratch_address(r);
	}
}

static uint64_t pick_length(struct worker *w, uint64_t before)
{
	uint64_t *r = &w->rng;

	if (w->path_len_pending) {          /* after a path: mostly its own length */
		w->path_len_pending = false;
		if (!one_in(r, 4))
			return w->path_len;
	}
	uint64_t scratch_end = own_pages.scratch + SCRATCH_BYTES;

	/* Up to (or one past) the end of the scratch pages: the page-boundary case. */
	if (before >= own_pages.scratch && before < scratch_end && one_in(r, 4))
		return scratch_end - before + random_below(r, 2);
	/* From a page to the end of user space: a huge but valid range. */
	if (before % PAGE == 0 && before < TOP_USER_PAGE && before && one_in(r, 16))
		return (one_in(r, 2) ? TOP_USER_PAGE : NONCANONICAL) - before;
	if (one_in(r, 4))
		return random_below(r, 64);
	return PICK(r, interesting_lengths);
}

/* A page address for funmap, mprotect and fmap hints; rarely one of our own. */
static uint64_t pick_page(struct worker *w)
{
	uint64_t *r = &w->rng;

	switch (random_below(r, 32)) {
	case 0: case 1: case 2: case 3: return PICK(r, bad_addresses) & ~(PAGE - 1);
	case 4: case 5: return own_pages.victim + 1 + random_below(r, PAGE - 1);
	case 6: case 7: case 8: case 9: return w->recent_map ? w->recent_map : own_pages.victim;
	case 10: case 11: return TOP_USER_PAGE - PAGE * random_below(r, 2);
	case 12: case 13: return 0x0000700000000000UL + PAGE * random_below(r, 4);
	case 14: case 15: return next_random(r) & 0x00007ffffffff000UL;
	case 16: /* one of our own pages: text, scratch, canary or stack */
		switch (random_below(r, 4)) {
		case 0: return IMAGE_START;
		case 1: return own_pages.scratch;
		case 2: return own_pages.canary;
		default: return STACK_TOP - PAGE;
		}
	default: return own_pages.victim + PAGE * random_below(r, 4);
	}
}

static uint64_t pick_prot(uint64_t *r)
{
	static const uint64_t prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_WRITE, PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};

	return one_in(r, 8) ? pick_int(r) : PICK(r, prots);
}

/* A pid just above ours: a child of ours, a sibling worker's, or nobody. */
int pid_near(struct worker *w)
{
	return w->pid + 1 + (int)random_below(&w->rng, 3);
}

static uint64_t pick_pid(struct worker *w)
{
	uint64_t *r = &w->rng;

	switch (random_below(r, 8)) {
	case 0: return -1UL;
	case 1: return 0;
	case 2: return (uint64_t)w->pid;
	case 3: return (uint64_t)pid_near(w);
	case 4: return 2 + random_below(r, 64);
	case 5: return 0x80000000;
	case 6: return (1UL << 32) | (uint64_t)w->pid;
	default: return pick_int(r);
	}
}

/* A timespec in the scratch pages, usually short; sometimes a bad pointer. */
static uint64_t pick_timespec(struct worker *w)
{
	static const struct timespec times[] = {
		{ 0, 0 }, { 0, 1 }, { 0, 4000000 }, { 0, 1000000000 }, { -1, 0 }, { 0, -1 },
		{ 1000001, 0 }, { INT64_MIN, 0 },
	};
	static const struct timespec long_times[] = { { 0, 999999999 }, { 1, 0 }, { 1000000, 0 } };
	uint64_t *r = &w->rng, at = scratch_address(r) & ~15UL;

	/* Not the scratch pages' leftovers: the time clock_gettime left there is seconds long. */
	switch (random_below(r, 16)) {
	case 0: return PICK(r, bad_addresses);
	case 1: return own_pages.scratch + SCRATCH_BYTES - 8;
	case 2: return own_pages.canary + 16 * random_below(r, PAGE / 16);
	default: break;
	}
	*(struct timespec *)at = one_in(r, LONG_SLEEP_RARITY) ? PICK(r, long_times) : PICK(r, times);
	return at;
}

/* An fmap request in the scratch pages, remembered in c for the checks. */
static uint64_t pick_fmap_request(struct worker *w, struct fuzz_call *c)
{
	static const uint64_t sizes[] = { 0, 1, 4096, 4097, 3 * 4096, 1UL << 20,
					  (1UL << 32) + 1, 1UL << 63, -4096UL };
	uint64_t *r = &w->rng;
	struct fmap_request req = { 0, PICK(r, sizes), pick_prot(r), 0 };

	if (one_in(r, 4))
		return pick_pointer(w);
	/* All of memory, to be given back after -ENOMEM: a slow path, so a rare one. */
	if (one_in(r, ALL_MEMORY_RARITY))
		req.size = 1UL << 32;
	if (one_in(r, 8))
		req.offset = pick_int(r);
	if (one_in(r, 2))
		req.address = pick_page(w);
	c->request = req;
	c->request_at = scratch_address(r);
	memcpy((void *)c->request_at, &req, sizeof(req));
	return c->request_at;
}

/* ---- each call's shape, and a value for each letter -------------------------- */

/*
 * What each argument is, one letter per argument: i int, f fd, F fd for
 * fmap (mostly the anonymous one), p pointer the kernel reads, w pointer
 * it writes, l length, z size of the struct before it, a page address,
 * m map flags, c clock, n pid (waitpid), k pid (kill), s signal, o waitpid
 * options, t timespec pointer, r fmap request pointer, e exit code, x
 * clone flags, P path (lab 4: its length follows), O open flags. One letter per argument of syscall.def (main.c checks with
 * shapes_match_syscall_def); a call missing here gets random kinds.
 */
static const char *const shapes[CALL_COUNT] = {
	[CALL_open] = "PlO",      [CALL_unlink] = "Pl",    [CALL_close] = "f",
	[CALL_read] = "fwl",      [CALL_write] = "fpl",    [CALL_lseek] = "fii",
	[CALL_dup] = "fpl",       [CALL_dup2] = "ffpl",    [CALL_fstat] = "fwl",
	[CALL_fpath] = "fwl",     [CALL_fmap] = "Frz",     [CALL_funmap] = "al",
	[CALL_ftruncate] = "fl",  [CALL_fsync] = "f",      [CALL_fexec] = "fplpl",
	[CALL_exit] = "e",        [CALL_waitpid] = "nwo",  [CALL_getpid] = "",
	[CALL_kill] = "ks",       [CALL_clone] = "x",      [CALL_mprotect] = "alm",
	[CALL_yield] = "",        [CALL_nanosleep] = "tw", [CALL_clock_gettime] = "cw",
	[CALL_pipe2] = "wi",      [CALL_debug_args] = "iiiiii",
};

/* Each shape must have one letter per argument: syscall.def may change. */
bool shapes_match_syscall_def(void)
{
	for (int i = 0; i < CALL_COUNT; i++) {
		if (shapes[i] && (int)strlen(shapes[i]) != syscalls[i].nargs) {
			printf("fuzz: the shape of %s has %d letters, syscall.def says %d arguments\n",
			       syscalls[i].name, (int)strlen(shapes[i]), syscalls[i].nargs);
			return false;
		}
	}
	return true;
}

/* A value of this kind; before is the argument ahead of it (a length follows its buffer). */
static uint64_t pick_argument(struct worker *w, struct fuzz_call *c, char kind, uint64_t before)
{
	static const uint64_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, 0, 2, 3, -1UL };
	static const uint64_t signals[] = { SIGKILL, 0, 1, SIGSEGV, 64, 65, -1UL };
	static const uint64_t wait_options[] = { 0, WNOHANG, 2, -1UL };
	uint64_t *r = &w->rng;

	if (one_in(r, 16)) /* now and then anything at all */
		return pick_int(r);
	switch (kind) {
	case 'f': return one_in(r, 4) ? FMAP_ANONYMOUS_FD : PICK(r, interesting_fds);
	case 'F': return one_in(r, 4) ? PICK(r, interesting_fds) : FMAP_ANONYMOUS_FD;
	case 'p': case 'w': return pick_pointer(w);
	case 'l': return pick_length(w, before);
	case 'z': return one_in(r, 4) ? pick_length(w, before) : sizeof(struct fmap_request);
	case 'a': return pick_page(w);
	case 'm': return pick_prot(r);
	case 'c': return PICK(r, clocks);
	case 'n': case 'k': return pick_pid(w);
	case 's': return PICK(r, signals);
	case 'o': return PICK(r, wait_options);
	case 't': return pick_timespec(w);
	case 'r': return pick_fmap_request(w, c);
	case 'x': return one_in(r, 2) ? CLONE_NONE : pick_int(r);
	case 'P':
		if (one_in(r, 4))
			return pick_pointer(w);
		before = pick_path(w, c);
		w->path_len = c->path_len;
		w->path_len_pending = true;
		return before;
	case 'O': return one_in(r, 8) ? pick_int(r) : PICK(r, interesting_open_flags);
	default: return pick_int(r);
	}
}

/* Arguments as the call's shape says; an unknown number gets six of any kind. */
void choose_arguments(struct worker *w, struct fuzz_call *c)
{
	static const char any_kind[] = { 'i', 'f', 'p', 'w', 'l', 'a' };
	const char *shape = c->call >= 0 ? shapes[c->call] : NULL;
	int nargs = c->call >= 0 ? syscalls[c->call].nargs : 6;

	for (int i = 0; i < 6; i++) {
		char kind = shape ? shape[i] : PICK(&w->rng, any_kind);

		/* Registers past nargs are loaded too: they must survive like the rest. */
		c->raw.arg[i] = i < nargs ? pick_argument(w, c, kind, i ? c->raw.arg[i - 1] : 0)
					  : next_random(&w->rng);
	}
}

