/*
 * ring.c - the byte ring of a channel direction. Each copy is at most two
 * pieces: up to the end of the buffer, then from its start.
 */
#include "anode.h"
#include "ring.h"

void ring_init(struct ring *r)
{
	r->head = 0;
	r->used = 0;
}

uint64_t ring_put(struct ring *r, const void *src, uint64_t len)
{
	uint64_t n = len < ring_room(r) ? len : ring_room(r);
	uint32_t tail = (r->head + r->used) % RING_BYTES;
	uint64_t first = n < RING_BYTES - tail ? n : RING_BYTES - tail;

	memcpy(r->bytes + tail, src, first);
	memcpy(r->bytes, (const unsigned char *)src + first, n - first);
	r->used += (uint32_t)n;
	return n;
}

uint64_t ring_take(struct ring *r, void *dst, uint64_t len)
{
	uint64_t n = len < r->used ? len : r->used;
	uint64_t first = n < RING_BYTES - r->head ? n : RING_BYTES - r->head;

	memcpy(dst, r->bytes + r->head, first);
	memcpy((unsigned char *)dst + first, r->bytes, n - first);
	r->head = (uint32_t)((r->head + n) % RING_BYTES);
	r->used -= (uint32_t)n;
	return n;
}
