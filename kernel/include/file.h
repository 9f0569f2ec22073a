/*
 * file.h - open files and file-descriptor tables (lab 4, handout §2).
 *
 * A `struct file` is an open-file description: which scheme serves it,
 * the scheme's own name for it (the handle), and the flags it was opened
 * with. File descriptors are per-process indexes into a table of
 * references to descriptions: dup and fork share a description (and so its
 * offset, which the scheme keeps per handle), and the scheme hears `close`
 * only when the last reference goes.
 */
#ifndef ANODE_FILE_H
#define ANODE_FILE_H

#include <stdbool.h>
#include <stdint.h>

struct scheme;

struct file {
	int refs;               /* fd-table entries and kernel holders */
	struct scheme *scheme;  /* holds a reference to the scheme */
	uint64_t handle;        /* the scheme's name for this open file */
	unsigned flags;         /* O_ACCMODE, O_NONBLOCK, O_APPEND as opened */
};

/* A new description with one reference (the caller's), or NULL. */
struct file *file_new(struct scheme *scheme, uint64_t handle, unsigned flags);
void file_get(struct file *f);
/* Drops a reference; the last one closes the handle in its scheme. */
void file_put(struct file *f);

#define FD_MAX 64   /* descriptors per process: fds 0..63 */

struct fd_table {
	struct file *files[FD_MAX];
	uint64_t cloexec;       /* bit n: fd n closes on fexec (lab 5) */
};

/* Installs f at the lowest free fd (taking over the caller's reference);
 * the fd, or -EMFILE (the caller keeps its reference). */
int fd_install(struct fd_table *t, struct file *f, bool cloexec);
/* Installs f at exactly fd, closing what was there (dup2). */
int fd_install_at(struct fd_table *t, int64_t fd, struct file *f, bool cloexec);
/* The description behind fd, or NULL for a bad fd. No reference taken. */
struct file *fd_lookup(const struct fd_table *t, int64_t fd);
/* Removes fd from the table and drops its reference; -EBADF if bad. */
int fd_close(struct fd_table *t, int64_t fd);
/* fork: dst gets src's fds, each sharing its description. */
void fd_table_share(struct fd_table *dst, const struct fd_table *src);
/* exit: closes every fd. */
void fd_table_close_all(struct fd_table *t);

#endif
