/*
 * lookup.c - a path to an inode in the initfs image (lab 5, handout §5).
 * The image was checked whole before the daemon serves it (initfs_check):
 * every offset is inside it and the directories form a tree, so this code
 * can follow entries without checking bounds again.
 */
#include "bootstrap.h"

/* The entry called name[0..len) in directory dir, or -ENOENT. */
static int lookup_in_dir(const uint8_t *image, const struct initfs_inode *dir, const char *name,
			 uint64_t len, uint32_t *inode)
{
	// LAB 5.5 BEGIN: scan dir's entries (initfs_dirent) for an exact name match; handout §5
	uint64_t entries = dir->size / sizeof(struct initfs_dirent);

	for (uint64_t i = 0; i < entries; i++) {
		const struct initfs_dirent *e = initfs_dirent(image, dir, i);

		if (e->name_bytes == len && memcmp(image + e->name_offset, name, len) == 0) {
			*inode = e->inode;
			return 0;
		}
	}
	return -ENOENT;
	// LAB 5.5 STUB
	// (void)image, (void)dir, (void)name, (void)len, (void)inode;
	// lab_not_implemented(5, "lookup_in_dir");
	// LAB 5.5 END
}

int initfs_lookup(const uint8_t *image, const char *path, uint64_t len, uint32_t *inode,
		  char *norm, uint64_t norm_size)
{
	uint32_t at = INITFS_ROOT_INODE;
	uint64_t i = 0, out = 0;

	while (i < len) {
		uint64_t start, n;
		int err;

		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		n = i - start;
		if (n == 0)
			break;
		if (n > INITFS_NAME_MAX)
			return -ENAMETOOLONG;
		if ((initfs_inode(image, at)->mode & INITFS_MODE_TYPE) != INITFS_MODE_DIR)
			return -ENOTDIR;
		err = lookup_in_dir(image, initfs_inode(image, at), path + start, n, &at);
		if (err < 0)
			return err;
		if (norm && out + 1 + n < norm_size) {
			norm[out++] = '/';
			memcpy(norm + out, path + start, n);
			out += n;
		}
	}
	if (norm && norm_size > 0) {
		if (out == 0 && norm_size > 1)
			norm[out++] = '/';
		norm[out] = '\0';
	}
	*inode = at;
	return 0;
}
