/*
 * prog.c - the `prog:` scheme: the user programs built into the kernel
 * image (lab 5, handout §2), as read-only files. `prog:NAME` is the ELF
 * file of program NAME (what `run=NAME` starts); reading `prog:` lists the
 * names, one per line. It lets a program fexec a file served by the kernel,
 * before (and besides) the initfs: lab 5's exec tests use it, and
 * `init.run=prog:NAME` runs an embedded program under init.
 */
#include "errno.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "kstring.h"
#include "proc.h"
#include "scheme.h"

struct prog_file {
	int index;              /* into the program table; -1 for the listing */
	uint64_t offset;
	const uint8_t *data;
	uint64_t size;
	struct snapshot *list;  /* the listing's text */
};

static int prog_open(struct scheme *s, const char *path, uint64_t len, unsigned flags,
		     uint64_t *handle)
{
	struct prog_file *f;
	int index = -1;

	if ((flags & O_ACCMODE) != O_RDONLY && (flags & O_ACCMODE) != 0)
		return -EROFS;
	while (len > 0 && path[0] == '/')
		path++, len--;
	if (len > 0 && (index = program_lookup(path, len)) < 0)
		return -ENOENT;
	if (index >= 0 && (flags & O_DIRECTORY))
		return -ENOTDIR;
	f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->index = index;
	if (index >= 0) {
		program_image(index, &f->data, &f->size);
	} else {
		f->list = snapshot_new(4096);
		if (!f->list) {
			kfree(f);
			return -ENOMEM;
		}
		for (int i = 0; program_image(i, NULL, NULL) == 0; i++)
			snapshot_printf(f->list, "%s\n", program_name(i));
	}
	*handle = (uint64_t)f;
	return 0;
}

static int64_t prog_read(struct file *file, struct user_ptr buf, uint64_t len)
{
	struct prog_file *f = (struct prog_file *)file->handle;
	uint64_t n;

	if (f->index < 0)
		return snapshot_read(f->list, &f->offset, buf, len);
	n = f->offset < f->size ? f->size - f->offset : 0;
	n = n < len ? n : len;
	n = n < SCHEME_MAX_IO ? n : SCHEME_MAX_IO;
	if (n && copy_to_user(buf, f->data + f->offset, n) < 0)
		return -EFAULT;
	f->offset += n;
	return (int64_t)n;
}

static uint64_t prog_size(const struct prog_file *f)
{
	return f->index < 0 ? snapshot_size(f->list) : f->size;
}

static int64_t prog_lseek(struct file *file, int64_t offset, int whence)
{
	struct prog_file *f = (struct prog_file *)file->handle;

	return seek_offset(&f->offset, prog_size(f), offset, whence);
}

static int prog_fstat(struct file *file, struct stat *st)
{
	struct prog_file *f = (struct prog_file *)file->handle;

	st->st_mode = f->index < 0 ? MODE_DIR | 0555 : MODE_FILE | 0555;
	st->st_size = prog_size(f);
	st->st_ino = (uint64_t)(f->index + 2);
	return 0;
}

static int64_t prog_fpath(struct file *file, struct user_ptr buf, uint64_t len)
{
	struct prog_file *f = (struct prog_file *)file->handle;
	char path[64];
	int n = ksnprintf(path, sizeof(path), "prog:%s", f->index < 0 ? "" : program_name(f->index));

	return copy_out_text(buf, len, path, (uint64_t)n);
}

static void prog_close(struct scheme *s, uint64_t handle)
{
	struct prog_file *f = (struct prog_file *)handle;

	if (f->index < 0)
		snapshot_free(f->list);
	kfree(f);
}

static const struct scheme_ops prog_ops = {
	.open = prog_open,
	.read = prog_read,
	.lseek = prog_lseek,
	.fstat = prog_fstat,
	.fpath = prog_fpath,
	.close = prog_close,
};

struct scheme prog_scheme = { .name = "prog", .ops = &prog_ops, .refs = 1 };
