/*
 * file.c - open-file descriptions and file-descriptor tables (lab 4,
 * handout §2). See file.h.
 */
#include "compiler.h"
#include "errno.h"
#include "file.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "scheme.h"

struct file *file_new(struct scheme *scheme, uint64_t handle, unsigned flags)
{
	struct file *f = kmalloc(sizeof(*f));

	if (!f)
		return NULL;
	scheme_get(scheme);
	f->refs = 1;
	f->scheme = scheme;
	f->handle = handle;
	f->flags = flags;
	return f;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	// LAB 4.1 BEGIN: drop a reference; at zero: the scheme's close, drop the scheme, free; §2
	struct scheme *s = f->scheme;

	if (f->refs <= 0)
		panic("file_put: description %p has no reference left", f);
	if (--f->refs > 0)
		return;
	if (s->ops->close)
		s->ops->close(s, f->handle);
	kfree(f);
	scheme_put(s);
	// LAB 4.1 STUB
	// lab_not_implemented(4, "file_put");
	// LAB 4.1 END
}

int fd_install(struct fd_table *t, struct file *f, bool cloexec)
{
	// LAB 4.1 BEGIN: the lowest free fd gets f (cloexec bit too), or -EMFILE; §2
	for (int fd = 0; fd < FD_MAX; fd++) {
		if (t->files[fd])
			continue;
		t->files[fd] = f;
		if (cloexec)
			t->cloexec |= 1UL << fd;
		else
			t->cloexec &= ~(1UL << fd);
		return fd;
	}
	return -EMFILE;
	// LAB 4.1 STUB
	// lab_not_implemented(4, "fd_install");
	// LAB 4.1 END
}

struct file *fd_lookup(const struct fd_table *t, int64_t fd)
{
	// LAB 4.1 BEGIN: NULL unless 0 <= fd < FD_MAX and the slot is in use; §2
	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	return t->files[fd];
	// LAB 4.1 STUB
	// lab_not_implemented(4, "fd_lookup");
	// LAB 4.1 END
}

int fd_install_at(struct fd_table *t, int64_t fd, struct file *f, bool cloexec)
{
	struct file *old;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	old = t->files[fd];
	t->files[fd] = f;
	if (cloexec)
		t->cloexec |= 1UL << fd;
	else
		t->cloexec &= ~(1UL << fd);
	/* After the new entry is in place: closing old may block nothing, but
	 * a table never shows a freed description. */
	if (old)
		file_put(old);
	return (int)fd;
}

int fd_close(struct fd_table *t, int64_t fd)
{
	struct file *f = fd_lookup(t, fd);

	if (!f)
		return -EBADF;
	t->files[fd] = NULL;
	t->cloexec &= ~(1UL << fd);
	file_put(f);
	return 0;
}

void fd_table_share(struct fd_table *dst, const struct fd_table *src)
{
	for (int fd = 0; fd < FD_MAX; fd++) {
		dst->files[fd] = src->files[fd];
		if (dst->files[fd])
			file_get(dst->files[fd]);
	}
	dst->cloexec = src->cloexec;
}

void fd_table_close_all(struct fd_table *t)
{
	for (int fd = 0; fd < FD_MAX; fd++)
		if (t->files[fd])
			fd_close(t, fd);
}
