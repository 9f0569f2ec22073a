/*
 * serve.c - the request loop every ipcd server runs (handouts/lab4-schemes.md §5).
 *
 * Read up to IPCD_READ_BATCH packets (the read blocks until a client
 * calls), answer each in order or keep it for later, then write the
 * answers back in one batch. Whenever a request changed something a kept
 * request may be waiting for, the kept ones are retried before the next
 * packet is looked at: so a kept read is always older than any read of
 * the same channel still to come, and clients are served in the order
 * they asked.
 */
#include "ipcd.h"

const char *ipcd_scheme_name = "ipcd";

/* One packet: answered now, kept, or (a close) nothing to answer. */
static void serve_packet(ipcd_handler handler, struct scheme_packet *p)
{
	int64_t result = handler(p);

	if (result == IPCD_DEFER) {
		if (!defer_add(p)) {
			ipcd_log("too many waiting requests: -EAGAIN to request %lu from pid %lu",
				 p->id, p->pid);
			reply_send(p, -EAGAIN);
		}
	} else if (result != IPCD_NO_REPLY) {
		reply_send(p, result);
	}
	defer_retry(handler);
}

void ipcd_serve(const struct ipcd_server *server, int scheme_fd)
{
	static struct scheme_packet in[IPCD_READ_BATCH];
	int err;

	ipcd_scheme_name = server->scheme;
	reply_init(scheme_fd);
	err = defer_init();
	if (err == 0)
		err = server->init();
	if (err < 0) {
		ipcd_log("cannot set up (errno %d)", -err);
		exit(1);
	}
	for (;;) {
		long n = sys_read(scheme_fd, (long)in, sizeof(in));

		if (n == -EINTR)
			continue;
		/* The kernel hands out whole packets; anything else means the
		 * scheme fd is unusable, and no client could be served again. */
		if (n <= 0 || n % SCHEME_PACKET_BYTES != 0) {
			ipcd_log("reading requests failed (%ld); exiting", n);
			exit(1);
		}
		for (long i = 0; i < n / SCHEME_PACKET_BYTES; i++)
			serve_packet(server->handler, &in[i]);
		reply_flush();
	}
}
