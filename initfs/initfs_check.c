/*
 * initfs_check.c - checks an initfs image before anything trusts it
 * (initfs.h, initfs/README.md), and the accessors that read a checked one.
 *
 * Built twice: into the host packer (initfs/mkinitfs.c) and freestanding
 * into the bootstrap's initfs daemon. So it includes only freestanding
 * headers and calls no library function, not even memcmp or memset, and
 * avoids loops a compiler would turn into such calls.
 *
 * The checks run in an order that makes each read safe: no field is read
 * before the check that puts it inside the image, and every range check is
 * written so that no addition can wrap. A hostile image can make the
 * checker refuse; it can never make it read outside [image, image + size).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "initfs.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "initfs images are little-endian and this file reads them in place"
#endif

/*
 * One bit per inode: already named by some entry? Static because the
 * daemon has no allocator and a small stack; only the first
 * inode_count bits are cleared and used.
 */
static uint8_t initfs_seen[INITFS_INODES_MAX / 8];

const struct initfs_header *initfs_header_of(const uint8_t *image)
{
	return (const struct initfs_header *)image;
}

const struct initfs_inode *initfs_inode(const uint8_t *image, uint32_t n)
{
	return (const struct initfs_inode *)(image + initfs_header_of(image)->inode_offset) + n;
}

const struct initfs_dirent *initfs_dirent(const uint8_t *image, const struct initfs_inode *dir,
					  uint64_t i)
{
	return (const struct initfs_dirent *)(image + dir->offset) + i;
}

static int refuse(struct initfs_error *err, const char *what, uint64_t where)
{
	err->what = what;
	err->where = where;
	return -1;
}

/* [offset, offset + bytes) lies inside [0, limit); no sum that could wrap. */
static bool range_inside(uint64_t offset, uint64_t bytes, uint64_t limit)
{
	return offset <= limit && bytes <= limit - offset;
}

static bool magic_ok(const uint8_t *magic)
{
	for (unsigned i = 0; i < INITFS_MAGIC_BYTES; i++)
		if (magic[i] != (uint8_t)INITFS_MAGIC[i])
			return false;
	return true;
}

/* The fields the kernel also relies on: it maps image_bytes and jumps to the entry. */
static int check_bootstrap(const struct initfs_header *h, struct initfs_error *err)
{
	if (h->bootstrap_offset != INITFS_BOOTSTRAP_OFFSET)
		return refuse(err, "bootstrap offset is not 4096", h->bootstrap_offset);
	if (h->bootstrap_bytes == 0 || h->bootstrap_bytes % INITFS_PAGE != 0)
		return refuse(err, "bootstrap size is zero or not a whole number of pages",
			      h->bootstrap_bytes);
	if (!range_inside(INITFS_BOOTSTRAP_OFFSET, h->bootstrap_bytes, h->image_bytes))
		return refuse(err, "bootstrap image past the end of the image", h->bootstrap_bytes);
	if (h->bootstrap_entry < INITFS_BOOTSTRAP_OFFSET ||
	    h->bootstrap_entry - INITFS_BOOTSTRAP_OFFSET >= h->bootstrap_bytes)
		return refuse(err, "bootstrap entry outside the bootstrap image",
			      h->bootstrap_entry);
	return 0;
}

static int check_inode_table(const struct initfs_header *h, struct initfs_error *err)
{
	/* Cannot wrap: check_bootstrap put the bootstrap inside image_bytes. */
	uint64_t bootstrap_end = INITFS_BOOTSTRAP_OFFSET + h->bootstrap_bytes;

	if (h->inode_offset % 8 != 0)
		return refuse(err, "inode table not 8-byte aligned", h->inode_offset);
	if (h->inode_offset < bootstrap_end)
		return refuse(err, "inode table overlaps the header or the bootstrap",
			      h->inode_offset);
	if (h->inode_count == 0 || h->inode_count > INITFS_INODES_MAX)
		return refuse(err, "inode count not between 1 and 65536", h->inode_count);
	if (!range_inside(h->inode_offset, (uint64_t)h->inode_count * sizeof(struct initfs_inode),
			  h->image_bytes))
		return refuse(err, "inode table past the end of the image", h->inode_offset);
	return 0;
}

static int check_header(const uint8_t *image, uint64_t size, struct initfs_error *err)
{
	const struct initfs_header *h = initfs_header_of(image);

	if (size < sizeof(*h))
		return refuse(err, "image smaller than its header", size);
	if (!magic_ok(h->magic))
		return refuse(err, "bad magic (not an initfs image)", 0);
	if (h->version != INITFS_VERSION)
		return refuse(err, "unsupported initfs version", h->version);
	/* From here on image_bytes, not size, bounds everything: a boot
	 * module may be padded, and bytes past image_bytes mean nothing. */
	if (h->image_bytes > size)
		return refuse(err, "image truncated: shorter than the image_bytes in its header",
			      h->image_bytes);
	if (h->image_bytes < INITFS_HEADER_BYTES)
		return refuse(err, "image_bytes smaller than the header page", h->image_bytes);
	if (check_bootstrap(h, err) < 0)
		return -1;
	return check_inode_table(h, err);
}

/* Reads only inode n itself; what its entries name is check_directory's job. */
static int check_inode(const uint8_t *image, uint32_t n, struct initfs_error *err)
{
	const struct initfs_inode *ino = initfs_inode(image, n);
	uint64_t image_bytes = initfs_header_of(image)->image_bytes;

	if (!INITFS_IS_FILE(ino->mode) && !INITFS_IS_DIR(ino->mode))
		return refuse(err, "inode is neither a file nor a directory", n);
	if (ino->mode & ~(INITFS_MODE_TYPE | INITFS_MODE_PERMS))
		return refuse(err, "inode mode has unknown bits set", n);
	if (ino->reserved != 0)
		return refuse(err, "inode reserved field is not zero", n);
	if (INITFS_IS_FILE(ino->mode)) {
		if (!range_inside(ino->offset, ino->size, image_bytes))
			return refuse(err, "inode data past the end of the image", n);
		return 0;
	}
	if (ino->offset % 8 != 0)
		return refuse(err, "directory entries not 8-byte aligned", n);
	if (ino->size % sizeof(struct initfs_dirent) != 0)
		return refuse(err, "directory size not a multiple of 16", n);
	if (!range_inside(ino->offset, ino->size, image_bytes))
		return refuse(err, "directory entries past the end of the image", n);
	return 0;
}

static void seen_clear(uint32_t inode_count)
{
	/* volatile: a plain zeroing loop may be compiled into a call to
	 * memset, which freestanding code does not have. */
	volatile uint8_t *bits = initfs_seen;

	for (uint32_t i = 0; i < (inode_count + 7) / 8; i++)
		bits[i] = 0;
}

static bool seen(uint32_t n)
{
	return initfs_seen[n / 8] & (1u << (n % 8));
}

static void seen_mark(uint32_t n)
{
	initfs_seen[n / 8] |= (uint8_t)(1u << (n % 8));
}

/* The image offset of entry i of dir: errors about entries point there. */
static uint64_t dirent_offset(const struct initfs_inode *dir, uint64_t i)
{
	return dir->offset + i * sizeof(struct initfs_dirent);
}

static bool name_is_dot_or_dotdot(const uint8_t *name, uint32_t bytes)
{
	return name[0] == '.' && (bytes == 1 || (bytes == 2 && name[1] == '.'));
}

static int check_name(const uint8_t *image, const struct initfs_dirent *e, uint64_t at,
		      struct initfs_error *err)
{
	const uint8_t *name;

	if (e->name_bytes == 0 || e->name_bytes > INITFS_NAME_MAX)
		return refuse(err, "name is empty or longer than 255 bytes", at);
	if (!range_inside(e->name_offset, e->name_bytes, initfs_header_of(image)->image_bytes))
		return refuse(err, "name past the end of the image", at);
	name = image + e->name_offset;
	for (uint32_t i = 0; i < e->name_bytes; i++)
		if (name[i] == '/' || name[i] == '\0')
			return refuse(err, "name contains '/' or a NUL byte", at);
	if (name_is_dot_or_dotdot(name, e->name_bytes))
		return refuse(err, "name is \".\" or \"..\"", at);
	return 0;
}

/* Negative, zero or positive as a's name sorts before, equal to or after
 * b's, byte by byte, a prefix first. Both names are inside the image. */
static int name_order(const uint8_t *image, const struct initfs_dirent *a,
		      const struct initfs_dirent *b)
{
	const uint8_t *x = image + a->name_offset, *y = image + b->name_offset;
	uint32_t common = a->name_bytes < b->name_bytes ? a->name_bytes : b->name_bytes;

	for (uint32_t i = 0; i < common; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return (a->name_bytes > b->name_bytes) - (a->name_bytes < b->name_bytes);
}

static bool names_strictly_sorted(const uint8_t *image, const struct initfs_inode *dir)
{
	for (uint64_t i = 1; i < INITFS_DIR_ENTRIES(dir); i++) {
		const struct initfs_dirent *before = initfs_dirent(image, dir, i - 1);

		if (name_order(image, before, initfs_dirent(image, dir, i)) >= 0)
			return false;
	}
	return true;
}

/* Whether entry j of dir has the name of an entry before it. */
static bool name_used_before(const uint8_t *image, const struct initfs_inode *dir, uint64_t j)
{
	const struct initfs_dirent *later = initfs_dirent(image, dir, j);

	for (uint64_t i = 0; i < j; i++)
		if (name_order(image, initfs_dirent(image, dir, i), later) == 0)
			return true;
	return false;
}

/*
 * The packer sorts every directory, and sorted names are unique in one
 * pass. Other orders are legal too; they get the pairwise comparison,
 * quadratic in the entries of one directory.
 */
static int check_unique_names(const uint8_t *image, const struct initfs_inode *dir,
			      struct initfs_error *err)
{
	if (names_strictly_sorted(image, dir))
		return 0;
	for (uint64_t j = 1; j < INITFS_DIR_ENTRIES(dir); j++)
		if (name_used_before(image, dir, j))
			return refuse(err, "two entries with the same name in one directory",
				      dirent_offset(dir, j));
	return 0;
}

/*
 * Checks every entry of directory d and marks what it names. An entry
 * that names an inode already marked (the root, an ancestor, anything
 * named elsewhere) is refused here, so the walk never follows a loop, and
 * each entry that passes names a new inode: no more than inode_count - 1
 * entries in the whole image get past this point.
 */
static int check_directory(const uint8_t *image, uint32_t d, struct initfs_error *err)
{
	const struct initfs_inode *dir = initfs_inode(image, d);
	uint32_t inode_count = initfs_header_of(image)->inode_count;

	for (uint64_t i = 0; i < INITFS_DIR_ENTRIES(dir); i++) {
		const struct initfs_dirent *e = initfs_dirent(image, dir, i);
		uint64_t at = dirent_offset(dir, i);

		if (e->inode >= inode_count)
			return refuse(err, "entry names an inode that does not exist", at);
		if (check_name(image, e, at, err) < 0)
			return -1;
		if (e->inode == INITFS_ROOT_INODE)
			return refuse(err, "directory loop: an entry names the root", at);
		if (seen(e->inode))
			return refuse(err, "directory loop or inode named twice", at);
		seen_mark(e->inode);
	}
	return check_unique_names(image, dir, err);
}

struct walk_frame {
	uint32_t dir;
	uint64_t next_entry;
};

/*
 * Depth first from the root with an explicit stack: frame k is a
 * directory k levels down, so the stack's size is the depth limit.
 * Each directory is checked when it is first reached.
 */
static int check_tree(const uint8_t *image, struct initfs_error *err)
{
	struct walk_frame stack[INITFS_DEPTH_MAX + 1];
	unsigned frames = 1;

	seen_clear(initfs_header_of(image)->inode_count);
	seen_mark(INITFS_ROOT_INODE);
	if (check_directory(image, INITFS_ROOT_INODE, err) < 0)
		return -1;
	stack[0].dir = INITFS_ROOT_INODE;
	stack[0].next_entry = 0;
	while (frames > 0) {
		struct walk_frame *top = &stack[frames - 1];
		const struct initfs_inode *dir = initfs_inode(image, top->dir);
		const struct initfs_dirent *e;

		if (top->next_entry == INITFS_DIR_ENTRIES(dir)) {
			frames--;
			continue;
		}
		e = initfs_dirent(image, dir, top->next_entry++);
		if (!INITFS_IS_DIR(initfs_inode(image, e->inode)->mode))
			continue;
		if (frames > INITFS_DEPTH_MAX)
			return refuse(err, "directories nested more than 32 deep", e->inode);
		if (check_directory(image, e->inode, err) < 0)
			return -1;
		stack[frames].dir = e->inode;
		stack[frames].next_entry = 0;
		frames++;
	}
	return 0;
}

/* After the walk: an inode no reachable directory names is refused too. */
static int check_all_named(const uint8_t *image, struct initfs_error *err)
{
	uint32_t inode_count = initfs_header_of(image)->inode_count;

	for (uint32_t n = 0; n < inode_count; n++)
		if (!seen(n))
			return refuse(err, "inode not reachable from the root", n);
	return 0;
}

int initfs_check(const uint8_t *image, uint64_t size, struct initfs_error *err)
{
	const struct initfs_header *h;

	if (check_header(image, size, err) < 0)
		return -1;
	h = initfs_header_of(image);
	for (uint32_t n = 0; n < h->inode_count; n++)
		if (check_inode(image, n, err) < 0)
			return -1;
	if (!INITFS_IS_DIR(initfs_inode(image, INITFS_ROOT_INODE)->mode))
		return refuse(err, "root inode is not a directory", INITFS_ROOT_INODE);
	if (check_tree(image, err) < 0)
		return -1;
	return check_all_named(image, err);
}
