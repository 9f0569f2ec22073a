/*
 * registry.c - the table of schemes and path routing (lab 4, handout §3).
 *
 * Routing is the kernel's whole part in a file call: find the scheme a
 * path names, or the one an fd's description remembers, and hand the call
 * over. Everything else a file does is the scheme's business.
 */
#include "compiler.h"
#include "errno.h"
#include "kprintf.h"
#include "kstring.h"
#include "scheme.h"

static struct scheme *schemes[SCHEME_MAX];

bool scheme_name_ok(const char *name, uint64_t len)
{
	if (len == 0 || len > SCHEME_NAME_MAX)
		return false;
	for (uint64_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

void scheme_get(struct scheme *s)
{
	s->refs++;
}

void scheme_put(struct scheme *s)
{
	if (s->refs <= 0)
		panic("scheme_put: scheme '%s' has no reference left", s->name);
	if (--s->refs == 0 && s->ops->release)
		s->ops->release(s);
}

int scheme_register(struct scheme *s)
{
	uint64_t len = strlen(s->name);
	int free_slot = -1;

	/* The root scheme's name is empty; no other may be. */
	if (s != &root_scheme && !scheme_name_ok(s->name, len))
		return -EINVAL;
	for (int i = 0; i < SCHEME_MAX; i++) {
		if (!schemes[i]) {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcmp(schemes[i]->name, s->name) == 0) {
			return -EEXIST;
		}
	}
	if (free_slot < 0)
		return -ENFILE;
	schemes[free_slot] = s;
	s->registered = true;
	scheme_get(s);
	return 0;
}

void scheme_unregister(struct scheme *s)
{
	for (int i = 0; i < SCHEME_MAX; i++) {
		if (schemes[i] == s) {
			schemes[i] = NULL;
			s->registered = false;
			scheme_put(s);
			return;
		}
	}
}

struct scheme *scheme_find(const char *name, uint64_t len)
{
	for (int i = 0; i < SCHEME_MAX; i++) {
		struct scheme *s = schemes[i];

		if (s && strlen(s->name) == len && memcmp(s->name, name, len) == 0) {
			scheme_get(s);
			return s;
		}
	}
	return NULL;
}

int scheme_route(const char *path, uint64_t len, struct scheme **s, const char **rest,
		 uint64_t *rest_len)
{
	// LAB 4.2 BEGIN: split at the FIRST ':'; no ':' -ENOENT; unknown scheme -ENODEV; §3
	const char *colon = memchr(path, ':', len);

	if (!colon)
		return -ENOENT;
	*s = scheme_find(path, (uint64_t)(colon - path));
	if (!*s)
		return -ENODEV;
	*rest = colon + 1;
	*rest_len = len - (uint64_t)(colon - path) - 1;
	return 0;
	// LAB 4.2 STUB
	// lab_not_implemented(4, "scheme_route");
	// LAB 4.2 END
}

uint64_t scheme_list(char *buf, uint64_t size)
{
	uint64_t used = 0;

	for (int i = 0; i < SCHEME_MAX; i++) {
		uint64_t n;

		if (!schemes[i] || schemes[i] == &root_scheme)
			continue;
		n = strlen(schemes[i]->name);
		if (used + n + 1 > size)
			break;
		memcpy(buf + used, schemes[i]->name, n);
		buf[used + n] = '\n';
		used += n + 1;
	}
	return used;
}

static bool schemes_up;

bool schemes_enabled(void)
{
	return schemes_up;
}

void scheme_init(int boot_lab)
{
	scheme_register(&root_scheme);
	scheme_register(&debug_scheme);
	scheme_register(&pipe_scheme);
	sys_scheme_init(boot_lab);
	scheme_register(&sys_scheme);
	schemes_up = true;
}

int scheme_open_console(struct fd_table *t)
{
	struct file *f = file_new(&debug_scheme, 0, O_RDWR);

	if (!f)
		return -ENOMEM;
	for (int fd = 0; fd < 3; fd++) {
		if (fd > 0)
			file_get(f);
		if (fd_install_at(t, fd, f, false) < 0) {
			file_put(f);
			return -EMFILE;
		}
	}
	return 0;
}
