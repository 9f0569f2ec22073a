/*
 * heap_test.c - lab 2 self-tests of kmalloc/kfree:
 *   mem-heap              a seeded sequence of allocations (1 byte to five
 *                         pages) and frees, every block filled with its own
 *                         pattern and checked before it is freed;
 *   mem-heap-overflow     write one byte past a block, then free it: panic;
 *   mem-heap-double-free  free a block twice: panic.
 * grader/anode/heap_cases.py replays the sequence to know the totals.
 */
#include "kmalloc.h"
#include "kprintf.h"
#include "random.h"
#include "selftest.h"

#define HEAP_TEST_OPS 1500
#define HEAP_TEST_SLOTS 64
#define HEAP_TEST_SMALL 600
#define HEAP_TEST_LARGE 20000

struct heap_test_block {
	unsigned char *ptr;
	uint64_t size;
	unsigned char tag;
};

static void heap_test_fill(struct heap_test_block *b)
{
	for (uint64_t i = 0; i < b->size; i++)
		b->ptr[i] = (unsigned char)(b->tag + i);
}

static bool heap_test_intact(const struct heap_test_block *b)
{
	for (uint64_t i = 0; i < b->size; i++)
		if (b->ptr[i] != (unsigned char)(b->tag + i))
			return false;
	return true;
}

int selftest_heap(void)
{
	static struct heap_test_block blocks[HEAP_TEST_SLOTS];
	uint64_t count = 0, bytes = 0, corrupt = 0;

	for (int i = 0; i < HEAP_TEST_OPS; i++) {
		uint64_t r = random_next();
		struct heap_test_block *b = &blocks[r % HEAP_TEST_SLOTS];

		if (b->ptr) {
			corrupt += !heap_test_intact(b);
			kfree(b->ptr);
			b->ptr = NULL;
			continue;
		}
		b->size = 1 + random_next() % ((r & 0x100) ? HEAP_TEST_LARGE : HEAP_TEST_SMALL);
		b->tag = (unsigned char)(r >> 16);
		b->ptr = kmalloc(b->size);
		if (!b->ptr) {
			kprintf("heap-test: kmalloc(%lu) failed\n", b->size);
			return 1;
		}
		heap_test_fill(b);
		count++;
		bytes += b->size;
	}
	for (int i = 0; i < HEAP_TEST_SLOTS; i++) {
		if (blocks[i].ptr) {
			corrupt += !heap_test_intact(&blocks[i]);
			kfree(blocks[i].ptr);
		}
	}
	kprintf("heap-test: %lu allocations, %lu bytes, %lu corrupted blocks\n", count, bytes, corrupt);
	return corrupt ? 1 : 0;
}

int selftest_heap_overflow(void)
{
	uint64_t size = 1 + random_next() % 200;
	unsigned char *p = kmalloc(size);

	kprintf("heap-overflow-test: writing byte %lu of a %lu-byte block\n", size, size);
	p[size] = 0x42;
	kfree(p);
	return 1;
}

int selftest_heap_double_free(void)
{
	uint64_t size = 1 + random_next() % 3000;
	void *p = kmalloc(size);

	kprintf("heap-double-free-test: freeing the %lu-byte block at %p twice\n", size, p);
	kfree(p);
	kfree(p);
	return 1;
}
