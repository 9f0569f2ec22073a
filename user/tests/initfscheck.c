/*
 * initfscheck - lab 5: the initfs: daemon, seen from a client. Run by
 * init (init.run=initfscheck -- MODE).
 *
 *   initfscheck tree     walks initfs: from its root and prints one line per
 *                        file ("initfs: file PATH SIZE HASH", FNV-1a 64) and
 *                        directory ("initfs: dir PATH ENTRIES"); the grader
 *                        compares them with the seeded files it packed.
 *                        Each file is also checked against fstat, fpath and
 *                        lseek (SEEK_SET, SEEK_CUR, SEEK_END, re-reads)
 *   initfscheck errors   every refusal: writes -EROFS, -ENOENT, -ENOTDIR...
 *   initfscheck kill     the daemon killed: clients get -EIO, then -ENODEV
 *   initfscheck maps     prints the daemon's mappings from sys:maps ("maps:
 *                        START-END rwxs"): it is bootstrap's fork, so they
 *                        show bootstrap's protections; the grader compares
 *                        them with bootstrap's memory-map line and the image
 */
#include "anode.h"

#define FILE_MAX (256 * 1024)
#define PATH_BYTES 512

static unsigned char data[FILE_MAX], again[FILE_MAX];

static uint64_t fnv1a(const unsigned char *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325UL;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3UL;
	return h;
}

static void check_file(const char *path, int fd, const struct stat *st)
{
	long n = read_full(fd, data, sizeof(data));
	char fp[PATH_BYTES + 8], want[PATH_BYTES + 8];
	long half = n / 2, fl;

	check(n >= 0 && (uint64_t)n == st->st_size, "%s: read %ld bytes, fstat says %lu", path, n,
	      st->st_size);
	if (n < 0)
		return;
	check(read(fd, again, 16) == 0, "%s: read at the end gives 0", path);
	check(lseek(fd, 0, SEEK_END) == n, "%s: SEEK_END is the size", path);
	check(lseek(fd, half, SEEK_SET) == half && read_full(fd, again, (size_t)(n - half)) == n - half &&
	      memcmp(again, data + half, (size_t)(n - half)) == 0, "%s: re-read from the middle", path);
	check(lseek(fd, -n, SEEK_CUR) == 0 && read_full(fd, again, (size_t)n) == n &&
	      memcmp(again, data, (size_t)n) == 0, "%s: SEEK_CUR back to 0 and read it all again", path);
	check(lseek(fd, -1, SEEK_SET) < 0 && errno == EINVAL, "%s: a negative offset is -EINVAL", path);
	snprintf(want, sizeof(want), "initfs:%s", path);
	fl = fpath(fd, fp, sizeof(fp) - 1);
	check(fl == (long)strlen(want) && memcmp(fp, want, (size_t)fl) == 0, "%s: fpath", path);
	check(fpath(fd, fp, 5) == 5 && memcmp(fp, "initf", 5) == 0,
	      "%s: fpath into a 5-byte buffer gives 5 bytes", path);
	check(st->st_nlink == 1, "%s: st_nlink is 1", path);
	printf("initfs: file %s %ld %016lx ino %lu\n", path, n, fnv1a(data, (uint64_t)n),
	       st->st_ino);
}

static int walk(const char *path)
{
	char full[PATH_BYTES + 8], list[8192], child[PATH_BYTES];
	struct stat st;
	int fd, entries = 0;
	long n;

	snprintf(full, sizeof(full), "initfs:%s", path);
	fd = open(full, O_RDONLY);
	check(fd >= 0, "open %s (errno %d)", full, errno);
	if (fd < 0)
		return -1;
	check(fstat(fd, &st) == 0, "fstat %s", full);
	if ((st.st_mode & MODE_TYPE) == MODE_FILE) {
		check_file(path, fd, &st);
		close(fd);
		return 0;
	}
	check((st.st_mode & MODE_TYPE) == MODE_DIR, "%s is a file or a directory", full);
	n = read_full(fd, list, sizeof(list) - 1);
	check(lseek(fd, 0, SEEK_END) == n, "%s: SEEK_END of a directory is its listing's size", full);
	close(fd);
	check(n >= 0 && (uint64_t)n == st.st_size, "%s: listing of %ld bytes, fstat says %lu", full, n,
	      st.st_size);
	if (n < 0)
		return -1;
	list[n] = '\0';
	for (char *name = list, *end; *name; name = end + 1) {
		end = strchr(name, '\n');
		if (!end)
			break;
		*end = '\0';
		entries++;
	}
	printf("initfs: dir %s %d ino %lu\n", path, entries, st.st_ino);
	for (char *name = list; entries-- > 0; name += strlen(name) + 1) {
		snprintf(child, sizeof(child), "%s%s%s", path, strcmp(path, "/") ? "/" : "", name);
		walk(child);
	}
	return 0;
}

static void errors(void)
{
	char name[300];
	int fd;

	check_begin("initfscheck errors");
	/* What bootstrap passed down, through init: the console as 0-2, nothing else. */
	for (int i = 0; i < 3; i++) {
		char fp[16] = { 0 };

		check(fpath(i, fp, sizeof(fp) - 1) == 6 && strcmp(fp, "debug:") == 0,
		      "fd %d is open on debug: (bootstrap opened it)", i);
	}
	for (int i = 3; i < 64; i++) {
		struct stat st;

		check(fstat(i, &st) < 0 && errno == EBADF, "fd %d is not open: bootstrap's own fds "
		      "close on exec", i);
	}
	check(sys_open((long)"initfs:/bin/init", 16, O_WRONLY) == -EROFS, "open for writing: -EROFS");
	check(sys_open((long)"initfs:/bin/init", 16, O_RDWR) == -EROFS, "open read-write: -EROFS");
	check(sys_open((long)"initfs:/new", 11, O_CREAT | O_WRONLY) == -EROFS, "create: -EROFS");
	check(sys_open((long)"initfs:/bin/init", 16, O_RDONLY | O_TRUNC) == -EROFS, "truncate: -EROFS");
	check(sys_unlink((long)"initfs:/bin/init", 16) == -EROFS, "unlink: -EROFS");
	check(sys_open((long)"initfs:/nothere", 15, O_RDONLY) == -ENOENT, "a missing file: -ENOENT");
	check(sys_open((long)"initfs:/bin/ini", 15, O_RDONLY) == -ENOENT,
	      "a prefix of a name is not the name: -ENOENT");
	check(sys_open((long)"initfs:/bin/initx", 17, O_RDONLY) == -ENOENT,
	      "a name plus a letter is not the name: -ENOENT");
	check(sys_open((long)"initfs:/bin/init/x", 18, O_RDONLY) == -ENOTDIR,
	      "a path through a file: -ENOTDIR");
	check(sys_open((long)"initfs:/bin/init", 16, O_RDONLY | O_DIRECTORY) == -ENOTDIR,
	      "O_DIRECTORY on a file: -ENOTDIR");
	memset(name, 'n', sizeof(name));
	memcpy(name, "initfs:/", 8);
	check(sys_open((long)name, sizeof(name), O_RDONLY) == -ENAMETOOLONG,
	      "a 292-byte name: -ENAMETOOLONG");
	fd = open("initfs:/bin/init", O_RDONLY);
	check(fd >= 0 && ftruncate(fd, 0) < 0 && errno == EROFS, "ftruncate: -EROFS");
	check(sys_dup(fd, (long)"x", 1) < 0, "dup with a word is refused");
	close(fd);
	fd = open("initfs://bin//init", O_RDONLY);
	{
		char fp[64];
		long n = fpath(fd, fp, sizeof(fp));

		check(fd >= 0 && n == 16 && memcmp(fp, "initfs:/bin/init", 16) == 0,
		      "repeated slashes are ignored; fpath is the clean path");
	}
	close(fd);
	check_done();
}

/* The number a line starts with. */
static int leading_number(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

/* The initfs daemon: the process called bootstrap that is not pid 1. */
static int daemon_pid(void)
{
	char text[4096];
	int fd = open("sys:context", O_RDONLY), pid = -1;
	long n = fd < 0 ? -1 : read_full(fd, text, sizeof(text) - 1);

	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		int p = leading_number(line);
		char *name = strstr(line, "bootstrap");

		if (p > 1 && name && (!strchr(line, '\n') || name < strchr(line, '\n')))
			pid = p;
	}
	return pid;
}

static void kill_daemon(void)
{
	int pid = daemon_pid(), fd, status;
	char byte;

	check_begin("initfscheck kill");
	check(pid > 1, "found the initfs daemon in sys:context (%d)", pid);
	fd = open("initfs:/bin/init", O_RDONLY);
	check(fd >= 0 && read(fd, &byte, 1) == 1, "a file is open and readable");
	/* The read below usually reaches the daemon before it has run to die:
	 * it is then failed with -EIO; if the timer let it die first, -ENODEV. */
	check(kill(pid, SIGKILL) == 0, "kill the daemon");
	{
		long r = sys_read(fd, (long)&byte, 1);

		check(r == -EIO || r == -ENODEV, "reading a file of the killed daemon: %ld", r);
	}
	check(sys_read(fd, (long)&byte, 1) == -ENODEV, "and again: -ENODEV");
	check(sys_open((long)"initfs:/bin/init", 16, O_RDONLY) == -ENODEV, "initfs: is gone: -ENODEV");
	close(fd);
	check(waitpid(pid, &status, WNOHANG) <= 0, "the daemon is not ours to reap");
	check_done();
}

static void print_daemon_maps(void)
{
	static char text[32768];
	int fd = open("sys:maps", O_RDONLY), pid = daemon_pid(), lines = 0;
	long n = fd < 0 ? -1 : read_full(fd, text, sizeof(text) - 1);

	check_begin("initfscheck maps");
	close(fd);
	check(n > 0 && pid > 1, "read sys:maps (%ld) and found the daemon (%d)", n, pid);
	if (n > 0) {
		text[n] = '\0';
		for (char *line = text, *end; *line; line = end + 1) {
			end = strchr(line, '\n');
			if (!end)
				break;
			*end = '\0';
			if (leading_number(line) == pid) {
				printf("maps: %s\n", strchr(line, ' ') + 1);
				lines++;
			}
		}
	}
	check(lines > 0, "the daemon has mappings");
	check_done();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "tree";

	if (strcmp(mode, "errors") == 0)
		errors();
	if (strcmp(mode, "kill") == 0)
		kill_daemon();
	if (strcmp(mode, "maps") == 0)
		print_daemon_maps();
	check_begin("initfscheck tree");
	walk("/");
	check_done();
}
