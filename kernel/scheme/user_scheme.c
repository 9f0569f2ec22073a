/*
 * user_scheme.c - the operations of a user scheme, as its clients call
 * them (lab 4, handout §5): each builds a request, copies the client's
 * data into the request's bounce frames, sends it with uscheme_call and
 * copies the answer's data back. The client's buffer is checked before the
 * request is queued, so a bad pointer never reaches the daemon.
 */
#include "errno.h"
#include "kmalloc.h"
#include "kstring.h"
#include "scheme/uscheme.h"
#include "vm.h"

static const struct scheme_ops uscheme_ops;

static struct uscheme *uscheme_of(const struct file *f)
{
	return (struct uscheme *)f->scheme;
}

/* A call whose data (if any) went in before it was sent; returns the result. */
static int64_t uscheme_simple(struct uscheme *us, struct request *rq)
{
	int64_t result;
	struct request *done = uscheme_call(us, rq, &result);

	if (done)
		request_free(done);
	return result;
}

static int uscheme_open(struct scheme *s, const char *path, uint64_t len, unsigned flags,
			uint64_t *handle)
{
	struct request *rq = request_new(SYS_open, len, DATA_IN_B);
	int64_t result;

	if (!rq)
		return -ENOMEM;
	request_copy_in_kernel(rq, path, len);
	rq->packet.c = len;
	rq->packet.d = flags;
	result = uscheme_simple((struct uscheme *)s, rq);
	if (result >= 0)
		*handle = (uint64_t)result;
	return result < 0 ? (int)result : 0;
}

static int uscheme_unlink(struct scheme *s, const char *path, uint64_t len)
{
	struct request *rq = request_new(SYS_unlink, len, DATA_IN_B);

	if (!rq)
		return -ENOMEM;
	request_copy_in_kernel(rq, path, len);
	rq->packet.c = len;
	return (int)uscheme_simple((struct uscheme *)s, rq);
}

/* read and fpath: the daemon fills up to len bytes that go back to buf. */
static int64_t uscheme_fill(struct file *f, uint64_t number, struct user_ptr buf, uint64_t len)
{
	struct request *rq, *done;
	int64_t result;

	if (len > SCHEME_MAX_IO)
		len = SCHEME_MAX_IO;
	if (user_check_writable(buf, len) < 0)
		return -EFAULT;
	rq = request_new(number, len, DATA_IN_C);
	if (!rq)
		return -ENOMEM;
	rq->packet.b = f->handle;
	rq->packet.d = len;
	done = uscheme_call(uscheme_of(f), rq, &result);
	if (!done)
		return result;
	if (result > 0 && request_copy_out(done, buf, (uint64_t)result) < 0)
		result = -EFAULT;
	request_free(done);
	return result;
}

static int64_t uscheme_read(struct file *f, struct user_ptr buf, uint64_t len)
{
	return uscheme_fill(f, SYS_read, buf, len);
}

static int64_t uscheme_fpath(struct file *f, struct user_ptr buf, uint64_t len)
{
	return uscheme_fill(f, SYS_fpath, buf, len);
}

static int64_t uscheme_write(struct file *f, struct user_ptr buf, uint64_t len)
{
	struct request *rq;

	if (len > SCHEME_MAX_IO)
		len = SCHEME_MAX_IO;
	if (user_check_readable(buf, len) < 0)
		return -EFAULT;
	rq = request_new(SYS_write, len, DATA_IN_C);
	if (!rq)
		return -ENOMEM;
	if (request_copy_in(rq, buf, len) < 0) {
		request_free(rq);
		return -EFAULT;
	}
	rq->packet.b = f->handle;
	rq->packet.d = len;
	return uscheme_simple(uscheme_of(f), rq);
}

static int64_t uscheme_lseek(struct file *f, int64_t offset, int whence)
{
	struct request *rq = request_new(SYS_lseek, 0, DATA_NONE);

	if (!rq)
		return -ENOMEM;
	rq->packet.b = f->handle;
	rq->packet.c = (uint64_t)offset;
	rq->packet.d = (uint64_t)whence;
	return uscheme_simple(uscheme_of(f), rq);
}

static int uscheme_fstat(struct file *f, struct stat *st)
{
	struct request *rq = request_new(SYS_fstat, sizeof(*st), DATA_IN_C), *done;
	int64_t result;

	if (!rq)
		return -ENOMEM;
	rq->packet.b = f->handle;
	rq->packet.d = sizeof(*st);
	done = uscheme_call(uscheme_of(f), rq, &result);
	if (!done)
		return (int)result;
	if (result >= 0)
		request_copy_from_frames(done, st, sizeof(*st));
	request_free(done);
	return result < 0 ? (int)result : 0;
}

static int uscheme_dup(struct file *f, const char *word, uint64_t len, uint64_t *handle)
{
	struct request *rq = request_new(SYS_dup, len, DATA_IN_C);
	int64_t result;

	if (!rq)
		return -ENOMEM;
	request_copy_in_kernel(rq, word, len);
	rq->packet.b = f->handle;
	rq->packet.d = len;
	result = uscheme_simple(uscheme_of(f), rq);
	if (result >= 0)
		*handle = (uint64_t)result;
	return result < 0 ? (int)result : 0;
}

static int uscheme_ftruncate(struct file *f, uint64_t len)
{
	struct request *rq = request_new(SYS_ftruncate, 0, DATA_NONE);

	if (!rq)
		return -ENOMEM;
	rq->packet.b = f->handle;
	rq->packet.c = len;
	return (int)uscheme_simple(uscheme_of(f), rq);
}

static int uscheme_fsync(struct file *f)
{
	struct request *rq = request_new(SYS_fsync, 0, DATA_NONE);

	if (!rq)
		return -ENOMEM;
	rq->packet.b = f->handle;
	return (int)uscheme_simple(uscheme_of(f), rq);
}

/* fmap (lab 6): the daemon answers with an address in its own space, and
 * its frames there are shared into the client (shm.c). */
static int64_t uscheme_fmap(struct file *f, const struct fmap_request *req, uint64_t va,
			    uint64_t len, unsigned vm_flags)
{
	struct request *rq, *done;
	int64_t result;

	if (!shm_enabled())
		return -ENODEV;
	if (len / PAGE_SIZE > FMAP_SCHEME_MAX_PAGES)
		return -ENOMEM;
	rq = request_new(SYS_fmap, sizeof(*req), DATA_IN_C);
	if (!rq)
		return -ENOMEM;
	request_copy_in_kernel(rq, req, sizeof(*req));
	rq->packet.b = f->handle;
	rq->packet.d = sizeof(*req);
	rq->map_pages = len / PAGE_SIZE;
	rq->map_writable = vm_flags & VM_WRITE;
	done = uscheme_call(uscheme_of(f), rq, &result);
	if (!done)
		return result;
	/* A read-only map stays so: mprotect refuses PROT_WRITE on it. */
	if (result >= 0)
		result = shm_map_into_client(done, va,
					     vm_flags | (vm_flags & VM_WRITE ? 0 : VM_SHM_READONLY));
	request_free(done);
	return result;
}

static void uscheme_close(struct scheme *s, uint64_t handle)
{
	uscheme_send_close((struct uscheme *)s, handle);
}

static void uscheme_release(struct scheme *s)
{
	kfree(s);
}

static const struct scheme_ops uscheme_ops = {
	.open = uscheme_open,
	.unlink = uscheme_unlink,
	.read = uscheme_read,
	.write = uscheme_write,
	.lseek = uscheme_lseek,
	.fstat = uscheme_fstat,
	.fpath = uscheme_fpath,
	.fmap = uscheme_fmap,
	.dup = uscheme_dup,
	.ftruncate = uscheme_ftruncate,
	.fsync = uscheme_fsync,
	.close = uscheme_close,
	.release = uscheme_release,
};

struct uscheme *uscheme_new(const char *name, uint64_t len)
{
	struct uscheme *us;

	if (len > SCHEME_NAME_MAX)
		return NULL;        /* it would not fit: root_open refuses it first */
	us = kmalloc(sizeof(*us));
	if (!us)
		return NULL;
	memset(us, 0, sizeof(*us));
	memcpy(us->scheme.name, name, len);
	us->scheme.ops = &uscheme_ops;
	us->next_id = 1;
	return us;
}
