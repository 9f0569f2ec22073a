/*
 * debug.c - the `debug:` scheme: the console (lab 4, handout §4). Reads
 * take what has been typed (COM1's interrupt fills the input ring), at
 * least one byte, waiting for it unless O_NONBLOCK; writes print. Every
 * open is the same console, so the handle is always 0.
 */
#include "console.h"
#include "console_input.h"
#include "errno.h"
#include "scheme.h"

#define DEBUG_CHUNK_BYTES 256

static int debug_open(struct scheme *s, const char *path, uint64_t len, unsigned flags,
		      uint64_t *handle)
{
	*handle = 0;
	return 0;
}

static int64_t debug_read(struct file *f, struct user_ptr buf, uint64_t len)
{
	char chunk[DEBUG_CHUNK_BYTES];
	int n;

	if (len == 0)
		return 0;
	if (user_check_writable(buf, len) < 0)
		return -EFAULT;
	n = console_input_read(chunk, len < sizeof(chunk) ? len : sizeof(chunk),
			       f->flags & O_NONBLOCK);
	if (n <= 0)
		return n;
	return copy_to_user(buf, chunk, (uint64_t)n) < 0 ? -EFAULT : n;
}

static int64_t debug_write(struct file *f, struct user_ptr buf, uint64_t len)
{
	char chunk[DEBUG_CHUNK_BYTES];

	if (len > SCHEME_MAX_IO)
		len = SCHEME_MAX_IO;
	/* Check the whole buffer first: a bad one prints nothing. */
	if (user_check_readable(buf, len) < 0)
		return -EFAULT;
	for (uint64_t done = 0; done < len; done += sizeof(chunk)) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		copy_from_user(chunk, user_ptr_add(buf, done), n);
		console_write(chunk, n);
	}
	return (int64_t)len;
}

static int debug_fstat(struct file *f, struct stat *st)
{
	st->st_mode = MODE_CHR | 0666;
	return 0;
}

static int64_t debug_fpath(struct file *f, struct user_ptr buf, uint64_t len)
{
	return copy_out_text(buf, len, "debug:", 6);
}

static const struct scheme_ops debug_ops = {
	.open = debug_open,
	.read = debug_read,
	.write = debug_write,
	.fstat = debug_fstat,
	.fpath = debug_fpath,
};

struct scheme debug_scheme = { .name = "debug", .ops = &debug_ops, .refs = 1 };
