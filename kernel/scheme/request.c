/*
 * request.c - one user-scheme request and its bounce frames, and the
 * client's side of the call (lab 4, handout §5).
 */
#include "compiler.h"
#include "errno.h"
#include "kprintf.h"
#include "frame.h"
#include "kmalloc.h"
#include "kstring.h"
#include "proc.h"
#include "scheme/uscheme.h"

/* Resets every field but the frames (set as they are used): field by
 * field, cheaper than clearing the whole struct on every call. */
static void request_reset(struct request *rq, struct proc *owner)
{
	rq->next = NULL;
	rq->cache_owner = owner;
	rq->cached_in_use = owner != NULL;
	rq->packet = (struct scheme_packet){ 0 };
	rq->state = REQUEST_QUEUED;
	rq->wants_reply = false;
	rq->client = NULL;
	rq->result = 0;
	rq->data = DATA_NONE;
	rq->data_len = 0;
	rq->daemon = NULL;
	rq->daemon_pid = 0;
	rq->daemon_pml4 = 0;
	rq->slot = -1;
	rq->map_pages = 0;
	rq->map_writable = false;
	rq->shared = NULL;
	rq->nshared = 0;
	rq->shared_mapped = 0;
	rq->nframes = 0;
}

/* The calling process's reusable request if it is free, else a new one. */
static struct request *request_alloc(void)
{
	struct proc *self = proc_current();
	struct request *rq = self ? self->request_cache : NULL;

	if (rq && !rq->cached_in_use) {
		request_reset(rq, self);
		return rq;
	}
	rq = kmalloc(sizeof(*rq));
	if (!rq)
		return NULL;
	if (self && !self->request_cache) {
		self->request_cache = rq;
		request_reset(rq, self);
	} else {
		request_reset(rq, NULL);
	}
	return rq;
}

struct request *request_new(uint64_t number, uint64_t data_len, enum request_data data)
{
	struct request *rq = request_alloc();

	if (!rq)
		return NULL;
	rq->packet.a = number;
	rq->wants_reply = true;
	rq->data = data_len ? data : DATA_NONE;
	rq->data_len = data_len;
	rq->slot = -1;
	/* Zeroed frames: a daemon never sees an earlier request's bytes. */
	for (uint64_t off = 0; off < data_len; off += PAGE_SIZE) {
		uint64_t pa = frame_alloc();

		if (!pa) {
			request_free(rq);
			return NULL;
		}
		rq->frames[rq->nframes++] = pa;
	}
	return rq;
}

struct request *request_new_detached(uint64_t number)
{
	struct request *rq = kmalloc(sizeof(*rq));

	if (!rq)
		return NULL;
	request_reset(rq, NULL);
	rq->packet.a = number;
	rq->slot = -1;
	return rq;
}

int request_copy_in(struct request *rq, struct user_ptr src, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t n = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;

		if (copy_from_user(P2V(rq->frames[off / PAGE_SIZE]), user_ptr_add(src, off), n) < 0)
			return -EFAULT;
	}
	return 0;
}

void request_copy_in_kernel(struct request *rq, const void *src, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t n = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;

		memcpy(P2V(rq->frames[off / PAGE_SIZE]), (const char *)src + off, n);
	}
}

void request_copy_from_frames(const struct request *rq, void *dst, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t n = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;

		memcpy((char *)dst + off, P2V(rq->frames[off / PAGE_SIZE]), n);
	}
}

int request_copy_out(const struct request *rq, struct user_ptr dst, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t n = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;

		if (copy_to_user(user_ptr_add(dst, off), P2V(rq->frames[off / PAGE_SIZE]), n) < 0)
			return -EFAULT;
	}
	return 0;
}

void request_free(struct request *rq)
{
	if (rq->shared)
		shm_release_frames(rq);
	for (int i = 0; i < rq->nframes; i++)
		frame_free(rq->frames[i]);
	rq->nframes = 0;
	if (rq->cache_owner)
		rq->cached_in_use = false;      /* back to its process, for the next call */
	else
		kfree(rq);
}

void request_cache_release(struct proc *p)
{
	if (p->request_cache && p->request_cache->cached_in_use)
		panic("request_cache_release: pid %d's request is still in use", p->pid);
	kfree(p->request_cache);
	p->request_cache = NULL;
}

/* The request lives on after its client (in flight when the client was
 * killed): it stops being the client's reusable one. */
static void request_detach(struct request *rq)
{
	if (rq->cache_owner) {
		rq->cache_owner->request_cache = NULL;
		rq->cache_owner = NULL;
		rq->cached_in_use = false;
	}
}

/* True if the calling process holds a fd of us's scheme fd: it would wait for itself. */
LAB_HELPER static bool uscheme_is_own(const struct uscheme *us)
{
	const struct fd_table *t = &proc_current()->files;

	/* Scheme fds come only from registering, and pass only to children. */
	if (!proc_current()->may_hold_scheme_fd)
		return false;
	for (int fd = 0; fd < FD_MAX; fd++) {
		const struct file *f = t->files[fd];

		if (f && f->scheme == &root_scheme && root_handle_scheme(f) == us)
			return true;
	}
	return false;
}

static void uscheme_enqueue(struct uscheme *us, struct request *rq)
{
	rq->packet.id = us->next_id++;
	rq->state = REQUEST_QUEUED;
	rq->next = NULL;
	if (us->queue_tail)
		us->queue_tail->next = rq;
	else
		us->queue_head = rq;
	us->queue_tail = rq;
	sched_wakeup(us);
}

/* The client was killed while waiting: nobody will read the answer. */
LAB_HELPER static void uscheme_abandon(struct uscheme *us, struct request *rq)
{
	struct request **link = &us->queue_head, *prev = NULL;

	if (rq->state == REQUEST_QUEUED) {
		for (; *link && *link != rq; prev = *link, link = &(*link)->next)
			;
		*link = rq->next;
		if (us->queue_tail == rq)
			us->queue_tail = prev;
		request_free(rq);
	} else if (rq->state == REQUEST_IN_FLIGHT) {
		rq->client = NULL;      /* the reply (or the daemon's death) frees it */
		request_detach(rq);
	} else {
		request_free(rq);
	}
}

struct request *uscheme_call(struct uscheme *us, struct request *rq, int64_t *result)
{
	// LAB 4.5 BEGIN: -ENODEV if dead, -EDEADLK if own; enqueue; sleep until DONE; killed; §5
	struct proc *self = proc_current();

	*result = us->dead ? -ENODEV : uscheme_is_own(us) ? -EDEADLK : 0;
	if (*result < 0) {
		request_free(rq);
		return NULL;
	}
	rq->client = self;
	rq->packet.pid = (uint64_t)self->pid;
	uscheme_enqueue(us, rq);
	while (rq->state != REQUEST_DONE) {
		if (!sched_sleep(rq, 0)) {
			uscheme_abandon(us, rq);
			*result = -EINTR;
			return NULL;
		}
	}
	*result = rq->result;
	return rq;
	// LAB 4.5 STUB
	// lab_not_implemented(4, "uscheme_call");
	// LAB 4.5 END
}

void uscheme_send_close(struct uscheme *us, uint64_t handle)
{
	struct request *rq;

	if (us->dead)
		return;
	rq = request_new_detached(SYS_close);
	if (!rq)
		return;         /* the daemon keeps a handle nobody uses: nothing worse */
	rq->packet.b = handle;
	rq->packet.pid = proc_current() ? (uint64_t)proc_current()->pid : 0;
	uscheme_enqueue(us, rq);
}
