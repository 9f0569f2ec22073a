/*
 * kmalloc.c - the kernel heap (lab 2, handout §5).
 *
 * Small blocks come from size classes (32 to 4096-byte slots): a class
 * carves frames into equal slots and keeps freed slots on a list. Large
 * blocks get their own run of contiguous frames, given back on kfree.
 * Every block is laid out as
 *
 *   | header: magic, size, class | size bytes for the caller | canary |
 *
 * The magic says whether the block is in use or free (double free), the
 * canary whether the caller wrote past its end (overflow); a freed block is
 * filled with POISON so a use after free shows up as 0x6b6b... in a dump,
 * and kmalloc checks the poison is intact before reusing the slot.
 * Memory is reached through the direct map. Layer below: frame.c.
 */
#include "compiler.h"
#include "frame.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"

#define KMALLOC_MAGIC_USED 0xa110ca7eU
#define KMALLOC_MAGIC_FREE 0xf7eef7eeU
#define KMALLOC_CANARY 0xc0ffee11deadbeefUL
#define KMALLOC_POISON 0x6b
#define KMALLOC_LARGE 0xff /* class of a block with frames of its own */
#define KMALLOC_CLASSES 8  /* slots of 32, 64, ..., 4096 bytes */
#define KMALLOC_MIN_SLOT 32

struct kmalloc_header {
	uint32_t magic;
	uint32_t class;
	uint64_t size; /* bytes the caller asked for */
};
_Static_assert(sizeof(struct kmalloc_header) == 16, "keeps payloads 16-byte aligned");

/* A free slot: its payload holds the link to the next free slot. */
struct kmalloc_free_slot {
	struct kmalloc_header header;
	struct kmalloc_free_slot *next;
};

static struct kmalloc_free_slot *free_slots[KMALLOC_CLASSES];
static uint64_t slab_frames;

static size_t class_slot_bytes(unsigned class)
{
	return (size_t)KMALLOC_MIN_SLOT << class;
}

static size_t block_bytes(size_t size)
{
	return sizeof(struct kmalloc_header) + size + sizeof(uint64_t);
}

static void *block_payload(struct kmalloc_header *h)
{
	return h + 1;
}

static uint64_t *block_canary(struct kmalloc_header *h)
{
	return (uint64_t *)((char *)block_payload(h) + h->size);
}

/* Carves a fresh frame into slots of the class; false when out of memory. */
static bool kmalloc_refill(unsigned class)
{
	uint64_t pa = frame_alloc();
	size_t slot = class_slot_bytes(class);

	if (!pa)
		return false;
	slab_frames++;
	for (size_t off = 0; off + slot <= FRAME_SIZE; off += slot) {
		struct kmalloc_free_slot *s = (struct kmalloc_free_slot *)((char *)P2V(pa) + off);

		memset(s, KMALLOC_POISON, slot);
		s->header = (struct kmalloc_header){ KMALLOC_MAGIC_FREE, class, slot - block_bytes(0) };
		s->next = free_slots[class];
		free_slots[class] = s;
	}
	return true;
}

static void kmalloc_check_poison(struct kmalloc_free_slot *s)
{
	const unsigned char *p = (const unsigned char *)(s + 1);
	size_t n = class_slot_bytes(s->header.class) - sizeof(*s);
	const uint64_t poison = 0x0101010101010101UL * KMALLOC_POISON;

	/* A word at a time (slots are multiples of 16 bytes): the heap's hot path. */
	for (size_t i = 0; i < n; i += 8) {
		if (*(const uint64_t *)(p + i) == poison)
			continue;
		for (size_t j = i; j < i + 8; j++)
			if (p[j] != KMALLOC_POISON)
				panic("kmalloc: free block at %p was written after kfree (byte %lu is 0x%x)",
				      (void *)block_payload(&s->header), j + sizeof(s->next), p[j]);
	}
}

static struct kmalloc_header *kmalloc_small(size_t size)
{
	unsigned class = 0;
	struct kmalloc_free_slot *s;

	while (class_slot_bytes(class) < block_bytes(size))
		class++;
	if (!free_slots[class] && !kmalloc_refill(class))
		return NULL;
	s = free_slots[class];
	if (s->header.magic != KMALLOC_MAGIC_FREE)
		panic("kmalloc: free list of class %u is corrupt at %p", class, (void *)s);
	kmalloc_check_poison(s);
	free_slots[class] = s->next;
	s->header.class = class;
	return &s->header;
}

static struct kmalloc_header *kmalloc_large(size_t size)
{
	uint64_t pages = ALIGN_UP(block_bytes(size), FRAME_SIZE) / FRAME_SIZE;
	uint64_t pa = frame_alloc_run(pages);
	struct kmalloc_header *h;

	if (!pa)
		return NULL;
	h = P2V(pa);
	h->class = KMALLOC_LARGE;
	return h;
}

/* Blocks handed out and not yet freed: the end-of-run leak check reads it. */
static uint64_t live_blocks;

uint64_t kmalloc_slab_frames(void)
{
	return slab_frames;
}

uint64_t kmalloc_live_blocks(void)
{
	return live_blocks;
}

/* Returns size zeroed bytes, 16-byte aligned, or NULL when memory is exhausted. */
void *kmalloc(size_t size)
{
	struct kmalloc_header *h;

	if (size == 0 || size > (1UL << 30))
		return NULL;
	if (block_bytes(size) <= class_slot_bytes(KMALLOC_CLASSES - 1))
		h = kmalloc_small(size);
	else
		h = kmalloc_large(size);
	if (!h)
		return NULL;
	h->magic = KMALLOC_MAGIC_USED;
	h->size = size;
	memset(block_payload(h), 0, size);
	*block_canary(h) = KMALLOC_CANARY;
	live_blocks++;
	return block_payload(h);
}

void kfree(void *ptr)
{
	struct kmalloc_header *h;

	if (!ptr)
		return;
	if ((uint64_t)ptr % 16 || (uint64_t)ptr < DIRECT_MAP_BASE || (uint64_t)ptr >= KERNEL_VMA)
		panic("kfree: %p was not returned by kmalloc", ptr);
	h = (struct kmalloc_header *)ptr - 1;
	if (h->magic == KMALLOC_MAGIC_FREE)
		panic("kfree: double free of %p", ptr);
	if (h->magic != KMALLOC_MAGIC_USED)
		panic("kfree: %p was not returned by kmalloc (bad header)", ptr);
	if (*block_canary(h) != KMALLOC_CANARY)
		panic("kfree: write past the end of the %lu-byte block at %p", h->size, ptr);
	live_blocks--;
	if (h->class == KMALLOC_LARGE) {
		uint64_t pages = ALIGN_UP(block_bytes(h->size), FRAME_SIZE) / FRAME_SIZE;

		h->magic = KMALLOC_MAGIC_FREE;
		for (uint64_t i = 0; i < pages; i++)
			frame_free(V2P(h) + i * FRAME_SIZE);
		return;
	}
	struct kmalloc_free_slot *s = (struct kmalloc_free_slot *)h;

	memset(block_payload(h), KMALLOC_POISON, class_slot_bytes(h->class) - sizeof(*h));
	h->magic = KMALLOC_MAGIC_FREE;
	h->size = class_slot_bytes(h->class) - block_bytes(0);
	s->next = free_slots[h->class];
	free_slots[h->class] = s;
}
