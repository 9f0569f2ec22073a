/*
 * shm.c - answers shm:'s requests (the scheme is described in shm.h).
 * Nothing here ever waits, so no request is kept.
 *
 *   open       O_CREAT: create or open (O_EXCL too: -EEXIST if it exists);
 *              without: -ENOENT if NAME does not exist
 *   ftruncate  the size, once (a second call with the same size: 0)
 *   fmap       the address in ipcd of byte `offset`; -EINVAL before the
 *              size is set, for an offset not page aligned, past the end,
 *              or for MAP_PRIVATE (a private copy is not shared memory);
 *              -EACCES for PROT_WRITE through a handle opened O_RDONLY
 *   fstat      st_mode MODE_FILE | 0600, st_size the size
 *   fpath      "shm:NAME" (at most the buffer's length)
 *   read, write, lseek, dup  -EINVAL: the bytes are reached by mapping them
 *   fsync      0; unlink and the rest -ENOSYS
 *   close      no answer; the last handle of an object frees it
 */
#include "shm.h"

struct shm_handle {
	struct shm_object *object;      /* NULL: a free handle */
	bool read_only;                 /* opened O_RDONLY: no writable mappings */
};

static struct shm_handle *handles;

static int shm_init(void)
{
	handles = malloc(SHM_HANDLES_MAX * sizeof(*handles));
	if (!handles)
		return -ENOMEM;
	for (int i = 0; i < SHM_HANDLES_MAX; i++)
		handles[i].object = NULL;
	return shm_objects_init();
}

static struct shm_handle *shm_handle_get(uint64_t h)
{
	return h < SHM_HANDLES_MAX && handles[h].object ? &handles[h] : NULL;
}

static int64_t shm_open(const char *name, uint64_t len, unsigned flags)
{
	int err = ipcd_check_name(name, len), h = -1;
	struct shm_object *o;

	if (err < 0)
		return err;
	o = shm_object_find(name, len);
	if (!o && !(flags & O_CREAT))
		return -ENOENT;
	if (o && (flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	for (int i = 0; i < SHM_HANDLES_MAX && h < 0; i++)
		if (!handles[i].object)
			h = i;
	if (h < 0)
		return -ENFILE;
	if (!o && !(o = shm_object_new(name, len, &err)))
		return err;
	handles[h].object = o;
	handles[h].read_only = (flags & O_ACCMODE) == O_RDONLY;
	o->handles++;
	return h;
}

static void shm_close(uint64_t h)
{
	struct shm_handle *handle = shm_handle_get(h);
	struct shm_object *o = handle ? handle->object : NULL;

	if (!o)
		return;
	handle->object = NULL;
	if (--o->handles == 0)
		shm_object_free(o);
}

static int64_t shm_fmap(const struct shm_handle *h, const void *buf, uint64_t len)
{
	// LAB 6.4 BEGIN: check the request (-EINVAL, -EACCES); answer the address of byte offset in ipcd's pages
	const struct shm_object *o = h->object;
	struct fmap_request req;
	uint64_t bytes;

	if (len < sizeof(req))
		return -EINVAL;
	memcpy(&req, buf, sizeof(req));
	bytes = (req.size + SHM_PAGE_BYTES - 1) & ~(SHM_PAGE_BYTES - 1);
	if (!o->bytes || (req.flags & MAP_PRIVATE) || req.offset % SHM_PAGE_BYTES ||
	    req.size == 0 || req.offset > o->bytes || bytes > o->bytes - req.offset)
		return -EINVAL;
	/* The kernel maps read + write when no protection is given. */
	if (h->read_only && ((req.flags & PROT_WRITE) || !(req.flags & (PROT_READ | PROT_EXEC))))
		return -EACCES;
	return (int64_t)(uint64_t)(o->pages + req.offset);
	// LAB 6.4 STUB
	// (void)h, (void)buf, (void)len;
	// lab_not_implemented(6, "shm_fmap");
	// LAB 6.4 END
}

static int64_t shm_fstat(const struct shm_object *o, struct stat *st, uint64_t len)
{
	if (len < sizeof(*st))
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->st_mode = MODE_FILE | 0600;
	st->st_nlink = 1;
	st->st_size = o->size;
	st->st_blksize = SHM_PAGE_BYTES;
	st->st_blocks = o->bytes / 512;
	return 0;
}

static int64_t shm_fpath(const struct shm_object *o, char *buf, uint64_t len)
{
	char path[sizeof("shm:") + IPCD_NAME_MAX];
	uint64_t n = 4 + o->name_len;

	memcpy(path, "shm:", 4);
	memcpy(path + 4, o->name, o->name_len);
	n = n < len ? n : len;
	memcpy(buf, path, n);
	return (int64_t)n;
}

static int64_t shm_request(struct scheme_packet *p)
{
	struct shm_handle *h;
	struct shm_object *o;

	switch (p->a) {
	case SYS_open:
		return shm_open((const char *)p->b, p->c, (unsigned)p->d);
	case SYS_unlink:
		return -ENOSYS;
	case SYS_close:
		shm_close(p->b);
		return IPCD_NO_REPLY;
	}
	h = shm_handle_get(p->b);
	if (!h)
		return -EBADF;
	o = h->object;
	switch (p->a) {
	case SYS_ftruncate:
		return shm_object_set_size(o, p->c);
	case SYS_fmap:
		return shm_fmap(h, (const void *)p->c, p->d);
	case SYS_fstat:
		return shm_fstat(o, (struct stat *)p->c, p->d);
	case SYS_fpath:
		return shm_fpath(o, (char *)p->c, p->d);
	case SYS_fsync:
		return 0;
	case SYS_read:
	case SYS_write:
	case SYS_lseek:
	case SYS_dup:
		return -EINVAL;
	default:
		return -ENOSYS;
	}
}

const struct ipcd_server shm_server = {
	.scheme = "shm",
	.init = shm_init,
	.handler = shm_request,
};
