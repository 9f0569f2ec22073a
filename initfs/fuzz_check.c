/*
 * fuzz_check.c - feeds initfs_check damaged copies of a valid image.
 *
 *   fuzz_check IMAGE SEED ITERATIONS
 *
 * Each iteration copies IMAGE, applies one to four mutations (bit flips,
 * byte writes, chosen values written over header, inode and entry
 * fields, truncation, extension, entries pointed at the root or at an
 * ancestor, names given '/', NUL or dots) and checks the result. The copy
 * lives in a buffer of exactly its size, and the Makefrag builds this
 * program with AddressSanitizer and UBSan, so any read outside the image
 * is a crash rather than a silent pass. When the checker accepts an image,
 * everything it vouched for is read as the daemon would read it (every
 * entry, name and file byte, walking from the root), so an image that
 * should have been refused also shows up as a crash.
 *
 * The same SEED gives the same mutations; the last line is
 * "N images: A accepted, R refused" and the status is 0. A status of 1
 * means IMAGE itself was refused, 2 a usage error.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initfs.h"

#define MAX_MUTATIONS 4
#define MAX_EXTENSION 8192u
#define MAX_GROWTH (MAX_MUTATIONS * MAX_EXTENSION)

/* A field the mutations overwrite: its image offset and width (4 or 8). */
struct field {
	uint64_t offset;
	unsigned bytes;
};

/* An entry of the original image and the directory it is in. */
struct entry_ref {
	uint64_t offset;
	uint32_t dir;
};

/* What the mutations know about the original image. */
struct model {
	uint8_t *image;
	uint64_t size;
	struct field *fields;
	size_t field_count;
	struct entry_ref *entries;
	size_t entry_count;
	uint32_t *parent;           /* each directory's parent; the root's is the root */
	uint64_t meta_start, meta_end; /* the inode table, entries and names */
};

static uint64_t rng_state;

/* xorshift64*, as the kernel's self-tests (grader/anode/xorshift.py). */
static uint64_t next_random(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n)
{
	return n ? next_random() % n : 0;
}

static void *xmalloc(size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);

	if (!p) {
		fprintf(stderr, "fuzz_check: out of memory\n");
		exit(1);
	}
	return p;
}

static void add_field(struct model *m, uint64_t offset, unsigned bytes)
{
	m->fields = realloc(m->fields, (m->field_count + 1) * sizeof(*m->fields));
	if (!m->fields) {
		fprintf(stderr, "fuzz_check: out of memory\n");
		exit(1);
	}
	m->fields[m->field_count].offset = offset;
	m->fields[m->field_count].bytes = bytes;
	m->field_count++;
}

static void add_header_fields(struct model *m)
{
	add_field(m, 0, 8); /* the magic, as a number */
	add_field(m, offsetof(struct initfs_header, version), 4);
	add_field(m, offsetof(struct initfs_header, inode_count), 4);
	for (uint64_t f = offsetof(struct initfs_header, image_bytes);
	     f < sizeof(struct initfs_header); f += 8)
		add_field(m, f, 8);
}

/* Records every inode's and entry's fields, and each directory's parent. */
static void model_tree(struct model *m)
{
	const struct initfs_header *h = initfs_header_of(m->image);

	m->parent = xmalloc(h->inode_count * sizeof(*m->parent));
	m->entries = xmalloc(h->inode_count * sizeof(*m->entries));
	m->parent[INITFS_ROOT_INODE] = INITFS_ROOT_INODE;
	m->meta_start = h->inode_offset;
	m->meta_end = h->inode_offset + (uint64_t)h->inode_count * sizeof(struct initfs_inode);
	for (uint32_t n = 0; n < h->inode_count; n++) {
		const struct initfs_inode *ino = initfs_inode(m->image, n);
		uint64_t at = h->inode_offset + (uint64_t)n * sizeof(*ino);

		add_field(m, at, 4);
		add_field(m, at + 4, 4);
		add_field(m, at + 8, 8);
		add_field(m, at + 16, 8);
		if (!INITFS_IS_DIR(ino->mode))
			continue;
		for (uint64_t i = 0; i < INITFS_DIR_ENTRIES(ino); i++) {
			const struct initfs_dirent *e = initfs_dirent(m->image, ino, i);
			uint64_t e_at = ino->offset + i * sizeof(*e);

			m->parent[e->inode] = n;
			m->entries[m->entry_count].offset = e_at;
			m->entries[m->entry_count].dir = n;
			m->entry_count++;
			add_field(m, e_at, 4);
			add_field(m, e_at + 4, 4);
			add_field(m, e_at + 8, 8);
			if (e_at + sizeof(*e) > m->meta_end)
				m->meta_end = e_at + sizeof(*e);
			if (e->name_offset + e->name_bytes > m->meta_end)
				m->meta_end = e->name_offset + e->name_bytes;
		}
	}
}

/* A value likely to sit on some boundary the checker must get right. */
static uint64_t interesting_value(const struct model *m, unsigned bytes)
{
	const struct initfs_header *h = initfs_header_of(m->image);
	uint64_t v;

	switch (below(16)) {
	case 0: v = 0; break;
	case 1: v = 1; break;
	case 2: v = 8 * below(4) + below(2); break;
	case 3: v = INITFS_PAGE - 1 + below(3); break;
	case 4: v = h->image_bytes - 1 + below(3); break;
	case 5: v = m->size + below(INITFS_PAGE); break;
	case 6: v = h->inode_count - 1 + below(3); break;
	case 7: v = UINT32_MAX - below(4); break;
	case 8: v = UINT64_MAX - below(INITFS_PAGE); break;
	case 9: v = 1ull << 63; break;
	case 10: v = (below(2) ? INITFS_MODE_DIR : INITFS_MODE_FILE) | 0755; break;
	case 11: v = below(m->size); break;
	case 12: v = below(m->size) & ~7ull; break;
	case 13: v = INITFS_NAME_MAX + below(2); break;
	case 14: v = INITFS_INODES_MAX - 1 + below(3); break;
	default: v = next_random(); break;
	}
	return bytes == 4 ? (uint32_t)v : v;
}

static void put_value(uint8_t *buf, uint64_t len, uint64_t offset, unsigned bytes, uint64_t v)
{
	if (offset > len || bytes > len - offset)
		return;
	for (unsigned i = 0; i < bytes; i++)
		buf[offset + i] = (uint8_t)(v >> (8 * i));
}

/* Half the time somewhere in the header or the metadata, else anywhere. */
static uint64_t random_offset(const struct model *m, uint64_t len)
{
	uint64_t at;

	switch (below(4)) {
	case 0: at = below(sizeof(struct initfs_header)); break;
	case 1: at = m->meta_start + below(m->meta_end - m->meta_start); break;
	default: at = below(len); break;
	}
	return at < len ? at : below(len);
}

static void flip_bit(const struct model *m, uint8_t *buf, uint64_t len)
{
	if (len > 0)
		buf[random_offset(m, len)] ^= (uint8_t)(1u << below(8));
}

static void set_byte(const struct model *m, uint8_t *buf, uint64_t len)
{
	static const uint8_t values[] = { 0, 0xff, '/', '.', 0x80, 0x7f, 1 };

	if (len > 0)
		buf[random_offset(m, len)] = below(2) ? values[below(sizeof(values))] :
					     (uint8_t)next_random();
}

static void overwrite_field(const struct model *m, uint8_t *buf, uint64_t len)
{
	const struct field *f = &m->fields[below(m->field_count)];
	/* Sometimes 8 bytes over a 4-byte field: two fields at once. */
	unsigned bytes = below(8) == 0 ? 8 : f->bytes;

	put_value(buf, len, f->offset, bytes, interesting_value(m, bytes));
}

static void truncate_image(const struct model *m, uint64_t *len)
{
	const struct initfs_header *h = initfs_header_of(m->image);
	uint64_t cut;

	switch (below(3)) {
	case 0: cut = h->image_bytes - 1 - below(64); break;
	case 1: cut = m->meta_start + below(m->meta_end - m->meta_start + 1); break;
	default: cut = below(*len); break;
	}
	if (cut < *len)
		*len = cut;
}

/* Random bytes on the end; half the time image_bytes is made to cover them. */
static void extend_image(uint8_t *buf, uint64_t *len)
{
	uint64_t extra = 1 + below(MAX_EXTENSION);

	for (uint64_t i = 0; i < extra; i++)
		buf[*len + i] = below(2) ? 0 : (uint8_t)next_random();
	*len += extra;
	if (below(2))
		put_value(buf, *len, offsetof(struct initfs_header, image_bytes), 8, *len);
}

/* An entry pointed at the root, its own directory or one further up. */
static void point_at_ancestor(const struct model *m, uint8_t *buf, uint64_t len)
{
	const struct entry_ref *e;
	uint32_t target;

	if (m->entry_count == 0)
		return;
	e = &m->entries[below(m->entry_count)];
	target = e->dir;
	for (uint64_t up = below(4); up > 0; up--)
		target = m->parent[target];
	if (below(4) == 0)
		target = INITFS_ROOT_INODE;
	put_value(buf, len, e->offset + offsetof(struct initfs_dirent, inode), 4, target);
}

/* An entry given another entry's inode or name: named twice, or a duplicate name. */
static void copy_entry_field(const struct model *m, uint8_t *buf, uint64_t len)
{
	const struct entry_ref *a, *b;

	if (m->entry_count == 0)
		return;
	a = &m->entries[below(m->entry_count)];
	b = &m->entries[below(m->entry_count)];
	if (a->offset + sizeof(struct initfs_dirent) > len ||
	    b->offset + sizeof(struct initfs_dirent) > len)
		return;
	/* memmove: a and b may be the same entry. */
	if (below(2))
		memmove(buf + a->offset, buf + b->offset, 4);
	else
		memmove(buf + a->offset + 4, buf + b->offset + 4, 12);
}

/* A name made ".." or "." (if it has room for the dots), or given a '/' or NUL. */
static void damage_name(const struct model *m, uint8_t *buf, uint64_t len)
{
	static const uint8_t bad[] = { '/', 0, '.' };
	const struct entry_ref *ref;
	const struct initfs_dirent *e;
	uint32_t dots;

	if (m->entry_count == 0)
		return;
	ref = &m->entries[below(m->entry_count)];
	e = (const struct initfs_dirent *)(m->image + ref->offset);
	if (e->name_offset + e->name_bytes > len)
		return;
	if (below(2)) {
		buf[e->name_offset + below(e->name_bytes)] = bad[below(sizeof(bad))];
		return;
	}
	dots = e->name_bytes >= 2 ? 1 + (uint32_t)below(2) : 1;
	for (uint32_t i = 0; i < dots; i++)
		buf[e->name_offset + i] = '.';
	put_value(buf, len, ref->offset + offsetof(struct initfs_dirent, name_bytes), 4, dots);
}

static void mutate(const struct model *m, uint8_t *buf, uint64_t *len)
{
	switch (below(9)) {
	case 0: flip_bit(m, buf, *len); break;
	case 1: set_byte(m, buf, *len); break;
	case 2:
	case 3: overwrite_field(m, buf, *len); break;
	case 4: truncate_image(m, len); break;
	case 5: extend_image(buf, len); break;
	case 6: point_at_ancestor(m, buf, *len); break;
	case 7: copy_entry_field(m, buf, *len); break;
	default: damage_name(m, buf, *len); break;
	}
}

static volatile uint64_t sink;

/* Reads what an accepted image promises, as the daemon would. */
static void read_dir(const uint8_t *image, uint32_t d)
{
	const struct initfs_inode *dir = initfs_inode(image, d);

	for (uint64_t i = 0; i < INITFS_DIR_ENTRIES(dir); i++) {
		const struct initfs_dirent *e = initfs_dirent(image, dir, i);
		const struct initfs_inode *ino = initfs_inode(image, e->inode);

		for (uint32_t b = 0; b < e->name_bytes; b++)
			sink += image[e->name_offset + b];
		if (INITFS_IS_DIR(ino->mode)) {
			read_dir(image, e->inode);
			continue;
		}
		for (uint64_t b = 0; b < ino->size; b++)
			sink += image[ino->offset + b];
	}
}

static void read_everything(const uint8_t *image)
{
	const struct initfs_header *h = initfs_header_of(image);

	sink += image[h->bootstrap_entry];
	read_dir(image, INITFS_ROOT_INODE);
}

static uint8_t *read_image(const char *path, uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long bytes;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (bytes = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	data = xmalloc((size_t)bytes);
	if (fread(data, 1, (size_t)bytes, f) != (size_t)bytes) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*size = (uint64_t)bytes;
	return data;
}

static bool parse_number(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoull(s, &end, 0);
	return *end == '\0';
}

int main(int argc, char **argv)
{
	struct model m = { 0 };
	struct initfs_error err;
	uint64_t seed, iterations, accepted = 0;
	uint8_t *scratch;

	if (argc != 4 || !parse_number(argv[2], &seed) || !parse_number(argv[3], &iterations)) {
		fprintf(stderr, "usage: fuzz_check IMAGE SEED ITERATIONS\n");
		return 2;
	}
	m.image = read_image(argv[1], &m.size);
	if (initfs_check(m.image, m.size, &err) < 0) {
		fprintf(stderr, "%s: %s (at %" PRIu64 "): the fuzzer needs a valid image\n",
			argv[1], err.what, err.where);
		return 1;
	}
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull;
	add_header_fields(&m);
	model_tree(&m);
	scratch = xmalloc(m.size + MAX_GROWTH);
	for (uint64_t i = 0; i < iterations; i++) {
		uint64_t len = m.size;
		uint8_t *copy;

		memcpy(scratch, m.image, m.size);
		for (uint64_t k = 1 + below(MAX_MUTATIONS); k > 0; k--)
			mutate(&m, scratch, &len);
		/* Exactly len bytes, so a read past the end hits ASan's red zone. */
		copy = xmalloc(len);
		memcpy(copy, scratch, len);
		if (initfs_check(copy, len, &err) == 0) {
			read_everything(copy);
			accepted++;
		}
		free(copy);
	}
	printf("%" PRIu64 " images: %" PRIu64 " accepted, %" PRIu64 " refused\n", iterations,
	       accepted, iterations - accepted);
	/* Freed, so LeakSanitizer's report stays empty and means something. */
	free(scratch);
	free(m.fields);
	free(m.entries);
	free(m.parent);
	free(m.image);
	return 0;
}
