/*
 * initfs.h - the initfs image format (initfs/README.md is the prose
 * specification). Shared by the host packer (initfs/mkinitfs.c), the image
 * checker (initfs/initfs_check.c, built for the host and for user space),
 * the kernel (which reads only the header) and the bootstrap's initfs
 * daemon. Little-endian, fixed-width fields, no implicit padding.
 *
 *   offset 0       struct initfs_header, zero-padded to one page
 *   offset 4096    the bootstrap image: its ELF segments laid out as they
 *                  run from user address 0x1000 + offset, .bss written as
 *                  zeros, page aligned, bootstrap_bytes long
 *   inode_offset   inode_count x struct initfs_inode (inode 0: the root)
 *   ...            directory entries, names, file data: wherever the
 *                  inodes and entries point, inside image_bytes
 */
#ifndef ANODE_INITFS_H
#define ANODE_INITFS_H

#include <stdint.h>

#define INITFS_MAGIC "ANODEIFS"      /* 8 bytes, no NUL */
#define INITFS_MAGIC_BYTES 8
#define INITFS_VERSION 1
#define INITFS_PAGE 4096u
#define INITFS_HEADER_BYTES INITFS_PAGE
#define INITFS_BOOTSTRAP_OFFSET INITFS_PAGE
/* Where the kernel maps the image in the first process. */
#define INITFS_LOAD_ADDRESS 0x1000u
#define INITFS_ROOT_INODE 0u
#define INITFS_NAME_MAX 255u         /* bytes in one name */
#define INITFS_DEPTH_MAX 32u         /* directories nested at most this deep */
#define INITFS_INODES_MAX 65536u

struct initfs_header {
	uint8_t magic[INITFS_MAGIC_BYTES];
	uint32_t version;
	uint32_t inode_count;
	uint64_t image_bytes;       /* the whole image; a shorter blob is truncated */
	uint64_t bootstrap_offset;  /* always INITFS_BOOTSTRAP_OFFSET */
	uint64_t bootstrap_bytes;   /* page aligned */
	uint64_t bootstrap_entry;   /* image offset of the first instruction */
	uint64_t inode_offset;      /* 8-byte aligned, after the bootstrap */
};
_Static_assert(sizeof(struct initfs_header) == 56, "initfs header layout");

/* An inode's mode: MODE_FILE or MODE_DIR (kernel/include/abi.h) | 0oXXX. */
#define INITFS_MODE_TYPE 0xf000u
#define INITFS_MODE_DIR 0x4000u
#define INITFS_MODE_FILE 0x8000u

/*
 * A file: its data is [offset, offset + size). A directory: its entries
 * are size / sizeof(struct initfs_dirent) entries at offset (8-aligned).
 */
struct initfs_inode {
	uint32_t mode;
	uint32_t reserved;          /* zero */
	uint64_t offset;
	uint64_t size;
};
_Static_assert(sizeof(struct initfs_inode) == 24, "initfs inode layout");

/* One name in a directory: name_bytes bytes at name_offset, no NUL, no '/'. */
struct initfs_dirent {
	uint32_t inode;
	uint32_t name_bytes;
	uint64_t name_offset;
};
_Static_assert(sizeof(struct initfs_dirent) == 16, "initfs directory entry layout");

/*
 * initfs_check.c. Checks a whole image before anything trusts it: the
 * header, every inode's and entry's bytes inside image_bytes (no overflow),
 * names (1..INITFS_NAME_MAX bytes, no '/', no NUL, not "." or "..", unique
 * in their directory), and that the directories form a tree from the root:
 * every other inode is named exactly once, the root never, at most
 * INITFS_DEPTH_MAX deep (so a loop is refused, never followed).
 * Returns 0 and leaves *err alone, or -1 with *err saying what and where.
 * The image must be 8-byte aligned. Not reentrant: it marks the inodes it
 * has seen in a static bitmap (there is no allocator in the daemon).
 */
struct initfs_error {
	const char *what;           /* e.g. "inode data past the end of the image" */
	uint64_t where;             /* the inode, entry or byte offset it concerns */
};
int initfs_check(const uint8_t *image, uint64_t size, struct initfs_error *err);

/*
 * Accessors shared by the packer, the checker's users and the initfs
 * daemon (initfs_check.c). They do no checking of their own: call them
 * only on an image initfs_check accepted, which also guarantees every
 * struct they return is naturally aligned if the image itself is 8-byte
 * aligned (it is page aligned where the kernel maps it).
 */
#define INITFS_MODE_PERMS 07777u   /* the bits below the type: rwx, setuid... */
#define INITFS_IS_DIR(mode) (((mode) & INITFS_MODE_TYPE) == INITFS_MODE_DIR)
#define INITFS_IS_FILE(mode) (((mode) & INITFS_MODE_TYPE) == INITFS_MODE_FILE)
/* Entries in directory inode dir. */
#define INITFS_DIR_ENTRIES(dir) ((dir)->size / sizeof(struct initfs_dirent))

const struct initfs_header *initfs_header_of(const uint8_t *image);
/* Inode n (n < inode_count). */
const struct initfs_inode *initfs_inode(const uint8_t *image, uint32_t n);
/* Entry i (i < INITFS_DIR_ENTRIES(dir)) of directory inode dir. */
const struct initfs_dirent *initfs_dirent(const uint8_t *image, const struct initfs_inode *dir,
					  uint64_t i);

#endif
