/*
 * shmdemo - two processes share a page through ipcd's shm: scheme (lab 6).
 *
 * The parent creates shm:demo, sizes it with ftruncate and maps it. The
 * child opens the same name itself and maps it: the NAME is what the two
 * share, not anything inherited. It writes a message and exits; the
 * parent, having waited, reads the message out of its own mapping, where
 * it never wrote a byte.
 */
#include "anode.h"

#define SHM_PATH "shm:demo"
#define SHM_BYTES 4096

/* fmap of a whole shm: file, shared and writable; NULL after saying why. */
static char *shm_map(int fd, const char *who)
{
	struct fmap_request req = {
		.offset = 0,
		.size = SHM_BYTES,
		.flags = PROT_READ | PROT_WRITE | MAP_SHARED,
		.address = 0,
	};
	long addr = sys_fmap(fd, (long)&req, sizeof(req));

	if (addr < 0 && addr > -4096) {
		dprintf(2, "shmdemo: %s: fmap %s: errno %ld\n", who, SHM_PATH, -addr);
		return NULL;
	}
	return (char *)addr;
}

static __attribute__((noreturn)) void child_write_message(void)
{
	int fd = open(SHM_PATH, O_RDWR | O_CLOEXEC);
	char *page;

	if (fd < 0) {
		dprintf(2, "shmdemo: child: open %s: errno %d\n", SHM_PATH, errno);
		exit(1);
	}
	page = shm_map(fd, "child");
	if (!page)
		exit(1);
	snprintf(page, SHM_BYTES, "hello from pid %d", getpid());
	exit(0);
}

int main(int argc, char **argv)
{
	int fd, pid, status = 0;
	char *page;

	if (argc > 1) {
		dprintf(2, "usage: shmdemo\n");
		return 2;
	}
	fd = open(SHM_PATH, O_CREAT | O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		dprintf(2, "shmdemo: open %s: errno %d\n", SHM_PATH, errno);
		return 1;
	}
	if (ftruncate(fd, SHM_BYTES) < 0) {
		dprintf(2, "shmdemo: ftruncate %s: errno %d\n", SHM_PATH, errno);
		return 1;
	}
	page = shm_map(fd, "parent");
	if (!page)
		return 1;
	page[0] = '\0'; /* an old run's message must not pass for this one's */
	pid = fork();
	if (pid < 0) {
		dprintf(2, "shmdemo: fork: errno %d\n", errno);
		return 1;
	}
	if (pid == 0)
		child_write_message();
	if (waitpid(pid, &status, 0) != pid || status != WAIT_EXITED(0)) {
		dprintf(2, "shmdemo: the child failed (status 0x%x)\n", status);
		return 1;
	}
	if (page[0] == '\0') {
		printf("shmdemo: the child's message did not arrive\n");
		return 1;
	}
	printf("shmdemo: child wrote: %.*s\n", SHM_BYTES - 1, page);
	funmap(page, SHM_BYTES);
	close(fd);
	return 0;
}
