/*
 * root.c - the root scheme, named "" (lab 4, handout §5): `:` lists the
 * schemes, and `open(":NAME", O_CREAT)` makes a user scheme NAME whose
 * daemon is whoever holds the returned scheme fd. The scheme belongs to
 * that open-file description, not to a process: a forked daemon shares it,
 * and the scheme dies when the description's last reference closes.
 */
#include "compiler.h"
#include "errno.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "kstring.h"
#include "scheme/uscheme.h"

#define ROOT_LIST_BYTES (SCHEME_MAX * (SCHEME_NAME_MAX + 1))

struct root_handle {
	struct uscheme *us;         /* a scheme fd, or NULL for the listing */
	struct snapshot *list;
	uint64_t offset;
};

struct uscheme *root_handle_scheme(const struct file *f)
{
	return f->scheme == &root_scheme ? ((struct root_handle *)f->handle)->us : NULL;
}

static int root_list(uint64_t *handle)
{
	struct root_handle *h = kmalloc(sizeof(*h));
	char names[ROOT_LIST_BYTES];

	if (!h)
		return -ENOMEM;
	h->us = NULL;
	h->offset = 0;
	h->list = snapshot_new(ROOT_LIST_BYTES);
	if (!h->list) {
		kfree(h);
		return -ENOMEM;
	}
	snapshot_printf(h->list, "%.*s", (int)scheme_list(names, sizeof(names)), names);
	*handle = (uint64_t)h;
	return 0;
}

static int root_open(struct scheme *s, const char *path, uint64_t len, unsigned flags,
		     uint64_t *handle)
{
	if (len == 0)
		return root_list(handle);
	// LAB 4.4 BEGIN: needs O_CREAT; valid name; new uscheme, registered (-EEXIST), handle; §5
	struct root_handle *h;
	struct uscheme *us;
	int err;

	if (!(flags & O_CREAT))
		return -ENOENT;
	if (len > SCHEME_NAME_MAX)
		return -EINVAL;     /* scheme_register checks the rest of the name */
	h = kmalloc(sizeof(*h));
	us = uscheme_new(path, len);
	if (!h || !us) {
		kfree(h);
		kfree(us);
		return -ENOMEM;
	}
	err = scheme_register(&us->scheme);
	if (err < 0) {
		kfree(h);
		kfree(us);
		return err;
	}
	scheme_get(&us->scheme);    /* the scheme fd's reference */
	h->us = us;
	h->list = NULL;
	h->offset = 0;
	*handle = (uint64_t)h;
	return 0;
	// LAB 4.4 STUB
	// lab_not_implemented(4, "root_open");
	// LAB 4.4 END
}

static int64_t root_read(struct file *f, struct user_ptr buf, uint64_t len)
{
	struct root_handle *h = (struct root_handle *)f->handle;

	if (h->us)
		return uscheme_daemon_read(h->us, f, buf, len);
	return snapshot_read(h->list, &h->offset, buf, len);
}

static int64_t root_write(struct file *f, struct user_ptr buf, uint64_t len)
{
	struct root_handle *h = (struct root_handle *)f->handle;

	if (!h->us)
		return -EBADF;
	return uscheme_daemon_write(h->us, buf, len);
}

static int root_fstat(struct file *f, struct stat *st)
{
	struct root_handle *h = (struct root_handle *)f->handle;

	st->st_mode = h->us ? MODE_CHR | 0600 : MODE_DIR | 0555;
	st->st_size = h->us ? 0 : snapshot_size(h->list);
	return 0;
}

static int64_t root_fpath(struct file *f, struct user_ptr buf, uint64_t len)
{
	struct root_handle *h = (struct root_handle *)f->handle;
	char path[SCHEME_NAME_MAX + 2];
	int n = ksnprintf(path, sizeof(path), ":%s", h->us ? h->us->scheme.name : "");

	return copy_out_text(buf, len, path, (uint64_t)n);
}

static void root_close(struct scheme *s, uint64_t handle)
{
	struct root_handle *h = (struct root_handle *)handle;

	if (h->us) {
		uscheme_die(h->us);
		scheme_put(&h->us->scheme);
	} else {
		snapshot_free(h->list);
	}
	kfree(h);
}

static const struct scheme_ops root_ops = {
	.open = root_open,
	.read = root_read,
	.write = root_write,
	.fstat = root_fstat,
	.fpath = root_fpath,
	.close = root_close,
};

struct scheme root_scheme = { .name = "", .ops = &root_ops, .refs = 1 };
