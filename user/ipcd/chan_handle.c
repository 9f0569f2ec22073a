/*
 * chan_handle.c - chan:'s handles: what the kernel calls a handle is an
 * index into this table, allocated once at start-up (CHAN_HANDLES_MAX).
 * The lowest free one is taken, so numbers stay small and are reused.
 */
#include "chan.h"

static struct chan_handle *handles;

int chan_handles_init(void)
{
	handles = malloc(CHAN_HANDLES_MAX * sizeof(*handles));
	if (!handles)
		return -ENOMEM;
	for (int i = 0; i < CHAN_HANDLES_MAX; i++)
		handles[i].kind = CHAN_FREE;
	return 0;
}

int64_t chan_handle_new(enum chan_kind kind, unsigned flags)
{
	for (int i = 0; i < CHAN_HANDLES_MAX; i++) {
		if (handles[i].kind != CHAN_FREE)
			continue;
		memset(&handles[i], 0, sizeof(handles[i]));
		handles[i].kind = kind;
		handles[i].flags = flags;
		return i;
	}
	return -ENFILE;
}

struct chan_handle *chan_handle_get(uint64_t h)
{
	if (h >= CHAN_HANDLES_MAX || handles[h].kind == CHAN_FREE)
		return NULL;
	return &handles[h];
}

void chan_handle_free(uint64_t h)
{
	if (h < CHAN_HANDLES_MAX)
		handles[h].kind = CHAN_FREE;
}
