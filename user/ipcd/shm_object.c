/*
 * shm_object.c - shm:'s objects and the memory behind them (shm.h).
 *
 * An object's pages come from an anonymous fmap into ipcd's own space, at
 * its slot's window: the kernel zeroes fresh frames, so a new object
 * always reads as zeros, whatever an old one in the slot held.
 */
#include "shm.h"

static struct shm_object **objects;

int shm_objects_init(void)
{
	objects = malloc(SHM_OBJECTS_MAX * sizeof(*objects));
	if (!objects)
		return -ENOMEM;
	for (int i = 0; i < SHM_OBJECTS_MAX; i++)
		objects[i] = NULL;
	return 0;
}

struct shm_object *shm_object_find(const char *name, uint64_t len)
{
	for (int i = 0; i < SHM_OBJECTS_MAX; i++) {
		struct shm_object *o = objects[i];

		if (o && o->name_len == len && memcmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

struct shm_object *shm_object_new(const char *name, uint64_t len, int *err)
{
	struct shm_object *o;
	int slot = -1;

	for (int i = 0; i < SHM_OBJECTS_MAX && slot < 0; i++)
		if (!objects[i])
			slot = i;
	*err = -ENFILE;
	if (slot < 0)
		return NULL;
	*err = -ENOMEM;
	o = malloc(sizeof(*o));
	if (!o)
		return NULL;
	memset(o, 0, sizeof(*o));
	o->name_len = len;
	memcpy(o->name, name, len);
	o->pages = (char *)(SHM_WINDOW_BASE + (uint64_t)slot * SHM_WINDOW_BYTES);
	objects[slot] = o;
	return o;
}

int shm_object_set_size(struct shm_object *o, uint64_t size)
{
	// LAB 6.4 BEGIN: once: 1..SHM_SIZE_MAX, rounded to pages, anonymous fmap at o->pages; same size again is 0; handout §4
	struct fmap_request req;
	long mapped;

	if (o->size)
		return size == o->size ? 0 : -EINVAL;
	if (size == 0 || size > SHM_SIZE_MAX)
		return -EINVAL;
	req.offset = 0;
	req.size = (size + SHM_PAGE_BYTES - 1) & ~(SHM_PAGE_BYTES - 1);
	req.flags = PROT_READ | PROT_WRITE;
	req.address = (uint64_t)o->pages;
	mapped = sys_fmap((long)FMAP_ANONYMOUS_FD, (long)&req, sizeof(req));
	if (mapped < 0) {
		ipcd_log("no memory for %lu bytes of %.*s (errno %ld)", size, (int)o->name_len,
			 o->name, -mapped);
		return mapped == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	o->size = size;
	o->bytes = req.size;
	return 0;
	// LAB 6.4 STUB
	// (void)o, (void)size;
	// lab_not_implemented(6, "shm_object_set_size");
	// LAB 6.4 END
}

void shm_object_free(struct shm_object *o)
{
	for (int i = 0; i < SHM_OBJECTS_MAX; i++)
		if (objects[i] == o)
			objects[i] = NULL;
	if (o->bytes) {
		/* Every answer naming these pages must reach the kernel first:
		 * it takes its references to the frames when it reads the answer. */
		reply_flush();
		funmap(o->pages, o->bytes);
	}
	free(o);
}
