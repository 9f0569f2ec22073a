/*
 * malloc.c - a first-fit allocator for user programs over anonymous fmap.
 *
 * Memory comes from the kernel in arenas of at least MALLOC_ARENA_BYTES;
 * each block has a header with its size and a free flag, and free blocks
 * are found by walking the list of all blocks (simple, not fast: a
 * teaching library). Adjacent free blocks are merged on free.
 */
#include "anode.h"

#define MALLOC_ARENA_BYTES (64 * 1024)
#define MALLOC_ALIGN 16

struct block {
	size_t size;           /* bytes after the header */
	int free;
	struct block *next;    /* next block in address order, or NULL */
};

static struct block *blocks;

static size_t round_up(size_t n)
{
	return (n + MALLOC_ALIGN - 1) & ~(size_t)(MALLOC_ALIGN - 1);
}

static struct block *malloc_grow(size_t size)
{
	size_t bytes = size + sizeof(struct block) > MALLOC_ARENA_BYTES
			       ? round_up(size + sizeof(struct block))
			       : MALLOC_ARENA_BYTES;
	struct block *b = fmap_anonymous(bytes, PROT_READ | PROT_WRITE);

	if (!b)
		return NULL;
	b->size = bytes - sizeof(struct block);
	b->free = 1;
	b->next = blocks;
	blocks = b;
	return b;
}

/* Splits b so it keeps size bytes, when the rest is worth a block. */
static void malloc_split(struct block *b, size_t size)
{
	struct block *rest;

	if (b->size < size + sizeof(struct block) + MALLOC_ALIGN)
		return;
	rest = (struct block *)((char *)(b + 1) + size);
	rest->size = b->size - size - sizeof(struct block);
	rest->free = 1;
	rest->next = b->next;
	b->size = size;
	b->next = rest;
}

void *malloc(size_t size)
{
	struct block *b;

	if (size == 0 || size > (1UL << 32))
		return NULL;
	size = round_up(size);
	for (b = blocks; b; b = b->next)
		if (b->free && b->size >= size)
			break;
	if (!b && !(b = malloc_grow(size)))
		return NULL;
	malloc_split(b, size);
	b->free = 0;
	return b + 1;
}

void free(void *ptr)
{
	struct block *b;

	if (!ptr)
		return;
	b = (struct block *)ptr - 1;
	b->free = 1;
	/* Merge with following free blocks that are really adjacent in memory. */
	while (b->next && b->next->free && (char *)(b + 1) + b->size == (char *)b->next) {
		b->size += sizeof(struct block) + b->next->size;
		b->next = b->next->next;
	}
}
