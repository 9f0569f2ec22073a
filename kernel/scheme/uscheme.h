/*
 * uscheme.h - user schemes: a scheme served by a daemon through request
 * packets (lab 4, handout §5). Internal to kernel/scheme/.
 *
 * A client's file call becomes a request: a packet (scheme_packet in
 * abi.h) and, when the call carries data, kernel-owned bounce frames that
 * hold it. The request waits in the scheme's queue until a daemon reads
 * it; the kernel then maps the frames into the daemon's bounce window and
 * the packet points there. The daemon writes the packet back with the
 * result; the kernel unmaps the frames, wakes the client, and the client
 * copies the result data from the frames into its own buffer.
 */
#ifndef ANODE_USCHEME_H
#define ANODE_USCHEME_H

#include <stdbool.h>
#include <stdint.h>

#include "memlayout.h"
#include "scheme.h"

#define BOUNCE_MAX_PAGES (SCHEME_MAX_IO / PAGE_SIZE)

enum request_state {
	REQUEST_QUEUED,     /* waiting for a daemon to read it */
	REQUEST_IN_FLIGHT,  /* read by a daemon, no reply yet */
	REQUEST_DONE,       /* answered (or failed): result is final */
};

/* Where the data goes in the packet: the path of open/unlink in b, a buffer in c. */
enum request_data { DATA_NONE, DATA_IN_B, DATA_IN_C };

struct proc;

struct request {
	struct request *next;       /* in the queue or the in-flight list */
	struct proc *cache_owner;   /* the process whose reusable request this is, or NULL */
	bool cached_in_use;
	struct scheme_packet packet;
	enum request_state state;
	bool wants_reply;           /* false for close: nothing waits for it */
	struct proc *client;        /* NULL once nobody waits (close, or killed) */
	int64_t result;
	enum request_data data;
	uint64_t data_len;          /* bytes of the client's buffer (at most SCHEME_MAX_IO) */
	/* while a daemon holds it: where the frames are mapped */
	struct proc *daemon;
	int daemon_pid;
	uint64_t daemon_pml4;
	int slot;
	/* fmap (lab 6): the pages asked for, and the daemon's frames its answer
	 * named, each with a reference of ours until the client maps them */
	uint64_t map_pages;
	bool map_writable;
	uint64_t *shared;
	uint64_t nshared;
	uint64_t shared_mapped;     /* shared[0..shared_mapped) belong to mappings now */
	int nframes;
	uint64_t frames[BOUNCE_MAX_PAGES];  /* last: only nframes are set */
};

struct uscheme {
	struct scheme scheme;       /* first: a struct scheme * is a struct uscheme * */
	struct request *queue_head, *queue_tail;
	struct request *in_flight;
	uint64_t next_id;           /* ids are never reused */
	bool dead;
};

/* user_scheme.c: the client side (the scheme's operations). */
struct uscheme *uscheme_new(const char *name, uint64_t len);
/* request.c. A client's requests come from its process's one reusable
 * request (a process waits for one call at a time), so the common call
 * allocates nothing; a request that must outlive its client's wait (the
 * client was killed with it in flight) is moved to the heap. */
struct request *request_new(uint64_t number, uint64_t data_len, enum request_data data);
/* A request nobody waits for (a close): always from the heap. */
struct request *request_new_detached(uint64_t number);
int request_copy_in(struct request *rq, struct user_ptr src, uint64_t len);
void request_copy_in_kernel(struct request *rq, const void *src, uint64_t len);
void request_copy_from_frames(const struct request *rq, void *dst, uint64_t len);
int request_copy_out(const struct request *rq, struct user_ptr dst, uint64_t len);
void request_free(struct request *rq);
/*
 * Sends rq and waits for its answer. Returns rq, answered (*result: the
 * daemon's result; the caller copies data out and frees it), or NULL with
 * *result = -ENODEV (dead scheme), -EDEADLK (the caller serves it) or
 * -EINTR (killed while waiting); rq is then no longer the caller's.
 */
struct request *uscheme_call(struct uscheme *us, struct request *rq, int64_t *result);
/* Sends a close for handle (nobody waits for it; nothing if the scheme is dead). */
void uscheme_send_close(struct uscheme *us, uint64_t handle);

/* user_daemon.c: the daemon side, reached through the scheme fd. */
int64_t uscheme_daemon_read(struct uscheme *us, struct file *f, struct user_ptr buf, uint64_t len);
int64_t uscheme_daemon_write(struct uscheme *us, struct user_ptr buf, uint64_t len);
/* The scheme fd's last reference went: fail everything, unregister. */
void uscheme_die(struct uscheme *us);

/* root.c: the user scheme a scheme fd's description serves, or NULL. */
struct uscheme *root_handle_scheme(const struct file *f);

/* shm.c (lab 6): an fmap answer's frames, from the daemon to the client. */
#define FMAP_SCHEME_MAX_PAGES 4096  /* 16 MiB in one fmap through a scheme */
/* In the daemon's write: checks the answer (an address in the daemon) and
 * takes a reference to each frame; 0, or -EINVAL (a bad answer). */
int shm_take_daemon_frames(struct request *rq, int64_t address);
/* In the client's call: maps the frames at va; va or -errno. */
int64_t shm_map_into_client(struct request *rq, uint64_t va, unsigned vm_flags);
/* Drops the references of frames never mapped (request_free). */
void shm_release_frames(struct request *rq);
bool shm_enabled(void);

/* bounce.c */
int bounce_map(struct request *rq, struct proc *daemon);
void bounce_unmap(struct request *rq);

#endif
