/*
 * pipe.c - the `pipe:` scheme behind pipe2 (lab 4, handout §4).
 *
 * A pipe is a 4 KiB ring with a count of open read ends and write ends
 * (descriptions, which fork and dup share). The handle is the pipe's
 * address with bit 0 saying which end. Reads wait for data and return
 * what is there (at least a byte), or 0 once no writer is left: end of
 * file. Writes wait for room and return when everything is in, or fail
 * with -EPIPE once no reader is left. With O_NONBLOCK, instead of waiting,
 * -EAGAIN (or the count done so far).
 */
#include "errno.h"
#include "compiler.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "proc.h"
#include "scheme.h"

#define PIPE_BYTES 4096
#define PIPE_WRITE_END 1UL

struct pipe {
	char ring[PIPE_BYTES];
	uint64_t head, tail;    /* bytes written, bytes read: used = head - tail */
	int readers, writers;   /* open descriptions of each end */
};

static struct pipe *pipe_of(const struct file *f)
{
	return (struct pipe *)(f->handle & ~PIPE_WRITE_END);
}

int pipe_create(unsigned flags, struct file **read_end, struct file **write_end)
{
	struct pipe *p = kmalloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->head = p->tail = 0;
	p->readers = p->writers = 1;
	*read_end = file_new(&pipe_scheme, (uint64_t)p, O_RDONLY | (flags & O_NONBLOCK));
	*write_end = file_new(&pipe_scheme, (uint64_t)p | PIPE_WRITE_END,
			      O_WRONLY | (flags & O_NONBLOCK));
	if (!*read_end || !*write_end) {
		/* Each description's close drops its end; the second frees p. */
		if (*read_end)
			file_put(*read_end);
		else
			p->readers--;
		if (*write_end)
			file_put(*write_end);
		else
			p->writers--;
		if (p->readers == 0 && p->writers == 0)
			kfree(p);
		return -ENOMEM;
	}
	return 0;
}

/* Copies between the ring and a user buffer, in at most two pieces (the wrap). */
LAB_HELPER static int pipe_copy(struct pipe *p, uint64_t at, struct user_ptr buf, uint64_t n, bool to_ring)
{
	uint64_t start = at % PIPE_BYTES, first = PIPE_BYTES - start < n ? PIPE_BYTES - start : n;
	int err;

	err = to_ring ? copy_from_user(p->ring + start, buf, first)
		      : copy_to_user(buf, p->ring + start, first);
	if (err == 0 && n > first)
		err = to_ring ? copy_from_user(p->ring, user_ptr_add(buf, first), n - first)
			      : copy_to_user(user_ptr_add(buf, first), p->ring, n - first);
	return err;
}

static int64_t pipe_read(struct file *f, struct user_ptr buf, uint64_t len)
{
	// LAB 4.3 BEGIN: wait for data (0 once no writer; -EAGAIN if O_NONBLOCK), copy, wake; §4
	struct pipe *p = pipe_of(f);
	uint64_t n;

	if (f->handle & PIPE_WRITE_END)
		return -EBADF;
	if (len == 0)
		return 0;
	if (user_check_writable(buf, len) < 0)
		return -EFAULT;
	while (p->head == p->tail) {
		if (p->writers == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (!sched_sleep(p, 0))
			return -EINTR;
	}
	n = p->head - p->tail < len ? p->head - p->tail : len;
	if (pipe_copy(p, p->tail, buf, n, false) < 0)
		return -EFAULT;
	p->tail += n;
	sched_wakeup(p);
	return (int64_t)n;
	// LAB 4.3 STUB
	// lab_not_implemented(4, "pipe_read");
	// LAB 4.3 END
}

static int64_t pipe_write(struct file *f, struct user_ptr buf, uint64_t len)
{
	// LAB 4.3 BEGIN: copy all, waiting for room; -EPIPE once no reader; O_NONBLOCK; wake; §4
	struct pipe *p = pipe_of(f);
	uint64_t done = 0;

	if (!(f->handle & PIPE_WRITE_END))
		return -EBADF;
	if (user_check_readable(buf, len) < 0)
		return -EFAULT;
	while (done < len) {
		uint64_t room = PIPE_BYTES - (p->head - p->tail), n;

		if (p->readers == 0)
			return done ? (int64_t)done : -EPIPE;
		if (room == 0) {
			if (f->flags & O_NONBLOCK)
				return done ? (int64_t)done : -EAGAIN;
			if (!sched_sleep(p, 0))
				return done ? (int64_t)done : -EINTR;
			continue;
		}
		n = len - done < room ? len - done : room;
		if (pipe_copy(p, p->head, user_ptr_add(buf, done), n, true) < 0)
			return done ? (int64_t)done : -EFAULT;
		p->head += n;
		done += n;
		sched_wakeup(p);
	}
	return (int64_t)done;
	// LAB 4.3 STUB
	// lab_not_implemented(4, "pipe_write");
	// LAB 4.3 END
}

static void pipe_close(struct scheme *s, uint64_t handle)
{
	struct pipe *p = (struct pipe *)(handle & ~PIPE_WRITE_END);

	if (handle & PIPE_WRITE_END)
		p->writers--;
	else
		p->readers--;
	/* Readers now see the end of file, writers -EPIPE. */
	sched_wakeup(p);
	if (p->readers == 0 && p->writers == 0)
		kfree(p);
}

static int pipe_fstat(struct file *f, struct stat *st)
{
	struct pipe *p = pipe_of(f);

	st->st_mode = MODE_FIFO | 0600;
	st->st_size = p->head - p->tail;
	st->st_blksize = PIPE_BYTES;
	return 0;
}

static int64_t pipe_fpath(struct file *f, struct user_ptr buf, uint64_t len)
{
	return copy_out_text(buf, len, "pipe:", 5);
}

static const struct scheme_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.fstat = pipe_fstat,
	.fpath = pipe_fpath,
	.close = pipe_close,
};

struct scheme pipe_scheme = { .name = "pipe", .ops = &pipe_ops, .refs = 1 };
