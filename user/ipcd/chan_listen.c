/*
 * chan_listen.c - chan:'s names: listeners, connecting and accepting.
 *
 * A listener owns its name until its handle closes (the kernel sends that
 * close when the last fd of the description goes, whoever held it). A
 * connect makes the connection at once and queues it on the listener, like
 * a TCP backlog, so the client never waits to connect; accept takes the
 * oldest, or is kept (IPCD_DEFER) until a connect comes.
 */
#include "chan.h"

static struct chan_listener **listeners;

int chan_listeners_init(void)
{
	listeners = malloc(CHAN_LISTENERS_MAX * sizeof(*listeners));
	if (!listeners)
		return -ENOMEM;
	for (int i = 0; i < CHAN_LISTENERS_MAX; i++)
		listeners[i] = NULL;
	return 0;
}

static struct chan_listener *chan_listener_find(const char *name, uint64_t len)
{
	for (int i = 0; i < CHAN_LISTENERS_MAX; i++) {
		struct chan_listener *l = listeners[i];

		if (l && l->name_len == len && memcmp(l->name, name, len) == 0)
			return l;
	}
	return NULL;
}

static int64_t chan_listen(const char *name, uint64_t len, unsigned flags)
{
	// LAB 6.2 BEGIN: a free listener slot, a CHAN_LISTENER handle, the name; -ENFILE/-ENOMEM; handout §3
	struct chan_listener *l;
	int slot = -1;
	int64_t handle;

	for (int i = 0; i < CHAN_LISTENERS_MAX && slot < 0; i++)
		if (!listeners[i])
			slot = i;
	if (slot < 0)
		return -ENFILE;
	l = malloc(sizeof(*l));
	if (!l)
		return -ENOMEM;
	handle = chan_handle_new(CHAN_LISTENER, flags);
	if (handle < 0) {
		free(l);
		return handle;
	}
	memset(l, 0, sizeof(*l));
	l->name_len = len;
	memcpy(l->name, name, len);
	l->flags = flags;
	listeners[slot] = l;
	chan_handle_get((uint64_t)handle)->listener = l;
	return handle;
	// LAB 6.2 STUB
	// (void)name, (void)len, (void)flags;
	// lab_not_implemented(6, "chan_listen");
	// LAB 6.2 END
}

static int64_t chan_connect(struct chan_listener *l, unsigned flags)
{
	// LAB 6.2 BEGIN: a new connection and its CHAN_CLIENT end, appended to the backlog; note the change
	struct chan_conn *c;
	int64_t handle;

	if (l->backlog_len >= CHAN_BACKLOG_MAX)
		return -EAGAIN;
	c = chan_conn_new(l->name, l->name_len);
	if (!c)
		return -ENOMEM;
	handle = chan_handle_new(CHAN_END, flags);
	if (handle < 0) {
		free(c);
		return handle;
	}
	chan_handle_get((uint64_t)handle)->conn = c;
	chan_handle_get((uint64_t)handle)->side = CHAN_CLIENT;
	c->listener = l;
	if (l->backlog_tail)
		l->backlog_tail->next = c;
	else
		l->backlog_head = c;
	l->backlog_tail = c;
	l->backlog_len++;
	defer_note_change();            /* for a waiting accept */
	return handle;
	// LAB 6.2 STUB
	// (void)l, (void)flags;
	// lab_not_implemented(6, "chan_connect");
	// LAB 6.2 END
}

int64_t chan_open(const char *name, uint64_t len, unsigned flags)
{
	int err = ipcd_check_name(name, len);
	struct chan_listener *l;

	if (err < 0)
		return err;
	l = chan_listener_find(name, len);
	if (flags & O_CREAT)
		return l ? -EEXIST : chan_listen(name, len, flags);
	return l ? chan_connect(l, flags) : -ENOENT;
}

static struct chan_conn *chan_backlog_pop(struct chan_listener *l)
{
	struct chan_conn *c = l->backlog_head;

	l->backlog_head = c->next;
	if (!l->backlog_head)
		l->backlog_tail = NULL;
	l->backlog_len--;
	c->next = NULL;
	c->listener = NULL;
	return c;
}

int64_t chan_accept(struct chan_handle *h)
{
	// LAB 6.2 BEGIN: no backlog: -EAGAIN (O_NONBLOCK) or IPCD_DEFER; else a CHAN_SERVER end for the oldest
	struct chan_listener *l = h->listener;
	struct chan_handle *end;
	int64_t handle;

	if (!l->backlog_head)
		return l->flags & O_NONBLOCK ? -EAGAIN : IPCD_DEFER;
	handle = chan_handle_new(CHAN_END, l->flags);
	if (handle < 0)
		return handle;
	end = chan_handle_get((uint64_t)handle);
	end->conn = chan_backlog_pop(l);
	end->side = CHAN_SERVER;
	return handle;
	// LAB 6.2 STUB
	// (void)h;
	// lab_not_implemented(6, "chan_accept");
	// LAB 6.2 END
}

void chan_listener_close(struct chan_listener *l)
{
	for (int i = 0; i < CHAN_LISTENERS_MAX; i++)
		if (listeners[i] == l)
			listeners[i] = NULL;
	/* Nobody will accept these: their clients read end of file, writes fail. */
	while (l->backlog_head)
		chan_conn_close_end(chan_backlog_pop(l), CHAN_SERVER);
	free(l);
}
