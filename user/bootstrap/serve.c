/*
 * serve.c - the initfs: daemon (lab 5, handout §5): bootstrap's forked
 * child, serving the image it shares with bootstrap, read-only.
 *
 * It checks the whole image first (initfs/initfs_check.c: a broken image
 * is one clear line, and then nothing trusts an offset that was not
 * checked), registers the scheme, tells bootstrap it is ready, and answers
 * requests: open, read, lseek, fstat, fpath, close; every write-like call
 * is -EROFS. Reading a directory gives its names, one per line.
 */
#include "bootstrap.h"

#define INITFS_HANDLES 64
#define INITFS_PATH_BYTES 1024
#define INITFS_BATCH 16

struct initfs_handle {
	bool used;
	uint32_t inode;
	uint64_t offset;
	char *path;                     /* absolute, for fpath (malloc) */
};

static const uint8_t *image;
static struct initfs_handle handles[INITFS_HANDLES];

static struct initfs_handle *handle_of(uint64_t h)
{
	return h < INITFS_HANDLES && handles[h].used ? &handles[h] : NULL;
}

static bool is_dir(const struct initfs_inode *node)
{
	return (node->mode & INITFS_MODE_TYPE) == INITFS_MODE_DIR;
}

/* A directory reads as its names, one per line: this many bytes. */
static uint64_t listing_bytes(const struct initfs_inode *dir)
{
	uint64_t bytes = 0;

	for (uint64_t i = 0; i < dir->size / sizeof(struct initfs_dirent); i++)
		bytes += initfs_dirent(image, dir, i)->name_bytes + 1;
	return bytes;
}

/* Copies bytes [offset, offset + len) of dir's listing to buf; the count. */
LAB_HELPER static uint64_t listing_read(const struct initfs_inode *dir, uint64_t offset, char *buf,
			     uint64_t len)
{
	uint64_t at = 0, done = 0;

	for (uint64_t i = 0; i < dir->size / sizeof(struct initfs_dirent) && done < len; i++) {
		const struct initfs_dirent *e = initfs_dirent(image, dir, i);

		for (uint64_t k = 0; k <= e->name_bytes && done < len; k++, at++)
			if (at >= offset)
				buf[done++] = k < e->name_bytes ? (char)image[e->name_offset + k] : '\n';
	}
	return done;
}

LAB_HELPER static uint64_t node_size(const struct initfs_inode *node)
{
	return is_dir(node) ? listing_bytes(node) : node->size;
}

LAB_HELPER static long initfs_open(const char *path, uint64_t len, uint64_t flags)
{
	char norm[INITFS_PATH_BYTES];
	uint32_t inode;
	int h, err;

	for (h = 0; h < INITFS_HANDLES && handles[h].used; h++)
		;
	if (h == INITFS_HANDLES)
		return -EMFILE;
	err = initfs_lookup(image, path, len, &inode, norm, sizeof(norm));
	if (err == -ENOENT && (flags & O_CREAT))
		return -EROFS;
	if (err < 0)
		return err;
	if ((flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR ||
	    (flags & (O_CREAT | O_TRUNC)))
		return -EROFS;
	if ((flags & O_DIRECTORY) && !is_dir(initfs_inode(image, inode)))
		return -ENOTDIR;
	handles[h].path = malloc(strlen(norm) + 1);
	if (!handles[h].path)
		return -ENOMEM;
	memcpy(handles[h].path, norm, strlen(norm) + 1);
	handles[h].used = true;
	handles[h].inode = inode;
	handles[h].offset = 0;
	return h;
}

/* One request; its result (the packet's new `a`). */
static long initfs_request(struct scheme_packet *p)
{
	// LAB 5.5 BEGIN: open via initfs_open; read (files, directory listings), lseek, fstat, fpath; writes -EROFS
	struct initfs_handle *h = handle_of(p->b);
	const struct initfs_inode *node = h ? initfs_inode(image, h->inode) : NULL;

	switch (p->a) {
	case SYS_open:
		return initfs_open((const char *)p->b, p->c, p->d);
	case SYS_unlink:
		return -EROFS;
	}
	if (!h)
		return -EBADF;
	switch (p->a) {
	case SYS_read: {
		uint64_t size = node_size(node);
		uint64_t n = h->offset < size ? size - h->offset : 0;

		n = n < p->d ? n : p->d;
		if (is_dir(node))
			n = listing_read(node, h->offset, (char *)p->c, n);
		else if (n)
			memcpy((void *)p->c, image + node->offset + h->offset, n);
		h->offset += n;
		return (long)n;
	}
	case SYS_lseek: {
		int64_t base = p->d == SEEK_SET ? 0 : p->d == SEEK_CUR ? (int64_t)h->offset
			     : p->d == SEEK_END ? (int64_t)node_size(node) : -1;
		int64_t to = base + (int64_t)p->c;

		if (base < 0 || to < 0 || ((int64_t)p->c > 0 && to < base))
			return -EINVAL;
		h->offset = (uint64_t)to;
		return to;
	}
	case SYS_fstat: {
		struct stat *st = (struct stat *)p->c;

		if (p->d < sizeof(*st))
			return -EINVAL;
		memset(st, 0, sizeof(*st));
		st->st_ino = h->inode;
		st->st_mode = node->mode;
		st->st_nlink = 1;
		st->st_size = node_size(node);
		st->st_blksize = INITFS_PAGE;
		st->st_blocks = (node->size + 511) / 512;
		return 0;
	}
	case SYS_fpath: {
		char path[INITFS_PATH_BYTES + 8];
		int n = snprintf(path, sizeof(path), "initfs:%s", h->path);

		n = n < (int)p->d ? n : (int)p->d;
		memcpy((void *)p->c, path, (size_t)n);
		return n;
	}
	case SYS_write:
	case SYS_ftruncate:
		return -EROFS;
	case SYS_fsync:
		return 0;
	default:
		return -ENOSYS;
	}
	// LAB 5.5 STUB
	// (void)p;
	// lab_not_implemented(5, "initfs_request");
	// LAB 5.5 END
}

static void initfs_close(uint64_t h)
{
	if (handle_of(h)) {
		handles[h].used = false;
		free(handles[h].path);
	}
}

__attribute__((noreturn)) void initfs_serve(const uint8_t *at, uint64_t size, int ready_fd)
{
	struct scheme_packet packets[INITFS_BATCH];
	struct initfs_error err;
	int sfd;

	if (initfs_check(at, size, &err) < 0) {
		dprintf(2, "initfs: bad image: %s (at %lu)\n", err.what, err.where);
		exit(2);
	}
	image = at;
	sfd = open(":initfs", O_CREAT | O_RDWR | O_CLOEXEC);
	if (sfd < 0) {
		dprintf(2, "initfs: cannot register initfs: (errno %d)\n", errno);
		exit(3);
	}
	write(ready_fd, "r", 1);
	close(ready_fd);
	for (;;) {
		long n = read(sfd, packets, sizeof(packets)), replies = 0;

		if (n <= 0 || n % (long)sizeof(packets[0])) {
			dprintf(2, "initfs: reading requests failed (%ld, errno %d)\n", n, errno);
			exit(4);
		}
		for (long i = 0; i < n / (long)sizeof(packets[0]); i++) {
			if (packets[i].a == SYS_close) {
				initfs_close(packets[i].b); /* a close expects no answer */
				continue;
			}
			packets[replies] = packets[i];
			packets[replies].a = (uint64_t)initfs_request(&packets[replies]);
			replies++;
		}
		if (replies && write(sfd, packets, (size_t)replies * sizeof(packets[0])) < 0) {
			dprintf(2, "initfs: replying failed (errno %d)\n", errno);
			exit(5);
		}
	}
}
