/*
 * shm.h - the `shm:` scheme: named shared memory (Redox's shm:).
 *
 *   open("shm:NAME", O_CREAT | O_RDWR)  creates NAME, or opens it if it exists
 *   ftruncate(fd, size)                  gives it its size, once: 1 byte to
 *                                        16 MiB, in whole pages, zeroed
 *   fmap(fd, {offset, size, flags})      maps pages of it, shared
 *
 * The pages are ipcd's own anonymous memory. fmap's answer is where the
 * asked-for bytes are in ipcd's address space; the kernel checks that
 * answer and maps the same frames into the client, with a reference per
 * mapping (kernel/scheme/shm.c). So every process that maps NAME, and ipcd,
 * see one set of frames. When the last handle of NAME closes, ipcd unmaps
 * its pages and forgets NAME; the clients' mappings keep the frames until
 * they unmap them or exit. A later open of NAME makes a new, zeroed object.
 */
#ifndef IPCD_SHM_H
#define IPCD_SHM_H

#include "ipcd.h"

#define SHM_OBJECTS_MAX 64
#define SHM_HANDLES_MAX 256
#define SHM_SIZE_MAX (16UL << 20)
#define SHM_PAGE_BYTES 4096UL

/*
 * Each object slot has a fixed window of ipcd's address space, far above
 * where malloc's fmaps go (from 0x100000000000 up). The kernel frees page
 * tables only when a process exits, so putting the next object of a slot
 * where the last one was reuses the tables that one left: ipcd's memory
 * does not creep up as objects come and go.
 */
#define SHM_WINDOW_BASE 0x0000200000000000UL
#define SHM_WINDOW_BYTES (32UL << 20)   /* 2 MiB aligned: tables never shared */
_Static_assert(SHM_WINDOW_BASE >= 2 * USER_MMAP_BASE &&
	       SHM_WINDOW_BASE + SHM_OBJECTS_MAX * SHM_WINDOW_BYTES <= USER_BOUNCE_BASE,
	       "the windows lie between malloc's fmaps and the bounce window");

struct shm_object {
	uint64_t name_len;
	char name[IPCD_NAME_MAX];
	uint64_t size;          /* as ftruncate gave it; 0 before */
	uint64_t bytes;         /* size in whole pages: what ipcd has mapped */
	char *pages;            /* in ipcd: the slot's window */
	int handles;            /* open handles; the object goes with the last */
};

/* shm_object.c */
int shm_objects_init(void);
/* The object NAME, or NULL. */
struct shm_object *shm_object_find(const char *name, uint64_t len);
/* A new, unsized object NAME (no handle yet), or NULL with *err. */
struct shm_object *shm_object_new(const char *name, uint64_t len, int *err);
/* ftruncate: 0, -EINVAL (a size out of range or a second, different one), -ENOMEM. */
int shm_object_set_size(struct shm_object *o, uint64_t size);
/* Unmaps its pages and forgets it (its last handle closed). */
void shm_object_free(struct shm_object *o);

#endif
