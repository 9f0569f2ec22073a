/*
 * schemereg - lab 4, Exercise 4: registering user schemes on the root
 * scheme, and their death. open(":NAME", O_CREAT) makes scheme NAME and
 * returns its scheme fd; names are checked; a name is taken once; the
 * scheme shows in the lists while it lives, and is gone (-ENODEV) once its
 * scheme fd's last reference closes, also when a forked copy held it.
 */
#include "anode.h"

static char text[2048];

static int listed(const char *name)
{
	int fd = open(":", O_RDONLY);
	long n = fd < 0 ? -1 : read_full(fd, text, sizeof(text) - 1);
	char line[40];

	close(fd);
	text[n < 0 ? 0 : n] = 0;
	snprintf(line, sizeof(line), "%s\n", name);
	return strstr(text, line) == text || (strstr(text, line) && strstr(text, line)[-1] == '\n');
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? parse_u64(argv[1]) : 1;
	char name[24], path[40];
	int sfd, status;

	check_begin("schemereg");
	snprintf(name, sizeof(name), "test%lu", seed % 100000);
	snprintf(path, sizeof(path), ":%s", name);
	sfd = open(path, O_CREAT | O_RDWR);
	check(sfd >= 3, "open(\"%s\", O_CREAT) gives a scheme fd (%d, errno %d)", path, sfd, errno);
	check(listed(name), "':' lists %s", name);
	check(sys_open((long)path, (long)strlen(path), O_CREAT | O_RDWR) == -EEXIST,
	      "registering %s twice gives -EEXIST", name);
	check(sys_open((long)":sys", 4, O_CREAT | O_RDWR) == -EEXIST, "sys is taken (-EEXIST)");
	check(sys_open((long)":Bad", 4, O_CREAT) == -EINVAL && sys_open((long)":a/b", 4, O_CREAT) == -EINVAL &&
	      sys_open((long)":a:b", 4, O_CREAT) == -EINVAL && sys_open((long)":a b", 4, O_CREAT) == -EINVAL,
	      "names with capitals, '/', ':' or spaces give -EINVAL");
	check(sys_open((long)":abcdefghijklmnopqrstuvwxyz012345", 33, O_CREAT) == -EINVAL,
	      "a 32-byte name gives -EINVAL (31 at most)");
	check(sys_open((long)":nocreate", 9, O_RDWR) == -ENOENT, "without O_CREAT: -ENOENT");
	{
		char p[40];

		check(fpath(sfd, p, sizeof(p)) == (long)strlen(path) && strncmp(p, path, strlen(path)) == 0,
		      "fpath of the scheme fd is %s", path);
	}
	/* A forked child holds the scheme fd too: the scheme lives until both close. */
	{
		int child = fork();

		if (child == 0) {
			msleep(20);
			exit(0);
		}
		close(sfd);
		check(listed(name), "the child's copy of the scheme fd keeps %s registered", name);
		waitpid(child, &status, 0);
		check(!listed(name), "once the last copy closed, %s is gone", name);
	}
	snprintf(path, sizeof(path), "%s:file", name);
	check(sys_open((long)path, (long)strlen(path), O_RDONLY) == -ENODEV,
	      "opening %s after its scheme died gives -ENODEV", path);
	snprintf(path, sizeof(path), ":%s", name);
	sfd = open(path, O_CREAT | O_RDWR);
	check(sfd >= 0, "the name can be registered again once free");
	close(sfd);
	/* Many schemes: the table fills, then frees. */
	{
		int fds[40], n = 0;

		for (; n < 40; n++) {
			snprintf(path, sizeof(path), ":many%d", n);
			if ((fds[n] = open(path, O_CREAT | O_RDWR)) < 0)
				break;
		}
		check(n < 40 && (errno == ENFILE), "the scheme table fills: %d registered, then errno %d",
		      n, errno);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		check(open(":again", O_CREAT | O_RDWR) >= 0, "and has room once they are closed");
	}
	check_done();
}
