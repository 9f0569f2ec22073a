/*
 * bootstrap.h - the parts of bootstrap (lab 5): the entry stub
 * (start.asm), bootstrap_main (main.c), and the initfs: daemon it forks
 * (serve.c, lookup.c).
 */
#ifndef ANODE_BOOTSTRAP_H
#define ANODE_BOOTSTRAP_H

#include "anode.h"
#include "initfs.h"

/* Where the kernel maps the image (header page first). */
#define BOOTSTRAP_IMAGE ((const uint8_t *)(uintptr_t)INITFS_LOAD_ADDRESS)

/* From bootstrap.ld: each section's first byte, page aligned. */
extern char __bootstrap_text[], __bootstrap_rodata[], __bootstrap_data[], __bootstrap_end[];

__attribute__((noreturn)) void bootstrap_main(void);

/* serve.c: checks the image, registers :initfs, writes one byte to
 * ready_fd, and serves requests until the scheme fd fails. */
__attribute__((noreturn)) void initfs_serve(const uint8_t *image, uint64_t size, int ready_fd);

/*
 * lookup.c: finds path[0..len) (relative to the root; empty and repeated
 * slashes are ignored) in a checked image. On success *inode is set and,
 * if norm is not NULL, norm gets the absolute path ("/" or "/a/b", NUL
 * terminated, at most norm_size bytes). 0, -ENOENT, -ENOTDIR or
 * -ENAMETOOLONG.
 */
int initfs_lookup(const uint8_t *image, const char *path, uint64_t len, uint32_t *inode,
		  char *norm, uint64_t norm_size);

#endif
