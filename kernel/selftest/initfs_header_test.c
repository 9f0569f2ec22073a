/*
 * initfs_header_test.c - lab 5's self-test of the kernel's only look at
 * the initfs image (proc/bootstrap.c):
 *
 *   initfs-header   seeded garbage headers and module sizes: whatever the
 *                   check accepts must be safe to map and jump into (the
 *                   image fits the module, the bootstrap fits the image,
 *                   the entry lies in the bootstrap); it must accept the
 *                   well-formed ones and refuse some of the rest
 */
#include "initfs.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "random.h"
#include "selftest.h"

#define HEADER_TEST_ROUNDS 20000

/* A value near an interesting boundary, or anything. */
static uint64_t header_test_value(uint64_t good)
{
	static const uint64_t edges[] = { 0, 1, 4095, 4096, 4097, 8192, 1UL << 30, (1UL << 30) + 1,
					  UINT64_MAX, UINT64_MAX - 4095, 1UL << 63 };

	switch (random_next() % 4) {
	case 0:
		return edges[random_next() % (sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return good + (random_next() % 16) * PAGE_SIZE - 8 * PAGE_SIZE;
	case 2:
		return good + random_next() % 3 - 1;
	default:
		return random_next();
	}
}

static bool header_test_safe(const struct initfs_header *h, uint64_t size)
{
	return h->image_bytes <= size && h->image_bytes >= 2 * INITFS_PAGE &&
	       h->bootstrap_bytes % PAGE_SIZE == 0 &&
	       INITFS_BOOTSTRAP_OFFSET + h->bootstrap_bytes <= h->image_bytes &&
	       h->bootstrap_entry >= INITFS_BOOTSTRAP_OFFSET &&
	       h->bootstrap_entry < INITFS_BOOTSTRAP_OFFSET + h->bootstrap_bytes;
}

int selftest_initfs_header(void)
{
	uint64_t accepted = 0, refused = 0, unsafe = 0, good_refused = 0;

	for (int round = 0; round < HEADER_TEST_ROUNDS; round++) {
		struct initfs_header h = { .version = INITFS_VERSION }, seen;
		uint64_t pages = 2 + random_next() % 64, size = pages * PAGE_SIZE;
		bool mangle = round % 4 != 0;

		memcpy(h.magic, INITFS_MAGIC, INITFS_MAGIC_BYTES);
		h.image_bytes = size - (random_next() % 2) * PAGE_SIZE * (pages > 2);
		h.bootstrap_offset = INITFS_BOOTSTRAP_OFFSET;
		h.bootstrap_bytes = (1 + random_next() % (h.image_bytes / PAGE_SIZE - 1)) * PAGE_SIZE;
		h.bootstrap_entry = INITFS_BOOTSTRAP_OFFSET + random_next() % h.bootstrap_bytes;
		h.inode_offset = INITFS_BOOTSTRAP_OFFSET + h.bootstrap_bytes;
		if (mangle) {
			switch (random_next() % 6) {
			case 0: h.image_bytes = header_test_value(h.image_bytes); break;
			case 1: h.bootstrap_bytes = header_test_value(h.bootstrap_bytes); break;
			case 2: h.bootstrap_entry = header_test_value(h.bootstrap_entry); break;
			case 3: h.bootstrap_offset = header_test_value(h.bootstrap_offset); break;
			case 4: h.magic[random_next() % INITFS_MAGIC_BYTES] ^= 1u << (random_next() % 8); break;
			default: size = header_test_value(size); break;
			}
		}
		if (initfs_header_problem(&h, size, &seen) == NULL) {
			accepted++;
			unsafe += !header_test_safe(&seen, size);
		} else {
			refused++;
			good_refused += !mangle;
		}
	}
	kprintf("initfs-header: %lu accepted, %lu refused, %lu unsafe accepted, %lu good refused\n",
		accepted, refused, unsafe, good_refused);
	return unsafe == 0 && good_refused == 0 && accepted > 0 && refused > 0 ? 0 : 1;
}
