/*
 * ring.h - a byte ring: one direction of a channel connection (ring.c).
 * Writers put what fits, readers take what is there; neither waits.
 */
#ifndef IPCD_RING_H
#define IPCD_RING_H

#include <stdint.h>

#define RING_BYTES 4096

struct ring {
	uint32_t head;  /* the oldest byte */
	uint32_t used;
	unsigned char bytes[RING_BYTES];
};

void ring_init(struct ring *r);
/* Copies up to len bytes in; returns how many fitted. */
uint64_t ring_put(struct ring *r, const void *src, uint64_t len);
/* Copies up to len bytes out, oldest first; returns how many there were. */
uint64_t ring_take(struct ring *r, void *dst, uint64_t len);

static inline uint64_t ring_used(const struct ring *r)
{
	return r->used;
}

static inline uint64_t ring_room(const struct ring *r)
{
	return RING_BYTES - r->used;
}

#endif
