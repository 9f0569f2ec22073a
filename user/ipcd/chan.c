/*
 * chan.c - answers chan:'s requests (the scheme is described in chan.h).
 *
 *   open    a listener (O_CREAT) or a connection; names: name.c
 *   read    a connection end: bytes, 0 at end of file, or the request is
 *           kept until there are some; a listener: -EINVAL
 *   write   a connection end: what fits, -EPIPE, or kept until there is
 *           room; a listener: -EINVAL
 *   dup     a listener with "listen": accept; any other word: -EINVAL
 *   fstat   st_mode MODE_FIFO | 0600, st_size 0
 *   fpath   "chan:NAME" (at most the buffer's length)
 *   fsync   0; lseek -ESPIPE; ftruncate -EINVAL; fmap -ENODEV; the rest -ENOSYS
 *   close   no answer; the handle's kept requests are answered -EPIPE (their
 *           client is gone: the kernel discards the answers, and the
 *           bounce slots they held are free again)
 */
#include "chan.h"

static int chan_init(void)
{
	int err = chan_handles_init();

	return err < 0 ? err : chan_listeners_init();
}

static void chan_close(uint64_t handle)
{
	struct chan_handle *h = chan_handle_get(handle);

	if (!h)
		return;
	defer_cancel_handle(handle, -EPIPE);
	if (h->kind == CHAN_LISTENER)
		chan_listener_close(h->listener);
	else
		chan_conn_close_end(h->conn, h->side);
	chan_handle_free(handle);
}

static int64_t chan_dup(struct chan_handle *h, const char *word, uint64_t len)
{
	if (h->kind != CHAN_LISTENER || len != strlen(CHAN_ACCEPT_WORD) ||
	    memcmp(word, CHAN_ACCEPT_WORD, len) != 0)
		return -EINVAL;
	return chan_accept(h);
}

static int64_t chan_fstat(struct stat *st, uint64_t len)
{
	if (len < sizeof(*st))
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->st_mode = MODE_FIFO | 0600;
	st->st_nlink = 1;
	return 0;
}

static int64_t chan_fpath(const struct chan_handle *h, char *buf, uint64_t len)
{
	char path[sizeof("chan:") + IPCD_NAME_MAX];
	const char *name = h->kind == CHAN_LISTENER ? h->listener->name : h->conn->name;
	uint64_t name_len = h->kind == CHAN_LISTENER ? h->listener->name_len : h->conn->name_len;
	uint64_t n = 5 + name_len;

	memcpy(path, "chan:", 5);
	memcpy(path + 5, name, name_len);
	n = n < len ? n : len;
	memcpy(buf, path, n);
	return (int64_t)n;
}

static int64_t chan_request(struct scheme_packet *p)
{
	struct chan_handle *h;

	switch (p->a) {
	case SYS_open:
		return chan_open((const char *)p->b, p->c, (unsigned)p->d);
	case SYS_unlink:
		return -ENOSYS;
	case SYS_close:
		chan_close(p->b);
		return IPCD_NO_REPLY;
	}
	h = chan_handle_get(p->b);
	if (!h)
		return -EBADF;
	switch (p->a) {
	case SYS_read:
		if (h->kind != CHAN_END)
			return -EINVAL;
		return chan_conn_read(h, (void *)p->c, p->d);
	case SYS_write:
		if (h->kind != CHAN_END)
			return -EINVAL;
		return chan_conn_write(h, (const void *)p->c, p->d);
	case SYS_dup:
		return chan_dup(h, (const char *)p->c, p->d);
	case SYS_fstat:
		return chan_fstat((struct stat *)p->c, p->d);
	case SYS_fpath:
		return chan_fpath(h, (char *)p->c, p->d);
	case SYS_fsync:
		return 0;
	case SYS_lseek:
		return -ESPIPE;
	case SYS_ftruncate:
		return -EINVAL;
	case SYS_fmap:
		return -ENODEV;
	default:
		return -ENOSYS;
	}
}

const struct ipcd_server chan_server = {
	.scheme = "chan",
	.init = chan_init,
	.handler = chan_request,
};
