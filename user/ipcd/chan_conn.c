/*
 * chan_conn.c - one connection of chan:, and reading and writing its ends.
 *
 * A request that cannot go on yet (nothing to read, no room to write) is
 * kept: IPCD_DEFER. Every call that moves bytes or closes an end notes a
 * change, so the kept requests are retried (defer.c) and the waiting
 * reader or writer is answered as soon as it can be.
 */
#include "chan.h"

struct chan_conn *chan_conn_new(const char *name, uint64_t len)
{
	struct chan_conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	ring_init(&c->inbox[CHAN_CLIENT]);
	ring_init(&c->inbox[CHAN_SERVER]);
	c->open[CHAN_CLIENT] = c->open[CHAN_SERVER] = true;
	c->listener = NULL;
	c->next = NULL;
	c->name_len = len;
	memcpy(c->name, name, len);
	return c;
}

int64_t chan_conn_read(struct chan_handle *h, void *buf, uint64_t len)
{
	// LAB 6.3 BEGIN: take from this side's ring; empty: 0 if the peer closed, else -EAGAIN or IPCD_DEFER; handout §3
	struct chan_conn *c = h->conn;
	uint64_t n;

	if (len == 0)
		return 0;
	n = ring_take(&c->inbox[h->side], buf, len);
	if (n) {
		defer_note_change();    /* room for a waiting writer */
		return (int64_t)n;
	}
	if (!c->open[chan_peer(h->side)])
		return 0;               /* drained, and nobody will write again */
	return h->flags & O_NONBLOCK ? -EAGAIN : IPCD_DEFER;
	// LAB 6.3 STUB
	// (void)h, (void)buf, (void)len;
	// lab_not_implemented(6, "chan_conn_read");
	// LAB 6.3 END
}

int64_t chan_conn_write(struct chan_handle *h, const void *buf, uint64_t len)
{
	// LAB 6.3 BEGIN: peer closed: -EPIPE; put what fits in the peer's ring; full: -EAGAIN or IPCD_DEFER
	struct chan_conn *c = h->conn;
	enum chan_side peer = chan_peer(h->side);
	uint64_t n;

	if (len == 0)
		return 0;
	if (!c->open[peer])
		return -EPIPE;
	n = ring_put(&c->inbox[peer], buf, len);
	if (n) {
		defer_note_change();    /* data for a waiting reader */
		return (int64_t)n;      /* what fitted: a short write, as pipes may */
	}
	return h->flags & O_NONBLOCK ? -EAGAIN : IPCD_DEFER;
	// LAB 6.3 STUB
	// (void)h, (void)buf, (void)len;
	// lab_not_implemented(6, "chan_conn_write");
	// LAB 6.3 END
}

void chan_conn_close_end(struct chan_conn *c, enum chan_side side)
{
	c->open[side] = false;
	defer_note_change();            /* the peer's waiting reads end, writes fail */
	/* One still in a backlog waits for its accept (the client may have
	 * written before it closed) or for the listener's close. */
	if (!c->open[CHAN_CLIENT] && !c->open[CHAN_SERVER] && !c->listener)
		free(c);
}
