/*
 * scheme.h - schemes, the providers of every file (lab 4, handout §1-§3).
 *
 * A path names its scheme before the first colon: `sys:uname` is "uname"
 * in the scheme "sys". A scheme is an operations table; kernel schemes
 * (root, debug, pipe, sys: scheme/) implement it in C, user schemes
 * (scheme/user_*.c) by sending request packets to a daemon. File calls go
 * to the scheme of the fd's description. A missing operation means the
 * scheme does not do that: -ENOENT for a path, -EBADF for a file.
 */
#ifndef ANODE_SCHEME_H
#define ANODE_SCHEME_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "file.h"
#include "uaccess.h"

#define SCHEME_NAME_MAX 31     /* bytes in a scheme name */
#define SCHEME_MAX 32          /* schemes registered at once */
#define PATH_MAX_BYTES 1024    /* a path, scheme included */
/* Bytes one read or write moves through a user scheme (POSIX allows the
 * short count); also the most a kernel scheme moves in one call. */
#define SCHEME_MAX_IO (64 * 1024)

struct scheme;

struct scheme_ops {
	/* path: the part after "name:", in kernel memory, not NUL-terminated */
	int (*open)(struct scheme *s, const char *path, uint64_t len, unsigned flags,
		    uint64_t *handle);
	int (*unlink)(struct scheme *s, const char *path, uint64_t len);
	int64_t (*read)(struct file *f, struct user_ptr buf, uint64_t len);
	int64_t (*write)(struct file *f, struct user_ptr buf, uint64_t len);
	int64_t (*lseek)(struct file *f, int64_t offset, int whence);
	int (*fstat)(struct file *f, struct stat *st);
	/* writes the full path ("name:rest") into buf; returns its length */
	int64_t (*fpath)(struct file *f, struct user_ptr buf, uint64_t len);
	/* a new handle for word (never empty: the empty word shares the file) */
	int (*dup)(struct file *f, const char *word, uint64_t len, uint64_t *handle);
	int (*ftruncate)(struct file *f, uint64_t len);
	/* maps the file's pages [req->offset, + len) at va of the calling
	 * process with vm_flags (lab 6); returns va or -errno */
	int64_t (*fmap)(struct file *f, const struct fmap_request *req, uint64_t va, uint64_t len,
			unsigned vm_flags);
	int (*fsync)(struct file *f);
	/* the last reference to a description went; never blocks */
	void (*close)(struct scheme *s, uint64_t handle);
	/* the last reference to the scheme went (user schemes: free it) */
	void (*release)(struct scheme *s);
};

struct scheme {
	char name[SCHEME_NAME_MAX + 1];
	const struct scheme_ops *ops;
	int refs;              /* the registry's, descriptions', calls in progress */
	bool registered;
};

/* registry.c */
/* Registers the kernel schemes (lab 4's stage); boot_lab: the boot's last lab. */
void scheme_init(int boot_lab);
/* True once scheme_init ran: file calls go through schemes. */
bool schemes_enabled(void);
/* Opens debug: as fds 0, 1 and 2 of a new process (one shared description). */
int scheme_open_console(struct fd_table *t);
/* Adds s under its name: 0, -EEXIST, -EINVAL (bad name) or -ENFILE (full). */
int scheme_register(struct scheme *s);
/* Removes s (no new opens reach it; open files keep it alive). */
void scheme_unregister(struct scheme *s);
/* The registered scheme called name[0..len), with a reference, or NULL. */
struct scheme *scheme_find(const char *name, uint64_t len);
void scheme_get(struct scheme *s);
void scheme_put(struct scheme *s);
/* True for names a scheme may have: 1-31 of a-z 0-9 . _ - */
bool scheme_name_ok(const char *name, uint64_t len);
/* Splits path at its first ':'; returns the scheme (with a reference) and
 * the rest, or -ENOENT (no ':') / -ENODEV (no such scheme). */
int scheme_route(const char *path, uint64_t len, struct scheme **s, const char **rest,
		 uint64_t *rest_len);
/* Writes "name\n" for every scheme into buf (at most size bytes); the length. */
uint64_t scheme_list(char *buf, uint64_t size);

/* The kernel schemes. */
extern struct scheme root_scheme, debug_scheme, pipe_scheme, sys_scheme;
/* Lab 6's stage: fmap through user schemes (shm.c). */
void shm_init(void);
/* Lab 5: the embedded programs as files (prog.c). */
extern struct scheme prog_scheme;
void sys_scheme_init(int boot_lab);

/* pipe.c: a pipe's two ends as descriptions (pipe2). */
int pipe_create(unsigned flags, struct file **read_end, struct file **write_end);

/* snapshot.c: a read-only text made at open (sys: files, listings). */
struct snapshot;
struct snapshot *snapshot_new(uint64_t capacity);
void snapshot_printf(struct snapshot *snap, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int64_t snapshot_read(struct snapshot *snap, uint64_t *offset, struct user_ptr buf, uint64_t len);
uint64_t snapshot_size(const struct snapshot *snap);
void snapshot_free(struct snapshot *snap);

/* request.c: frees a process's cached user-scheme request (proc_free). */
struct proc;
void request_cache_release(struct proc *p);

/* Copies a kernel string (with its length, no NUL) to a user buffer: the
 * length copied, at most len. */
int64_t copy_out_text(struct user_ptr buf, uint64_t len, const char *text, uint64_t text_len);
/* lseek of a file whose size is known: moves *offset; it, or -EINVAL. */
int64_t seek_offset(uint64_t *offset, uint64_t size, int64_t by, int whence);
/* A decimal number written to a control file ("42" or "42\n"), at most
 * max: 0, -EINVAL or -EFAULT (sys:power, debug:'s control handle). */
int copy_in_number(struct user_ptr buf, uint64_t len, uint64_t max, uint64_t *value);

#endif
