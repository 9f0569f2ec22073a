/*
 * ipcd.h - the IPC daemon (lab 6): one program serving two user schemes,
 * `chan:` (named stream channels) and `shm:` (named shared memory), in the
 * style of Redox's ipcd. main.c registers both and forks: one process
 * serves each, since a process can wait on only one fd at a time (no
 * fevent yet).
 *
 * What both servers share lives here: the request loop (serve.c), the
 * answers going back to the kernel in batches (reply.c), the requests kept
 * for later (defer.c), and the rules for names (name.c).
 *
 * A server never blocks except in the read of its scheme fd: a client that
 * must wait (a read of an empty channel, an accept with nobody connecting)
 * waits because its request is kept, unanswered, until it can be answered.
 */
#ifndef IPCD_H
#define IPCD_H

#include <stdbool.h>

#include "anode.h"
#include "memlayout.h"      /* the bounce window's slots (lab 4) */

/* Names of channels and objects: 1..64 bytes. */
#define IPCD_NAME_MAX 64

/* How many packets one read of the scheme fd takes. */
#define IPCD_READ_BATCH 16

/*
 * A request handler's result besides a number to answer with: keep the
 * packet and retry it when the state changes (IPCD_DEFER), or answer
 * nothing (IPCD_NO_REPLY: a close). Both are below every errno (-4095).
 */
#define IPCD_DEFER INT64_MIN
#define IPCD_NO_REPLY (INT64_MIN + 1)

/* Answers one request packet: a result for a, IPCD_DEFER or IPCD_NO_REPLY. */
typedef int64_t (*ipcd_handler)(struct scheme_packet *p);

/* One server: the scheme's name, its tables' set-up (0 or -errno), its requests. */
struct ipcd_server {
	const char *scheme;
	int (*init)(void);
	ipcd_handler handler;
};
extern const struct ipcd_server chan_server, shm_server;

/* serve.c: sets up, then answers requests on scheme_fd; never returns. */
__attribute__((noreturn)) void ipcd_serve(const struct ipcd_server *server, int scheme_fd);
/* The scheme this process serves ("chan", "shm"), for log lines. */
extern const char *ipcd_scheme_name;
#define ipcd_log(fmt, ...) printf("ipcd: %s: " fmt "\n", ipcd_scheme_name, ##__VA_ARGS__)

/* reply.c: answers, collected and written to the scheme fd in batches. */
void reply_init(int scheme_fd);
void reply_send(const struct scheme_packet *p, int64_t result);
/* Writes every collected answer (before the next blocking read, and
 * before a server gives up memory an answer may name). */
void reply_flush(void);

/* defer.c: requests kept until they can be answered, oldest first. */
/*
 * Each kept request with data keeps its bounce slot mapped in this
 * process, and the kernel has BOUNCE_SLOTS (256) per process; one read
 * hands out up to IPCD_READ_BATCH more. Keeping at most 256 - 16 means a
 * read of the scheme fd always finds room, so a full table of waiting
 * clients can never stop the daemon from reading the request that would
 * wake them.
 */
#define DEFER_MAX (BOUNCE_SLOTS - IPCD_READ_BATCH)
int defer_init(void);
/* Keeps p; false if the table is full. */
bool defer_add(const struct scheme_packet *p);
/* Something a kept request may wait for has happened (data, space, a
 * close, a connection): the loop retries the kept requests. */
void defer_note_change(void);
/* Retries the kept requests, oldest first, while anything changes. */
void defer_retry(ipcd_handler handler);
/* Answers every request kept for handle with result (the handle closed). */
void defer_cancel_handle(uint64_t handle, int64_t result);

/* name.c: 0 for a good name, -EINVAL (empty, a NUL) or -ENAMETOOLONG. */
int ipcd_check_name(const char *name, uint64_t len);

#endif
