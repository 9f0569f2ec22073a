/*
 * main.c - bootstrap_main: from a bare stack to init (lab 5, handout §4).
 *
 * start.asm gave us a stack; nothing else exists: no fds, and every page
 * of the image, this program's data included, is read + execute. In
 * order: make the data writable (before any global is written: errno and
 * stdout's buffer are globals), give every other part its own rights,
 * open the console as fds 0-2, fork the initfs: daemon, wait until it
 * serves, and replace this process with initfs:/bin/init, as pid 1.
 */
#include "bootstrap.h"

#define PROT_RX (PROT_READ | PROT_EXEC)

/* The image after the bootstrap program: inode table, entries, names, data. */
LAB_HELPER static uint64_t bootstrap_files_start(const struct initfs_header *h)
{
	return INITFS_LOAD_ADDRESS + h->bootstrap_offset + h->bootstrap_bytes;
}

LAB_HELPER __attribute__((noreturn)) static void bootstrap_fail(const char *what, long err)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "bootstrap: %s failed (%ld)\n", what, err);

	sys_write(2, (long)line, n);
	sys_exit(1);
	for (;;)
		;
}

__attribute__((noreturn)) void bootstrap_main(void)
{
	// LAB 5.4 BEGIN: mprotect data RW first (raw calls), then text RX, rodata R, image R; fds 0-2; fork; handshake; fexec init
	const struct initfs_header *h = (const struct initfs_header *)BOOTSTRAP_IMAGE;
	uint64_t files = bootstrap_files_start(h);
	uint64_t image_end = INITFS_LOAD_ADDRESS + (h->image_bytes + INITFS_PAGE - 1) / INITFS_PAGE * INITFS_PAGE;
	char *init_argv[] = { "init", NULL };
	int ready[2], pid, fd;
	long err;
	char byte;

	/* Raw calls until the data is writable: the wrappers set errno. */
	err = sys_mprotect((long)__bootstrap_data, __bootstrap_end - __bootstrap_data,
			   PROT_READ | PROT_WRITE);
	if (err < 0)
		bootstrap_fail("mprotect of the data", err);
	if ((err = sys_mprotect((long)__bootstrap_text, __bootstrap_rodata - __bootstrap_text,
				PROT_RX)) < 0 ||
	    (err = sys_mprotect((long)__bootstrap_rodata, __bootstrap_data - __bootstrap_rodata,
				PROT_READ)) < 0 ||
	    (err = sys_mprotect(INITFS_LOAD_ADDRESS, INITFS_PAGE, PROT_READ)) < 0 ||
	    (files < image_end && (err = sys_mprotect((long)files, (long)(image_end - files),
							PROT_READ)) < 0))
		bootstrap_fail("mprotect", err);
	for (int i = 0; i < 3; i++)
		if ((fd = open("debug:", O_RDWR)) != i)
			bootstrap_fail("opening debug:", fd < 0 ? -errno : fd);
	printf("bootstrap: text %p, rodata %p, data %p-%p, image %p-%p\n", __bootstrap_text,
	       __bootstrap_rodata, __bootstrap_data, __bootstrap_end, (void *)BOOTSTRAP_IMAGE,
	       (void *)image_end);
	if (pipe2(ready, O_CLOEXEC) < 0)
		bootstrap_fail("pipe2", -errno);
	pid = fork();
	if (pid < 0)
		bootstrap_fail("fork", -errno);
	if (pid == 0) {
		close(ready[0]);
		initfs_serve(BOOTSTRAP_IMAGE, h->image_bytes, ready[1]);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1)
		bootstrap_fail("starting the initfs daemon", -EIO);
	close(ready[0]);
	printf("bootstrap: initfs: served by pid %d; exec initfs:/bin/init\n", pid);
	fflush_stdout();
	fd = open("initfs:/bin/init", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bootstrap_fail("opening initfs:/bin/init", -errno);
	fexecv(fd, init_argv, NULL);
	bootstrap_fail("fexec of initfs:/bin/init", -errno);
	// LAB 5.4 STUB
	// lab_not_implemented(5, "bootstrap_main");
	// LAB 5.4 END
}
