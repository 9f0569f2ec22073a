/*
 * exectest - lab 5: fexec, through kernel and user schemes.
 *
 *   exectest errors      every way fexec can fail, each leaving the caller
 *                        running with its memory and fds (Exercise 1)
 *   exectest run:SEED    runs hello from prog: (the kernel's scheme) and
 *                        through px:, a user daemon here that answers each
 *                        read with a seeded short count (Exercise 2)
 *   exectest args:SEED   execs itself with seeded arguments and
 *                        environment, fds with and without close-on-exec,
 *                        and the 16 KiB limit, exact (Exercise 2)
 *   exectest echo ...    the far side of `args`: checks what it was given
 *   exectest segv        dies of a page fault (init.run's status for a
 *                        killed program: 128 + 11)
 *   (no arguments)       the far side of `args`'s argc == 0 case: only an
 *                        environment, "exectest=argc0"
 *
 * px: serves px:hello (prog:hello, read back in seeded short pieces),
 * px:bad (not an ELF), px:short (hello cut inside its text, with no size given, so
 * only the end of the reads shows it), px:dir (a directory) and px:noseek
 * (lseek fails with -ESPIPE).
 */
#include "anode.h"

#define HELLO_MAX (64 * 1024)
#define ARG_LIMIT (16 * 1024)
#define WORDS 24

static unsigned char hello[HELLO_MAX];
static long hello_bytes;
static uint64_t px_state;
static int canary = 0x5eed;
/* In a variable, so the compiler does not see (and warn about) the null write. */
static volatile uint64_t fault_address = 8;

enum px_file { PX_HELLO, PX_BAD, PX_SHORT, PX_DIR, PX_NOSEEK, PX_FILES };
static const char *const px_names[PX_FILES] = { "hello", "bad", "short", "dir", "noseek" };
struct px_handle {
	int file;
	uint64_t offset;
};
static struct px_handle px_handles[16];

static long px_size(int file)
{
	/* px:short ends inside hello's text (its first segment, at 4 KiB). */
	return file == PX_BAD ? 4096 : file == PX_SHORT ? 6000 : hello_bytes;
}

static long px_open(const char *path, uint64_t len)
{
	for (int f = 0; f < PX_FILES; f++) {
		if (strlen(px_names[f]) != len || memcmp(px_names[f], path, len) != 0)
			continue;
		for (int h = 0; h < 16; h++)
			if (px_handles[h].file < 0) {
				px_handles[h].file = f;
				px_handles[h].offset = 0;
				return h;
			}
		return -EMFILE;
	}
	return -ENOENT;
}

static long px_call(struct scheme_packet *p)
{
	struct px_handle *h = p->b < 16 && px_handles[p->b].file >= 0 ? &px_handles[p->b] : NULL;

	if (p->a == SYS_open)
		return px_open((const char *)p->b, p->c);
	if (!h)
		return -EBADF;
	switch (p->a) {
	case SYS_read: {
		long size = px_size(h->file), n = (long)h->offset < size ? size - (long)h->offset : 0;

		if ((uint64_t)n > p->d)
			n = (long)p->d;
		if (n > 1)  /* a seeded short count: the loader must loop */
			n = 1 + (long)(xorshift_next(&px_state) % (uint64_t)n);
		for (long i = 0; i < n; i++)
			((unsigned char *)p->c)[i] = h->file == PX_BAD ? 'x' : hello[h->offset + i];
		h->offset += (uint64_t)n;
		return n;
	}
	case SYS_lseek:
		if (h->file == PX_NOSEEK)
			return -ESPIPE;
		if (p->d != SEEK_SET || (int64_t)p->c < 0)
			return -EINVAL;
		h->offset = p->c;
		return (long)p->c;
	case SYS_fstat: {
		struct stat *st = (struct stat *)p->c;

		memset(st, 0, sizeof(*st));
		/* px:short says no size, like a device: only reads find the end. */
		st->st_mode = h->file == PX_DIR ? MODE_DIR | 0755
			    : h->file == PX_SHORT ? MODE_CHR | 0444 : MODE_FILE | 0755;
		st->st_size = (uint64_t)px_size(h->file);
		return 0;
	}
	default:
		return -ENOSYS;
	}
}

/* Starts the px: daemon; returns its pid once it serves. */
static int px_start(uint64_t seed)
{
	int ready[2], pid, fd = open("prog:hello", O_RDONLY);
	char byte;

	hello_bytes = fd < 0 ? -1 : read_full(fd, hello, sizeof(hello));
	close(fd);
	if (hello_bytes <= 0 || pipe2(ready, 0) < 0)
		return -1;
	px_state = seed | 1;
	pid = fork();
	if (pid == 0) {
		struct scheme_packet p;
		int sfd = open(":px", O_CREAT | O_RDWR);

		for (int h = 0; h < 16; h++)
			px_handles[h].file = -1;
		write(ready[1], "r", 1);
		while (sfd >= 0 && read(sfd, &p, sizeof(p)) == sizeof(p)) {
			if (p.a == SYS_close) {
				if (p.b < 16)
					px_handles[p.b].file = -1;
				continue;
			}
			p.a = (uint64_t)px_call(&p);
			write(sfd, &p, sizeof(p));
		}
		exit(0);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &byte, 1) != 1)
		return -1;
	close(ready[0]);
	return pid;
}

static long exec_raw(int fd, const struct exec_pair *args, long argc)
{
	return sys_fexec(fd, (long)args, argc, 0, 0);
}

static long exec_path(const char *path)
{
	struct exec_pair arg = { (uint64_t)"x", 1 };
	int fd = open(path, O_RDONLY);
	long err = fd < 0 ? -1000 - errno : exec_raw(fd, &arg, 1);

	close(fd);
	return err;
}

static void test_errors(void)
{
	static char big[ARG_LIMIT + 8];
	static struct exec_pair many[2100];
	struct exec_pair arg = { (uint64_t)"x", 1 }, bad_string = { 0x10, 4 };
	int pfd[2], me = getpid(), fd;
	struct stat st;

	check_begin("exectest errors");
	check(px_start(7) > 0, "the px: daemon starts");
	check(exec_raw(99, &arg, 1) == -EBADF, "fexec of a closed fd: -EBADF");
	check(exec_raw(-1, &arg, 1) == -EBADF, "fexec of fd -1: -EBADF");
	check(exec_path("prog:") == -EACCES, "fexec of a directory (prog:): -EACCES");
	check(exec_path("px:dir") == -EACCES, "fexec of a daemon's directory: -EACCES");
	check(exec_path("px:bad") == -ENOEXEC, "fexec of a file that is not ELF: -ENOEXEC");
	check(exec_path("px:short") == -ENOEXEC, "fexec of a file shorter than its headers say: -ENOEXEC");
	check(exec_path("px:noseek") == -ESPIPE, "the daemon's lseek error comes back: -ESPIPE");
	check(pipe2(pfd, 0) == 0 && write(pfd[1], "\x7f" "ELF", 4) == 4, "a pipe");
	check(exec_raw(pfd[0], &arg, 1) == -ENOEXEC, "fexec of a pipe (no lseek): -ENOEXEC");
	fd = open("prog:hello", O_RDONLY);
	check(sys_fexec(fd, 0x10, 1, 0, 0) == -EFAULT, "argument array at a bad address: -EFAULT");
	check(exec_raw(fd, &bad_string, 1) == -EFAULT, "an argument string at a bad address: -EFAULT");
	check(sys_fexec(fd, (long)&arg, 1, 0x10, 1) == -EFAULT, "environment at a bad address: -EFAULT");
	check(sys_fexec(fd, (long)&arg, 1L << 40, 0, 0) == -E2BIG, "2^40 arguments: -E2BIG");
	for (int i = 0; i < 2100; i++)
		many[i] = arg;
	check(exec_raw(fd, many, 2100) == -E2BIG, "2100 one-byte arguments (over 16 KiB with pointers): -E2BIG");
	memset(big, 'a', sizeof(big));
	{
		struct exec_pair huge = { (uint64_t)big, ARG_LIMIT };

		check(exec_raw(fd, &huge, 1) == -E2BIG, "one 16 KiB argument: -E2BIG");
	}
	close(fd);
	check(getpid() == me && canary == 0x5eed, "still the same process, memory intact");
	check(fstat(pfd[1], &st) == 0 && write(1, "", 0) == 0, "fds still open");
	check_done();
}

static void test_run(uint64_t seed)
{
	int status = -1, pid;

	check_begin("exectest run");
	check(px_start(seed) > 0, "the px: daemon starts");
	for (int i = 0; i < 2; i++) {
		const char *path = i == 0 ? "prog:hello" : "px:hello";

		pid = fork();
		if (pid == 0) {
			char *argv[] = { "hello", NULL };
			int fd = open(path, O_RDONLY);

			fexecv(fd, argv, NULL);
			printf("exectest: fexec %s failed (errno %d)\n", path, errno);
			exit(100);
		}
		check(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
		      "hello from %s runs and exits 0 (status 0x%x)", path, status);
	}
	check_done();
}

/* The seeded words of `args`: spaces, '=', every printable byte. */
static void make_word(uint64_t *state, char *word, int size)
{
	int n = 1 + (int)(xorshift_next(state) % (uint64_t)(size - 1));

	for (int i = 0; i < n; i++)
		word[i] = (char)(' ' + xorshift_next(state) % 95);
	word[n] = '\0';
}

static void test_args(uint64_t seed)
{
	static char words[WORDS][48], vars[WORDS][48], text[4][24], fill[ARG_LIMIT];
	char *argv[WORDS + 8], *envp[WORDS + 1];
	uint64_t state = seed | 1;
	int keep, gone, pid, status = -1, fd;

	check_begin("exectest args");
	keep = open("sys:uname", O_RDONLY);
	gone = open("sys:uname", O_RDONLY | O_CLOEXEC);
	pid = fork();
	if (pid == 0) {
		snprintf(text[0], 24, "%lu", seed);
		snprintf(text[1], 24, "%d", keep);
		snprintf(text[2], 24, "%d", gone);
		snprintf(text[3], 24, "%d", getpid());
		argv[0] = "exectest";
		argv[1] = "echo";
		for (int i = 0; i < 4; i++)
			argv[2 + i] = text[i];
		for (int i = 0; i < WORDS; i++) {
			make_word(&state, words[i], 48);
			argv[6 + i] = words[i];
			make_word(&state, vars[i], 48);
			envp[i] = vars[i];
		}
		argv[6 + WORDS] = NULL;
		envp[WORDS] = NULL;
		fd = open("prog:exectest", O_RDONLY | O_CLOEXEC);
		fexecv(fd, argv, envp);
		printf("exectest: fexec of prog:exectest failed (errno %d)\n", errno);
		exit(100);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
	      "the exec'd copy saw the seeded arguments, environment and fds (status 0x%x)", status);
	pid = fork();
	if (pid == 0) {
		struct exec_pair var = { (uint64_t)"exectest=argc0", 14 };

		fd = open("prog:exectest", O_RDONLY);
		sys_fexec(fd, 0, 0, (long)&var, 1);
		exit(100);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
	      "no arguments, one variable: argv is {NULL}, envp {\"exectest=argc0\", NULL} (status 0x%x)",
	      status);
	/* The limit, exactly: "exectest" and one argument of n bytes, each
	 * with its NUL, and five words: argc, two pointers and two NULLs. */
	fd = open("prog:hello", O_RDONLY);
	{
		uint64_t n = ARG_LIMIT - 9 - 1 - 8 * 5;
		struct exec_pair pairs[2] = { { (uint64_t)"exectest", 8 }, { (uint64_t)fill, n + 1 } };

		memset(fill, 'z', sizeof(fill));
		check(exec_raw(fd, pairs, 2) == -E2BIG, "one byte over 16 KiB: -E2BIG");
		pid = fork();
		if (pid == 0) {
			pairs[1].len = n;
			exec_raw(fd, pairs, 2);
			exit(100);
		}
		check(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
		      "exactly 16 KiB of arguments and pointers runs (status 0x%x)", status);
	}
	check_done();
}

/* argv: exectest echo SEED KEEP GONE PID words...; envp: the vars. */
static int echo(int argc, char **argv, char **envp)
{
	uint64_t state = parse_u64(argv[2]) | 1;
	char word[48];
	struct stat st;
	int n = 0;

	check_begin("exectest echo");
	check(argc == 6 + WORDS, "argc %d, expected %d", argc, 6 + WORDS);
	check(argv[argc] == NULL, "argv ends in NULL");
	check(getpid() == (int)parse_u64(argv[5]), "the same pid after fexec");
	check(fstat((int)parse_u64(argv[3]), &st) == 0, "an fd without O_CLOEXEC stays open");
	check(fstat((int)parse_u64(argv[4]), &st) < 0 && errno == EBADF,
	      "an O_CLOEXEC fd is closed by fexec");
	check(environ == envp, "crt0 sets environ");
	/* crt0 found argc at the initial rsp, and argv right above it. */
	check(((uint64_t)argv - 8) % 16 == 0, "the initial rsp (argv - 8 = %p) is 16-byte aligned",
	      (void *)((uint64_t)argv - 8));
	for (int i = 0; i < WORDS && argc == 6 + WORDS; i++) {
		make_word(&state, word, 48);
		check(strcmp(argv[6 + i], word) == 0, "argument %d is '%s', expected '%s'", 6 + i,
		      argv[6 + i], word);
		make_word(&state, word, 48);
		check(envp[i] && strcmp(envp[i], word) == 0, "variable %d is '%s', expected '%s'", i,
		      envp[i] ? envp[i] : "(null)", word);
	}
	while (envp[n])
		n++;
	check(n == WORDS, "%d variables, expected %d", n, WORDS);
	check_done();
}

int main(int argc, char **argv, char **envp)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc == 0) /* args's last case: argv is {NULL}, then the environment */
		return !(argv[0] == NULL && envp[0] && strcmp(envp[0], "exectest=argc0") == 0 &&
			 envp[1] == NULL);
	if (strcmp(mode, "segv") == 0)
		*(volatile int *)fault_address = 1;
	uint64_t seed = strchr(mode, ':') ? parse_u64(strchr(mode, ':') + 1) : 1;

	if (strcmp(mode, "echo") == 0 && argc > 5)
		return echo(argc, argv, envp);
	if (strcmp(mode, "errors") == 0)
		test_errors();
	if (strncmp(mode, "run", 3) == 0)
		test_run(seed);
	if (strncmp(mode, "args", 4) == 0)
		test_args(seed);
	printf("usage: exectest errors | run:SEED | args:SEED\n");
	return 2;
}
