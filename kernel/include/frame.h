/*
 * frame.h - physical memory, one 4 KiB frame at a time (mm/frame.c).
 *
 * Frames are named by physical address. Each has a reference count: the
 * allocator hands a frame out with count 1; sharing it (fork, shared
 * memory) takes more references; the frame is free again when the last
 * one is dropped.
 */
#ifndef ANODE_FRAME_H
#define ANODE_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE 4096UL

void frame_init(void);

/* Returns a zero-filled frame's physical address, or 0 when memory is exhausted. */
uint64_t frame_alloc(void);
/* Returns n physically contiguous zeroed frames, or 0 if no such run is left. */
uint64_t frame_alloc_run(uint64_t n);
/* Drops one reference; panics on a frame that is not allocated. */
void frame_free(uint64_t pa);
/* Takes another reference to an allocated frame. */
void frame_ref(uint64_t pa);
unsigned frame_refcount(uint64_t pa);

uint64_t frame_free_count(void);
uint64_t frame_total_count(void);
/* The end of the highest usable memory (physical address). */
uint64_t frame_physical_top(void);
/* Bytes the allocator's own bookkeeping uses. */
uint64_t frame_overhead_bytes(void);

#endif
