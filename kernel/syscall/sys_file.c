/*
 * sys_file.c - file and path system calls (lab 4, handout §2-§3).
 *
 * Path calls copy the path in and route it by its scheme prefix; file calls
 * find the fd's description and hand the call to its scheme. Until lab 4's
 * stage is up (a boot with lab=3, or a lab 3 tree) there are no schemes:
 * fds 1 and 2 print on the console, as in lab 3, and every other file call
 * gives -ENOSYS (-EBADF for read).
 */
#include "console.h"
#include "errno.h"
#include "kstring.h"
#include "proc.h"
#include "scheme.h"
#include "syscall.h"
#include "uaccess.h"

#define WRITE_CHUNK_BYTES 256
/* Flags a description keeps (the rest only matter at open). */
#define FILE_FLAGS (O_ACCMODE | O_NONBLOCK | O_APPEND)

static struct fd_table *my_fds(void)
{
	return &proc_current()->files;
}

/*
 * The description behind the call's fd (its first argument), or NULL with
 * *err: -ENOSYS before lab 4's stage, -EBADF for a bad fd or a scheme
 * without this operation (has_op false).
 */
static struct file *call_file(const struct syscall_args *args, bool has_op(const struct file *),
			      int64_t *err)
{
	struct file *f;

	if (!schemes_enabled()) {
		*err = -ENOSYS;
		return NULL;
	}
	f = fd_lookup(my_fds(), (int64_t)args->a[0]);
	*err = -EBADF;
	return f && (!has_op || has_op(f)) ? f : NULL;
}

static bool has_fstat(const struct file *f)
{
	return f->scheme->ops->fstat;
}

static bool has_fpath(const struct file *f)
{
	return f->scheme->ops->fpath;
}

static bool has_ftruncate(const struct file *f)
{
	return f->scheme->ops->ftruncate;
}

static bool has_fsync(const struct file *f)
{
	return f->scheme->ops->fsync;
}

/* Lab 3's console: fds 1 and 2 print, nothing else exists. */
static int64_t lab3_console_write(uint64_t fd, struct user_ptr buf, uint64_t len)
{
	char chunk[WRITE_CHUNK_BYTES];

	if (fd != 1 && fd != 2)
		return -EBADF;
	/* Check the whole buffer first: a bad one prints nothing. */
	if (user_check_readable(buf, len) < 0)
		return -EFAULT;
	for (uint64_t done = 0; done < len; done += WRITE_CHUNK_BYTES) {
		uint64_t n = len - done < WRITE_CHUNK_BYTES ? len - done : WRITE_CHUNK_BYTES;

		copy_from_user(chunk, user_ptr_add(buf, done), n);
		console_write(chunk, n);
	}
	return (int64_t)len;
}

/* Copies a user string of len bytes into buf (PATH_MAX_BYTES). */
static int copy_path_in(uint64_t ptr, uint64_t len, char *buf)
{
	if (len > PATH_MAX_BYTES)
		return -ENAMETOOLONG;
	return copy_from_user(buf, user_ptr(ptr), len);
}

/* Installs a new description for (s, handle); the fd, or an error (then closed). */
static int64_t install_new_file(struct scheme *s, uint64_t handle, unsigned flags)
{
	struct file *f = file_new(s, handle, flags & FILE_FLAGS);
	int fd;

	if (!f) {
		if (s->ops->close)
			s->ops->close(s, handle);
		return -ENOMEM;
	}
	fd = fd_install(my_fds(), f, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

int64_t sys_open(const struct syscall_args *args)
{
	char path[PATH_MAX_BYTES];
	const char *rest;
	uint64_t rest_len, handle;
	struct scheme *s;
	unsigned flags = (unsigned)args->a[2];
	int64_t err;

	if (!schemes_enabled())
		return -ENOSYS;
	err = copy_path_in(args->a[0], args->a[1], path);
	if (err == 0)
		err = scheme_route(path, args->a[1], &s, &rest, &rest_len);
	if (err < 0)
		return err;
	/* The -EDEADLK check (scheme/request.c) looks for scheme fds only in
	 * processes that may hold one: those that tried to register a scheme,
	 * and their children. */
	if (s == &root_scheme && (flags & O_CREAT))
		proc_current()->may_hold_scheme_fd = true;
	err = s->ops->open ? s->ops->open(s, rest, rest_len, flags, &handle) : -ENOENT;
	if (err == 0)
		err = install_new_file(s, handle, flags);
	scheme_put(s);
	return err;
}

int64_t sys_unlink(const struct syscall_args *args)
{
	char path[PATH_MAX_BYTES];
	const char *rest;
	uint64_t rest_len;
	struct scheme *s;
	int64_t err;

	if (!schemes_enabled())
		return -ENOSYS;
	err = copy_path_in(args->a[0], args->a[1], path);
	if (err == 0)
		err = scheme_route(path, args->a[1], &s, &rest, &rest_len);
	if (err < 0)
		return err;
	err = s->ops->unlink ? s->ops->unlink(s, rest, rest_len) : -ENOENT;
	scheme_put(s);
	return err;
}

int64_t sys_close(const struct syscall_args *args)
{
	if (!schemes_enabled())
		return -ENOSYS;
	return fd_close(my_fds(), (int64_t)args->a[0]);
}

int64_t sys_read(const struct syscall_args *args)
{
	struct file *f;

	if (!schemes_enabled())
		return -EBADF;
	f = fd_lookup(my_fds(), (int64_t)args->a[0]);
	if (!f || (f->flags & O_ACCMODE) == O_WRONLY || !f->scheme->ops->read)
		return -EBADF;
	return f->scheme->ops->read(f, user_ptr(args->a[1]), args->a[2]);
}

int64_t sys_write(const struct syscall_args *args)
{
	struct file *f;

	if (!schemes_enabled())
		return lab3_console_write(args->a[0], user_ptr(args->a[1]), args->a[2]);
	f = fd_lookup(my_fds(), (int64_t)args->a[0]);
	if (!f || (f->flags & O_ACCMODE) == O_RDONLY || !f->scheme->ops->write)
		return -EBADF;
	return f->scheme->ops->write(f, user_ptr(args->a[1]), args->a[2]);
}

int64_t sys_lseek(const struct syscall_args *args)
{
	int64_t err;
	struct file *f = call_file(args, NULL, &err);

	if (!f)
		return err;
	if (args->a[2] > SEEK_END)
		return -EINVAL;
	if (!f->scheme->ops->lseek)
		return -ESPIPE;
	return f->scheme->ops->lseek(f, (int64_t)args->a[1], (int)args->a[2]);
}

/*
 * The description dup and dup2 install: the same one for an empty word
 * (shared offset, as POSIX), else a new one the scheme makes for the word.
 */
static int64_t dup_file(struct file *f, uint64_t word_ptr, uint64_t word_len, struct file **out)
{
	char word[PATH_MAX_BYTES];
	uint64_t handle;
	int64_t err;

	if (word_len == 0) {
		file_get(f);
		*out = f;
		return 0;
	}
	err = copy_path_in(word_ptr, word_len, word);
	if (err < 0)
		return err;
	if (!f->scheme->ops->dup)
		return -EBADF;
	err = f->scheme->ops->dup(f, word, word_len, &handle);
	if (err < 0)
		return err;
	*out = file_new(f->scheme, handle, f->flags);
	if (!*out) {
		if (f->scheme->ops->close)
			f->scheme->ops->close(f->scheme, handle);
		return -ENOMEM;
	}
	return 0;
}

int64_t sys_dup(const struct syscall_args *args)
{
	struct file *f, *copy;
	int64_t err;
	int fd;

	f = call_file(args, NULL, &err);
	if (!f)
		return err;
	err = dup_file(f, args->a[1], args->a[2], &copy);
	if (err < 0)
		return err;
	fd = fd_install(my_fds(), copy, false);
	if (fd < 0)
		file_put(copy);
	return fd;
}

int64_t sys_dup2(const struct syscall_args *args)
{
	int64_t newfd = (int64_t)args->a[1], err;
	struct file *f, *copy;

	f = call_file(args, NULL, &err);
	if (!f)
		return err;
	if (newfd < 0 || newfd >= FD_MAX)
		return -EBADF;
	if (newfd == (int64_t)args->a[0] && args->a[3] == 0)
		return newfd;
	err = dup_file(f, args->a[2], args->a[3], &copy);
	if (err < 0)
		return err;
	return fd_install_at(my_fds(), newfd, copy, false);
}

int64_t sys_fstat(const struct syscall_args *args)
{
	struct stat st;
	int64_t err;
	struct file *f = call_file(args, has_fstat, &err);

	if (!f)
		return err;
	if (args->a[2] < sizeof(st))
		return -EINVAL;
	if (user_check_writable(user_ptr(args->a[1]), sizeof(st)) < 0)
		return -EFAULT;
	memset(&st, 0, sizeof(st));
	err = f->scheme->ops->fstat(f, &st);
	if (err < 0)
		return err;
	return copy_to_user(user_ptr(args->a[1]), &st, sizeof(st));
}

int64_t sys_fpath(const struct syscall_args *args)
{
	int64_t err;
	struct file *f = call_file(args, has_fpath, &err);

	if (!f)
		return err;
	if (user_check_writable(user_ptr(args->a[1]), args->a[2]) < 0)
		return -EFAULT;
	return f->scheme->ops->fpath(f, user_ptr(args->a[1]), args->a[2]);
}

int64_t sys_ftruncate(const struct syscall_args *args)
{
	int64_t err;
	struct file *f = call_file(args, has_ftruncate, &err);

	if (!f)
		return err;
	return f->scheme->ops->ftruncate(f, args->a[1]);
}

int64_t sys_fsync(const struct syscall_args *args)
{
	int64_t err;
	struct file *f = call_file(args, has_fsync, &err);

	if (!f)
		return err;
	return f->scheme->ops->fsync(f);
}

int64_t sys_pipe2(const struct syscall_args *args)
{
	struct user_ptr out = user_ptr(args->a[0]);
	unsigned flags = (unsigned)args->a[1];
	struct file *r, *w;
	uint64_t fds[2];
	int64_t err;

	if (!schemes_enabled())
		return -ENOSYS;
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	if (user_check_writable(out, sizeof(fds)) < 0)
		return -EFAULT;
	err = pipe_create(flags, &r, &w);
	if (err < 0)
		return err;
	err = fd_install(my_fds(), r, flags & O_CLOEXEC);
	if (err < 0) {
		file_put(r);
		file_put(w);
		return err;
	}
	fds[0] = (uint64_t)err;
	err = fd_install(my_fds(), w, flags & O_CLOEXEC);
	if (err < 0) {
		fd_close(my_fds(), (int64_t)fds[0]);
		file_put(w);
		return err;
	}
	fds[1] = (uint64_t)err;
	return copy_to_user(out, fds, sizeof(fds));
}

/* fexec(fd, args, argc, vars, varc): lab 5 (proc/exec.c). */
int64_t sys_fexec(const struct syscall_args *args)
{
	return proc_exec((int64_t)args->a[0], user_ptr(args->a[1]), args->a[2],
			 user_ptr(args->a[3]), args->a[4]);
}
