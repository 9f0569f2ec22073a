/*
 * snapshot.c - read-only text made when a file is opened (sys: files,
 * the scheme list). A reader sees the state at open, however long it takes
 * to read, and two reads of one open file never disagree.
 */
#include <stdarg.h>

#include "errno.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "kstring.h"
#include "scheme.h"

struct snapshot {
	uint64_t size, capacity;
	char text[];
};

struct snapshot *snapshot_new(uint64_t capacity)
{
	struct snapshot *snap = kmalloc(sizeof(*snap) + capacity);

	if (!snap)
		return NULL;
	snap->size = 0;
	snap->capacity = capacity;
	return snap;
}

void snapshot_printf(struct snapshot *snap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(snap->text + snap->size, snap->capacity - snap->size, fmt, ap);
	va_end(ap);
	/* A text that does not fit is cut at the capacity, never overrun. */
	snap->size += (uint64_t)n < snap->capacity - snap->size ? (uint64_t)n
								 : snap->capacity - snap->size;
}

int64_t snapshot_read(struct snapshot *snap, uint64_t *offset, struct user_ptr buf, uint64_t len)
{
	uint64_t n;

	if (*offset >= snap->size)
		return 0;
	n = snap->size - *offset < len ? snap->size - *offset : len;
	if (copy_to_user(buf, snap->text + *offset, n) < 0)
		return -EFAULT;
	*offset += n;
	return (int64_t)n;
}

uint64_t snapshot_size(const struct snapshot *snap)
{
	return snap->size;
}

void snapshot_free(struct snapshot *snap)
{
	kfree(snap);
}

int64_t copy_out_text(struct user_ptr buf, uint64_t len, const char *text, uint64_t text_len)
{
	uint64_t n = text_len < len ? text_len : len;

	if (copy_to_user(buf, text, n) < 0)
		return -EFAULT;
	return (int64_t)n;
}

int copy_in_number(struct user_ptr buf, uint64_t len, uint64_t max, uint64_t *value)
{
	char text[24] = { 0 };

	if (len == 0 || len >= sizeof(text))
		return -EINVAL;
	if (copy_from_user(text, buf, len) < 0)
		return -EFAULT;
	if (text[len - 1] == '\n')
		text[len - 1] = '\0';
	if (str_to_u64(text, value) < 0 || *value > max)
		return -EINVAL;
	return 0;
}

int64_t seek_offset(uint64_t *offset, uint64_t size, int64_t by, int whence)
{
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)*offset
				       : whence == SEEK_END ? (int64_t)size : -1;

	if (base < 0 || by > INT64_MAX - base || base + by < 0)
		return -EINVAL;
	*offset = (uint64_t)(base + by);
	return (int64_t)*offset;
}
