/*
 * ls [PATH] - lists a directory, one name per line (default initfs:/).
 * `ls :` lists the schemes, `ls sys:` the kernel's facts. A directory is
 * whatever reads as a listing; a plain file is shown by its own name.
 *
 * Only initfs: has subdirectories, so only there is each entry fstat-ed
 * (open PATH/name) to mark directories with a '/', as `ls -F` does.
 */
#include "anode.h"

#define LS_NAME_MAX 256
#define LS_PATH_MAX (2 * LS_NAME_MAX)

struct listing {
	const char *dir;       /* the path being listed */
	bool mark_dirs;        /* initfs: only */
	char name[LS_NAME_MAX];
	size_t len;            /* bytes of name so far (a name may span reads) */
};

static bool is_directory(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && (st.st_mode & MODE_TYPE) == MODE_DIR;
	close(fd);
	return ok;
}

static void print_name(struct listing *l)
{
	char path[LS_PATH_MAX];
	const char *dir = l->dir;
	size_t dlen = strlen(dir);
	bool slash = dlen > 0 && dir[dlen - 1] != '/';

	l->name[l->len] = '\0';
	if (l->len == 0)
		return;
	snprintf(path, sizeof(path), "%s%s%s", dir, slash ? "/" : "", l->name);
	printf("%s%s\n", l->name, l->mark_dirs && is_directory(path) ? "/" : "");
	l->len = 0;
}

/* The listing's bytes, one name per line, in whatever pieces read gives. */
static void take_bytes(struct listing *l, const char *bytes, long n)
{
	for (long i = 0; i < n; i++) {
		if (bytes[i] == '\n')
			print_name(l);
		else if (l->len < sizeof(l->name) - 1)
			l->name[l->len++] = bytes[i];
	}
}

int main(int argc, char **argv)
{
	static char buf[4096];
	static struct listing l;
	const char *path = argc > 1 ? argv[1] : "initfs:/";
	struct stat st;
	long n;
	int fd;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		dprintf(2, "usage: ls [PATH]\n");
		return 2;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dprintf(2, "ls: %s: errno %d\n", path, errno);
		return 1;
	}
	/* Reading a file would print its bytes: show a file as its name. */
	if (fstat(fd, &st) == 0 && (st.st_mode & MODE_TYPE) != MODE_DIR) {
		printf("%s\n", path);
		close(fd);
		return 0;
	}
	l.dir = path;
	l.mark_dirs = strncmp(path, "initfs:", 7) == 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		take_bytes(&l, buf, n);
	print_name(&l); /* a last name without its newline */
	close(fd);
	if (n < 0) {
		dprintf(2, "ls: %s: errno %d\n", path, errno);
		return 1;
	}
	return 0;
}
