/*
 * user_daemon.c - a user scheme as its daemon sees it, through the scheme
 * fd (lab 4, handout §5-§6): reading hands out request packets, writing
 * answers them, and the scheme fd's last close kills the scheme.
 *
 * Nothing here trusts the daemon: a reply must name a request in flight,
 * carry a result the call allows (a read cannot return more bytes than
 * were asked for), and come in whole packets; anything else is -EINVAL to
 * the daemon and changes nothing for the client.
 */
#include "compiler.h"
#include "errno.h"
#include "kprintf.h"
#include "kstring.h"
#include "proc.h"
#include "scheme/uscheme.h"

#define ERRNO_MAX 4095

LAB_HELPER static void uscheme_push_in_flight(struct uscheme *us, struct request *rq)
{
	rq->state = REQUEST_IN_FLIGHT;
	rq->next = us->in_flight;
	us->in_flight = rq;
}

/* Removes and returns the in-flight request with this id, or NULL. */
LAB_HELPER static struct request *uscheme_take_in_flight(struct uscheme *us, uint64_t id)
{
	for (struct request **link = &us->in_flight; *link; link = &(*link)->next) {
		struct request *rq = *link;

		if (rq->packet.id == id) {
			*link = rq->next;
			return rq;
		}
	}
	return NULL;
}

/* The packet as the daemon sees it: data addresses in its bounce window. */
LAB_HELPER static struct scheme_packet uscheme_packet_for_daemon(const struct request *rq)
{
	struct scheme_packet p = rq->packet;
	uint64_t va = rq->slot >= 0 ? USER_BOUNCE_BASE + (uint64_t)rq->slot * BOUNCE_SLOT_BYTES : 0;

	if (rq->data == DATA_IN_B)
		p.b = va;
	else if (rq->data == DATA_IN_C)
		p.c = va;
	return p;
}

int64_t uscheme_daemon_read(struct uscheme *us, struct file *f, struct user_ptr buf, uint64_t len)
{
	// LAB 4.5 BEGIN: >=1 whole packet or -EINVAL; wait (O_NONBLOCK); map data, hand out; §5
	uint64_t done = 0;

	if (len < SCHEME_PACKET_BYTES)
		return -EINVAL;
	while (!us->queue_head) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (!sched_sleep(us, 0))
			return -EINTR;
	}
	while (us->queue_head && done + SCHEME_PACKET_BYTES <= len) {
		struct request *rq = us->queue_head;
		struct scheme_packet p;
		int err = rq->nframes ? bounce_map(rq, proc_current()) : 0;

		if (err == 0) {
			p = uscheme_packet_for_daemon(rq);
			err = copy_to_user(user_ptr_add(buf, done), &p, sizeof(p));
			if (err < 0)
				bounce_unmap(rq);   /* a bad buffer: the request stays queued */
		}
		if (err < 0)
			return done ? (int64_t)done : err;
		us->queue_head = rq->next;
		if (!us->queue_head)
			us->queue_tail = NULL;
		done += SCHEME_PACKET_BYTES;
		if (rq->wants_reply)
			uscheme_push_in_flight(us, rq);
		else
			request_free(rq);   /* a close: handed out is done */
	}
	return (int64_t)done;
	// LAB 4.5 STUB
	// lab_not_implemented(4, "uscheme_daemon_read");
	// LAB 4.5 END
}

/* True if result is an answer this call may give. An fmap's answer (an
 * address in the daemon) also takes the daemon's frames there (lab 6). */
LAB_HELPER static bool uscheme_result_ok(struct request *rq, int64_t result)
{
	if (result < 0)
		return result >= -ERRNO_MAX;
	switch (rq->packet.a) {
	case SYS_fmap:
		return shm_take_daemon_frames(rq, result) == 0;
	case SYS_read:
	case SYS_write:
	case SYS_fpath:
		return (uint64_t)result <= rq->data_len;
	default:
		return true;
	}
}

/* The answer to a request nobody waits for any more: a handle it opened is closed again. */
LAB_HELPER static void uscheme_discard_answer(struct uscheme *us, struct request *rq)
{
	if ((rq->packet.a == SYS_open || rq->packet.a == SYS_dup) && rq->result >= 0)
		uscheme_send_close(us, (uint64_t)rq->result);
	request_free(rq);
}

int64_t uscheme_daemon_write(struct uscheme *us, struct user_ptr buf, uint64_t len)
{
	// LAB 4.5 BEGIN: whole packets, in order, up to the first bad one; unmap, answer, wake; §5
	uint64_t done = 0;

	if (len % SCHEME_PACKET_BYTES != 0)
		return -EINVAL;
	for (; done < len; done += SCHEME_PACKET_BYTES) {
		struct scheme_packet p;
		struct request *rq;

		if (copy_from_user(&p, user_ptr_add(buf, done), sizeof(p)) < 0)
			return done ? (int64_t)done : -EFAULT;
		rq = uscheme_take_in_flight(us, p.id);
		if (!rq)
			return done ? (int64_t)done : -EINVAL;
		if (!uscheme_result_ok(rq, (int64_t)p.a)) {
			uscheme_push_in_flight(us, rq);     /* still waiting for a good answer */
			return done ? (int64_t)done : -EINVAL;
		}
		bounce_unmap(rq);
		rq->result = (int64_t)p.a;
		rq->state = REQUEST_DONE;
		if (rq->client)
			sched_wakeup_proc(rq->client, rq);
		else
			uscheme_discard_answer(us, rq);
	}
	return (int64_t)done;
	// LAB 4.5 STUB
	// lab_not_implemented(4, "uscheme_daemon_write");
	// LAB 4.5 END
}

/* Fails one request with -EIO: its client wakes, or it goes. */
LAB_HELPER static void uscheme_fail(struct request *rq)
{
	bounce_unmap(rq);
	rq->result = -EIO;
	rq->state = REQUEST_DONE;
	if (rq->client)
		sched_wakeup_proc(rq->client, rq);
	else
		request_free(rq);
}

void uscheme_die(struct uscheme *us)
{
	// LAB 4.4 BEGIN: dead, unregistered; every queued and in-flight request -EIO at once; §6
	us->dead = true;
	scheme_unregister(&us->scheme);
	while (us->queue_head) {
		struct request *rq = us->queue_head;

		us->queue_head = rq->next;
		uscheme_fail(rq);
	}
	us->queue_tail = NULL;
	while (us->in_flight) {
		struct request *rq = us->in_flight;

		us->in_flight = rq->next;
		uscheme_fail(rq);
	}
	// LAB 4.4 STUB
	// lab_not_implemented(4, "uscheme_die");
	// LAB 4.4 END
}
