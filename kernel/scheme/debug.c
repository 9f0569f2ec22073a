/*
 * debug.c - the `debug:` scheme: the console (lab 4, handout §4). Reads
 * take what has been typed (COM1's interrupt fills the input ring), at
 * least one byte, waiting for it unless O_NONBLOCK, raw: no echo, and a
 * carriage return (what a terminal's Enter sends) reads as '\n'; writes
 * print. Every open is the same console, so the handle is always 0.
 *
 * Lab 6: dup(fd, "fg") gives the console's control handle (1). Writing a
 * pid to it ("42") makes that process the foreground one, which Ctrl-C
 * kills (console_input.c); "0" clears it. Reading it gives the pid.
 */
#include "console.h"
#include "console_input.h"
#include "errno.h"
#include "kprintf.h"
#include "kstring.h"
#include "scheme.h"

#define DEBUG_CHUNK_BYTES 256

#define DEBUG_CONSOLE 0
#define DEBUG_CONTROL 1

static int debug_open(struct scheme *s, const char *path, uint64_t len, unsigned flags,
		      uint64_t *handle)
{
	*handle = DEBUG_CONSOLE;
	return 0;
}

static int debug_dup(struct file *f, const char *word, uint64_t len, uint64_t *handle)
{
	if (len != 2 || memcmp(word, "fg", 2) != 0)
		return -EINVAL;
	*handle = DEBUG_CONTROL;
	return 0;
}

/* The control handle: the foreground pid as text. */
static int64_t debug_control_read(struct user_ptr buf, uint64_t len)
{
	char text[24];
	int n = ksnprintf(text, sizeof(text), "%d\n", console_input_foreground());

	return copy_out_text(buf, len, text, (uint64_t)n);
}

static int64_t debug_control_write(struct user_ptr buf, uint64_t len)
{
	uint64_t pid;
	int err = copy_in_number(buf, len, INT32_MAX, &pid);

	if (err < 0)
		return err;
	console_input_set_foreground((int)pid);
	return (int64_t)len;
}

static int64_t debug_read(struct file *f, struct user_ptr buf, uint64_t len)
{
	char chunk[DEBUG_CHUNK_BYTES];
	int n;

	if (f->handle == DEBUG_CONTROL)
		return debug_control_read(buf, len);
	if (len == 0)
		return 0;
	if (user_check_writable(buf, len) < 0)
		return -EFAULT;
	n = console_input_read(chunk, len < sizeof(chunk) ? len : sizeof(chunk),
			       f->flags & O_NONBLOCK);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++)
		if (chunk[i] == '\r')
			chunk[i] = '\n';
	return copy_to_user(buf, chunk, (uint64_t)n) < 0 ? -EFAULT : n;
}

static int64_t debug_write(struct file *f, struct user_ptr buf, uint64_t len)
{
	char chunk[DEBUG_CHUNK_BYTES];

	if (f->handle == DEBUG_CONTROL)
		return debug_control_write(buf, len);
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
	.dup = debug_dup,
};

struct scheme debug_scheme = { .name = "debug", .ops = &debug_ops, .refs = 1 };
