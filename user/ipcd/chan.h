/*
 * chan.h - the `chan:` scheme: named stream channels (Redox's chan:).
 *
 *   open("chan:NAME", O_CREAT | O_RDWR)  a listener: NAME is taken (-EEXIST
 *                                         if someone listens on it already)
 *   open("chan:NAME", O_RDWR)             connect: a new connection waits in
 *                                         the listener's backlog, and the
 *                                         client has its end at once
 *   dup(listener, "listen")               accept: the server's end of the
 *                                         oldest waiting connection; waits
 *                                         for one if there is none
 *
 * A connection is two byte rings, one per direction; each end reads its
 * own ring and writes its peer's. A read waits while its ring is empty
 * and the peer is open; a write waits while the peer's ring is full
 * (O_NONBLOCK: -EAGAIN instead). A closed peer means end of file for
 * reads and -EPIPE for writes. The server's end counts as open from the
 * connect on: a client may write before it is accepted, and may close, and
 * the server still gets the data and then end of file.
 *
 * Handles are indexes into one table (chan_handle.c); listeners and
 * connections are allocated as they come (chan_listen.c, chan_conn.c);
 * chan.c answers the requests.
 */
#ifndef IPCD_CHAN_H
#define IPCD_CHAN_H

#include "ipcd.h"
#include "ring.h"

#define CHAN_LISTENERS_MAX 64
#define CHAN_HANDLES_MAX 256
/* Connections waiting for accept on one listener; more get -EAGAIN. */
#define CHAN_BACKLOG_MAX 32

/* The word dup takes to accept a connection. */
#define CHAN_ACCEPT_WORD "listen"

enum chan_side { CHAN_CLIENT = 0, CHAN_SERVER = 1 };

static inline enum chan_side chan_peer(enum chan_side side)
{
	return side == CHAN_CLIENT ? CHAN_SERVER : CHAN_CLIENT;
}

struct chan_listener;

struct chan_conn {
	struct ring inbox[2];           /* inbox[side]: the bytes that side reads */
	bool open[2];                   /* that side's end is open (or not accepted yet) */
	struct chan_listener *listener; /* while waiting in its backlog; else NULL */
	struct chan_conn *next;         /* in the backlog */
	uint64_t name_len;
	char name[IPCD_NAME_MAX];       /* for fpath, after the listener is gone too */
};

struct chan_listener {
	uint64_t name_len;
	char name[IPCD_NAME_MAX];
	unsigned flags;                 /* the open's flags: accept's O_NONBLOCK */
	struct chan_conn *backlog_head, *backlog_tail;
	int backlog_len;
};

enum chan_kind { CHAN_FREE, CHAN_LISTENER, CHAN_END };

struct chan_handle {
	enum chan_kind kind;
	unsigned flags;                 /* O_NONBLOCK, from the open (or the listener) */
	struct chan_listener *listener; /* CHAN_LISTENER */
	struct chan_conn *conn;         /* CHAN_END */
	enum chan_side side;            /* CHAN_END: which end */
};

/* chan_handle.c */
int chan_handles_init(void);
/* A free handle's number, now of kind; or -ENFILE. */
int64_t chan_handle_new(enum chan_kind kind, unsigned flags);
/* The handle numbered h, or NULL if there is none. */
struct chan_handle *chan_handle_get(uint64_t h);
void chan_handle_free(uint64_t h);

/* chan_listen.c */
int chan_listeners_init(void);
/* open(): a new listener (O_CREAT) or a connection to one; a handle or -errno. */
int64_t chan_open(const char *name, uint64_t len, unsigned flags);
/* dup(listener, "listen"): a handle for the next connection, -EAGAIN, or IPCD_DEFER. */
int64_t chan_accept(struct chan_handle *h);
/* The listener's last handle closed: its name is free, waiting connections refused. */
void chan_listener_close(struct chan_listener *l);

/* chan_conn.c */
struct chan_conn *chan_conn_new(const char *name, uint64_t len);
/* read and write on an end: a count, 0 (end of file), -EPIPE, -EAGAIN, or IPCD_DEFER. */
int64_t chan_conn_read(struct chan_handle *h, void *buf, uint64_t len);
int64_t chan_conn_write(struct chan_handle *h, const void *buf, uint64_t len);
/* One end is gone (closed, or a server end that will never be accepted). */
void chan_conn_close_end(struct chan_conn *c, enum chan_side side);

#endif
