/*
 * kmalloc.h - the kernel heap (mm/kmalloc.c): any size from one byte to
 * many pages, zero-filled. kfree catches double frees, frees of pointers
 * kmalloc never returned, and writes past the end of a block (panics).
 */
#ifndef ANODE_KMALLOC_H
#define ANODE_KMALLOC_H

#include <stddef.h>
#include <stdint.h>

void *kmalloc(size_t size);
void kfree(void *ptr);
/* How many blocks are allocated now (the leak check compares it). */
uint64_t kmalloc_live_blocks(void);
/* Frames the size classes hold (slots are kept, never given back): with
 * no block live, they are the heap's, not a leak. */
uint64_t kmalloc_slab_frames(void);

#endif
