/*
 * mkinitfs.c - the host tool that packs an initfs image and lists one
 * (initfs/README.md has the format, the manifest syntax and examples).
 *
 *   mkinitfs pack -o OUT -b BOOTSTRAP_ELF [-C DIR] MANIFEST...
 *   mkinitfs list IMAGE
 *
 * pack works in three steps: read the manifests into a tree of nodes in
 * memory (with every file's bytes), lay the whole image out in one buffer,
 * then write it to OUT.tmp, check what was written with initfs_check and
 * rename it to OUT. Every error exits with status 1 before the rename, so
 * OUT is either the new image or whatever it was before. Directories are
 * sorted by name and nothing depends on the time or on the order the host
 * lists a directory in, so the same inputs always give the same bytes.
 *
 * Plain C11 and POSIX (no <elf.h>: macOS has none); the ELF structs are
 * the kernel's own (kernel/include/elf.h). Assumes a little-endian host,
 * like initfs_check.c, only where it reads structs in place.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "elf.h"
#include "initfs.h"

#define USAGE \
	"usage: mkinitfs pack -o OUT -b BOOTSTRAP_ELF [-C DIR] MANIFEST... | mkinitfs list IMAGE"

/* The bootstrap's first page runs here: image offset 4096 mapped at 0x1000 + 4096. */
#define BOOTSTRAP_BASE (INITFS_LOAD_ADDRESS + INITFS_BOOTSTRAP_OFFSET)
/* A sanity limit, so a segment linked at a wild address is an error, not a huge image. */
#define BOOTSTRAP_MAX_BYTES (64ull << 20)
/* The packer's own choice for file data, not a rule of the format. */
#define FILE_DATA_ALIGN 8u

#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

/* A manifest line, which every error about what it asks for points at. */
struct where {
	const char *file;
	unsigned line;
};

struct node {
	char *name;                 /* one path component ("" for the root), no NUL inside */
	size_t name_bytes;
	bool is_dir;
	bool implicit;              /* a directory made only as some DEST's parent, so far */
	uint32_t mode;
	struct where origin;        /* the line that made it (or made it explicit) */
	struct node **children;     /* directories; sorted by name before the layout */
	size_t child_count, child_cap;
	uint8_t *data;              /* files */
	uint64_t size;              /* file bytes, or directory entries x 16 once laid out */
	uint32_t inode;
	uint64_t offset;            /* image offset of the data or the entries */
	uint64_t name_offset;       /* image offset of the name, for the entry naming it */
};

struct packer {
	struct node *root;
	uint32_t inode_count;
	const char *source_dir;     /* -C DIR: where relative SOURCE paths start, or NULL */
};

struct bootstrap {
	uint8_t *bytes;             /* what goes at image offset 4096 */
	uint64_t size;              /* bootstrap_bytes: page aligned */
	uint64_t entry;             /* bootstrap_entry: an image offset */
};

/* OUT.tmp while it exists, so that any error removes it. */
static const char *temporary_output;

__attribute__((noreturn)) static void exit_cleanly(int status)
{
	if (temporary_output)
		unlink(temporary_output);
	exit(status);
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "%s\n", USAGE);
	exit(2);
}

/* "PREFIX: message"; PREFIX is "mkinitfs", a file name, or "MANIFEST:LINE". */
__attribute__((noreturn, format(printf, 2, 3)))
static void die(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prefix);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit_cleanly(1);
}

__attribute__((noreturn, format(printf, 2, 3)))
static void die_at(const struct where *at, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", at->file, at->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit_cleanly(1);
}

static void *xmalloc(size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);

	if (!p)
		die("mkinitfs", "out of memory");
	return p;
}

static void *xcalloc(size_t count, size_t bytes)
{
	void *p = calloc(count ? count : 1, bytes ? bytes : 1);

	if (!p)
		die("mkinitfs", "out of memory");
	return p;
}

static void *xrealloc(void *old, size_t bytes)
{
	void *p = realloc(old, bytes ? bytes : 1);

	if (!p)
		die("mkinitfs", "out of memory");
	return p;
}

/* "a/b": a path joined to a name with exactly one slash between them. */
static char *path_join(const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);
	bool slash = d > 0 && dir[d - 1] == '/';
	char *path = xmalloc(d + n + 2);

	memcpy(path, dir, d);
	if (!slash)
		path[d++] = '/';
	memcpy(path + d, name, n + 1);
	return path;
}

static char *copy_string(const char *s, size_t bytes)
{
	char *copy = xmalloc(bytes + 1);

	memcpy(copy, s, bytes);
	copy[bytes] = '\0';
	return copy;
}

/* Reads a whole file into *data; returns 0 or an errno value. */
static int read_whole_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, used = 0, got;
	uint8_t *buf;
	int err;

	if (!f)
		return errno;
	buf = xmalloc(cap);
	while ((got = fread(buf + used, 1, cap - used, f)) > 0) {
		used += got;
		if (used == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	err = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*size = used;
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool range_inside(uint64_t offset, uint64_t bytes, uint64_t limit)
{
	return offset <= limit && bytes <= limit - offset;
}

/* ---- The bootstrap ELF ------------------------------------------------------ */

static void check_elf_header(const char *path, const struct elf64_header *h, uint64_t size)
{
	if (h->magic != ELF_MAGIC)
		die(path, "not an ELF file");
	if (h->class != ELFCLASS64 || h->data != ELFDATA2LSB)
		die(path, "not a 64-bit little-endian ELF file");
	if (h->machine != EM_X86_64)
		die(path, "not an x86-64 ELF file (machine %u)", h->machine);
	if (h->type != ET_EXEC)
		die(path, "not an executable (ELF type %u, not ET_EXEC): link it static, no -pie",
		    h->type);
	if (h->phentsize != sizeof(struct elf64_phdr))
		die(path, "program header entries are %u bytes, not %zu", h->phentsize,
		    sizeof(struct elf64_phdr));
	if (!range_inside(h->phoff, (uint64_t)h->phnum * sizeof(struct elf64_phdr), size))
		die(path, "program headers outside the file");
}

static bool segment_loads(const struct elf64_phdr *ph)
{
	return ph->type == PT_LOAD && ph->memsz > 0;
}

/* The page-aligned end of the segment; only after check_segment. */
static uint64_t segment_end(const struct elf64_phdr *ph)
{
	return ALIGN_UP(ph->vaddr + ph->memsz, INITFS_PAGE);
}

static void check_segment(const char *path, unsigned i, const struct elf64_phdr *ph, uint64_t size)
{
	if (ph->vaddr % INITFS_PAGE != 0)
		die(path, "segment %u: address 0x%" PRIx64 " is not page aligned", i, ph->vaddr);
	if (ph->vaddr < BOOTSTRAP_BASE)
		die(path, "segment %u: address 0x%" PRIx64 " is below 0x%x, where bootstrap starts",
		    i, ph->vaddr, BOOTSTRAP_BASE);
	if (ph->memsz > BOOTSTRAP_MAX_BYTES ||
	    ph->vaddr - BOOTSTRAP_BASE > BOOTSTRAP_MAX_BYTES - ph->memsz)
		die(path, "segment %u: ends more than %llu MiB past 0x%x", i,
		    BOOTSTRAP_MAX_BYTES >> 20, BOOTSTRAP_BASE);
	if (ph->filesz > ph->memsz)
		die(path, "segment %u: more bytes in the file than in memory", i);
	if (!range_inside(ph->offset, ph->filesz, size))
		die(path, "segment %u: its bytes lie outside the file", i);
	if ((ph->flags & PF_W) && (ph->flags & PF_X))
		die(path, "segment %u is both writable and executable", i);
}

/* Page granular: the kernel maps each page with one segment's permissions. */
static void check_no_overlap(const char *path, const struct elf64_phdr *ph, unsigned count)
{
	for (unsigned j = 1; j < count; j++)
		for (unsigned i = 0; i < j; i++)
			if (segment_loads(&ph[i]) && segment_loads(&ph[j]) &&
			    ph[i].vaddr < segment_end(&ph[j]) && ph[j].vaddr < segment_end(&ph[i]))
				die(path, "segments %u and %u share a page", i, j);
}

static void check_entry(const char *path, const struct elf64_header *h, const struct elf64_phdr *ph)
{
	for (unsigned i = 0; i < h->phnum; i++)
		if (segment_loads(&ph[i]) && (ph[i].flags & PF_X) && h->entry >= ph[i].vaddr &&
		    h->entry - ph[i].vaddr < ph[i].memsz)
			return;
	die(path, "entry point 0x%" PRIx64 " is not inside an executable segment", h->entry);
}

/* Lays the segments out as they run from 0x2000: gaps and .bss are zeros. */
static void lay_out_segments(struct bootstrap *b, const uint8_t *file, const struct elf64_phdr *ph,
			     unsigned count)
{
	uint64_t end = BOOTSTRAP_BASE;

	for (unsigned i = 0; i < count; i++)
		if (segment_loads(&ph[i]) && segment_end(&ph[i]) > end)
			end = segment_end(&ph[i]);
	b->size = end - BOOTSTRAP_BASE;
	b->bytes = xcalloc(b->size, 1);
	for (unsigned i = 0; i < count; i++)
		if (segment_loads(&ph[i]))
			memcpy(b->bytes + (ph[i].vaddr - BOOTSTRAP_BASE), file + ph[i].offset,
			       ph[i].filesz);
}

static void load_bootstrap(const char *path, struct bootstrap *b)
{
	struct elf64_header h;
	struct elf64_phdr *ph;
	uint8_t *file;
	size_t size;
	unsigned loads = 0;
	int err = read_whole_file(path, &file, &size);

	if (err)
		die(path, "%s", strerror(err));
	if (size < sizeof(h))
		die(path, "not an ELF file (only %zu bytes)", size);
	memcpy(&h, file, sizeof(h));
	check_elf_header(path, &h, size);
	/* A copy, so the structs are aligned whatever phoff is. */
	ph = xmalloc(h.phnum * sizeof(*ph));
	memcpy(ph, file + h.phoff, h.phnum * sizeof(*ph));
	for (unsigned i = 0; i < h.phnum; i++) {
		if (!segment_loads(&ph[i]))
			continue;
		check_segment(path, i, &ph[i], size);
		loads++;
	}
	if (loads == 0)
		die(path, "no loadable segment");
	check_no_overlap(path, ph, h.phnum);
	check_entry(path, &h, ph);
	lay_out_segments(b, file, ph, h.phnum);
	b->entry = h.entry - INITFS_LOAD_ADDRESS;
	free(ph);
	free(file);
}

/* ---- The tree the manifests describe ------------------------------------------ */

static struct node *new_node(struct packer *p, const struct where *at, const char *name,
			     size_t name_bytes, bool is_dir)
{
	struct node *n = xcalloc(1, sizeof(*n));

	if (p->inode_count == INITFS_INODES_MAX)
		die_at(at, "more than %u files and directories", INITFS_INODES_MAX);
	p->inode_count++;
	n->name = copy_string(name, name_bytes);
	n->name_bytes = name_bytes;
	n->is_dir = is_dir;
	n->mode = is_dir ? INITFS_MODE_DIR | 0755 : INITFS_MODE_FILE | 0644;
	n->origin = *at;
	return n;
}

static void add_child(struct node *dir, struct node *child)
{
	if (dir->child_count == dir->child_cap) {
		dir->child_cap = dir->child_cap ? 2 * dir->child_cap : 8;
		dir->children = xrealloc(dir->children, dir->child_cap * sizeof(*dir->children));
	}
	dir->children[dir->child_count++] = child;
}

static struct node *find_child(const struct node *dir, const char *name, size_t name_bytes)
{
	for (size_t i = 0; i < dir->child_count; i++) {
		struct node *c = dir->children[i];

		if (c->name_bytes == name_bytes && memcmp(c->name, name, name_bytes) == 0)
			return c;
	}
	return NULL;
}

__attribute__((noreturn))
static void die_given_twice(const struct where *at, const char *path, const struct node *old)
{
	die_at(at, "%s given twice (first at %s:%u)", path, old->origin.file, old->origin.line);
}

static void check_depth(const struct where *at, const char *path, unsigned depth)
{
	if (depth > INITFS_DEPTH_MAX)
		die_at(at, "%s: directories nested more than %u deep", path, INITFS_DEPTH_MAX);
}

/* A parent of some DEST: made if missing, shared with other lines. */
static struct node *parent_dir(struct packer *p, const struct where *at, struct node *dir,
			       const char *name, size_t name_bytes, const char *path,
			       unsigned depth)
{
	struct node *n = find_child(dir, name, name_bytes);

	if (n && !n->is_dir)
		die_at(at, "%s is a file (from %s:%u), not a directory", path, n->origin.file,
		       n->origin.line);
	if (n)
		return n;
	check_depth(at, path, depth);
	n = new_node(p, at, name, name_bytes, true);
	n->implicit = true;
	add_child(dir, n);
	return n;
}

/* A directory this line packs: new, or one so far made only as a parent. */
static struct node *claim_dir(struct packer *p, const struct where *at, struct node *dir,
			      const char *name, size_t name_bytes, const char *path, unsigned depth)
{
	struct node *n = find_child(dir, name, name_bytes);

	if (n && !(n->is_dir && n->implicit))
		die_given_twice(at, path, n);
	if (!n) {
		check_depth(at, path, depth);
		n = new_node(p, at, name, name_bytes, true);
		add_child(dir, n);
	}
	n->implicit = false;
	n->origin = *at;
	return n;
}

static void claim_file(struct packer *p, const struct where *at, struct node *dir,
		       const char *name, size_t name_bytes, const char *path, const char *source,
		       mode_t host_mode)
{
	struct node *n = find_child(dir, name, name_bytes);
	size_t size;
	int err;

	if (n)
		die_given_twice(at, path, n);
	n = new_node(p, at, name, name_bytes, false);
	if (host_mode & (S_IXUSR | S_IXGRP | S_IXOTH))
		n->mode = INITFS_MODE_FILE | 0755;
	err = read_whole_file(source, &n->data, &size);
	if (err)
		die_at(at, "%s: %s", source, strerror(err));
	n->size = size;
	add_child(dir, n);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a host directory but "." and "..", sorted, so errors come in a fixed order. */
static char **read_host_dir(const struct where *at, const char *host, size_t *count)
{
	DIR *d = opendir(host);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		die_at(at, "%s: %s", host, strerror(errno));
	while ((errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));
		names[n++] = copy_string(e->d_name, strlen(e->d_name));
	}
	if (errno)
		die_at(at, "%s: %s", host, strerror(errno));
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), compare_strings);
	*count = n;
	return names;
}

/* Packs host directory host into dir, whose image path is path, depth levels down. */
static void add_tree(struct packer *p, const struct where *at, struct node *dir, const char *host,
		     const char *path, unsigned depth)
{
	size_t count;
	char **names = read_host_dir(at, host, &count);

	for (size_t i = 0; i < count; i++) {
		char *child_host = path_join(host, names[i]);
		char *child_path = path_join(path, names[i]);
		size_t name_bytes = strlen(names[i]);
		struct stat st;

		if (lstat(child_host, &st) < 0)
			die_at(at, "%s: %s", child_host, strerror(errno));
		if (name_bytes > INITFS_NAME_MAX)
			die_at(at, "%s: name longer than %u bytes", child_host, INITFS_NAME_MAX);
		if (S_ISLNK(st.st_mode))
			die_at(at, "%s: a symbolic link (not packed: name its target instead)",
			       child_host);
		if (S_ISDIR(st.st_mode)) {
			struct node *sub = claim_dir(p, at, dir, names[i], name_bytes, child_path,
						     depth + 1);

			add_tree(p, at, sub, child_host, child_path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			claim_file(p, at, dir, names[i], name_bytes, child_path, child_host,
				   st.st_mode);
		} else {
			die_at(at, "%s: not a regular file or a directory", child_host);
		}
		free(child_host);
		free(child_path);
		free(names[i]);
	}
	free(names);
}

/* A DEST is "/" or "/name/name...": no empty, "." or ".." component, none too long. */
static void check_dest(const struct where *at, const char *dest)
{
	const char *c = dest + 1;

	if (dest[0] != '/')
		die_at(at, "DEST '%s' is not an absolute path (it must start with '/')", dest);
	if (strcmp(dest, "/") == 0)
		return;
	for (;;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 0)
			die_at(at, "DEST '%s' has an empty path component", dest);
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			die_at(at, "DEST '%s' has a '.' or '..' component", dest);
		if (n > INITFS_NAME_MAX)
			die_at(at, "DEST '%s' has a component longer than %u bytes", dest,
			       INITFS_NAME_MAX);
		if (!slash)
			return;
		c = slash + 1;
	}
}

/* Walks DEST's components but the last, making parents; *last gets the last one. */
static struct node *dest_parent(struct packer *p, const struct where *at, const char *dest,
				const char **last, unsigned *depth)
{
	struct node *dir = p->root;
	const char *c = dest + 1, *slash;

	*depth = 1;
	while ((slash = strchr(c, '/')) != NULL) {
		char *prefix = copy_string(dest, (size_t)(slash - dest));

		dir = parent_dir(p, at, dir, c, (size_t)(slash - c), prefix, *depth);
		free(prefix);
		c = slash + 1;
		++*depth;
	}
	*last = c;
	return dir;
}

static char *source_path(const struct packer *p, const char *source)
{
	if (source[0] == '/' || !p->source_dir)
		return copy_string(source, strlen(source));
	return path_join(p->source_dir, source);
}

static void add_dest(struct packer *p, const struct where *at, const char *dest, const char *source)
{
	char *host = source_path(p, source);
	struct node *dir;
	const char *last;
	unsigned depth;
	struct stat st;

	check_dest(at, dest);
	/* stat, not lstat: a SOURCE named in the manifest may be a link to the real thing. */
	if (stat(host, &st) < 0)
		die_at(at, "SOURCE %s: %s", host, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		die_at(at, "SOURCE %s is not a regular file or a directory", host);
	if (strcmp(dest, "/") == 0) {
		if (!S_ISDIR(st.st_mode))
			die_at(at, "DEST '/' is the root; its SOURCE must be a directory");
		if (!p->root->implicit)
			die_given_twice(at, dest, p->root);
		p->root->implicit = false;
		p->root->origin = *at;
		add_tree(p, at, p->root, host, dest, 0);
		free(host);
		return;
	}
	dir = dest_parent(p, at, dest, &last, &depth);
	if (S_ISDIR(st.st_mode)) {
		dir = claim_dir(p, at, dir, last, strlen(last), dest, depth);
		add_tree(p, at, dir, host, dest, depth);
	} else {
		claim_file(p, at, dir, last, strlen(last), dest, host, st.st_mode);
	}
	free(host);
}

/* Splits line at whitespace, in place; returns how many fields there were (up to max kept). */
static unsigned split_fields(char *line, char **fields, unsigned max)
{
	const char *blanks = " \t\r\n\v\f";
	unsigned n = 0;
	char *c = line;

	for (;;) {
		c += strspn(c, blanks);
		if (*c == '\0')
			return n;
		if (n < max)
			fields[n] = c;
		n++;
		c += strcspn(c, blanks);
		if (*c == '\0')
			return n;
		*c++ = '\0';
	}
}

static void pack_line(struct packer *p, const struct where *at, char *line)
{
	char *fields[2];
	unsigned n = split_fields(line, fields, 2);

	if (n == 0 || fields[0][0] == '#')
		return;
	if (n != 2)
		die_at(at, "expected two fields, DEST SOURCE; found %u", n);
	add_dest(p, at, fields[0], fields[1]);
}

static void pack_manifest(struct packer *p, const char *manifest)
{
	FILE *f = fopen(manifest, "r");
	struct where at = { manifest, 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		die(manifest, "%s", strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		at.line++;
		if (memchr(line, '\0', (size_t)len))
			die_at(&at, "a NUL byte in the line");
		pack_line(p, &at, line);
	}
	if (ferror(f))
		die(manifest, "%s", strerror(errno));
	fclose(f);
	free(line);
}

/* ---- Layout and writing -------------------------------------------------------- */

static int compare_nodes(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
	size_t common = x->name_bytes < y->name_bytes ? x->name_bytes : y->name_bytes;
	int order = memcmp(x->name, y->name, common);

	if (order)
		return order;
	return (x->name_bytes > y->name_bytes) - (x->name_bytes < y->name_bytes);
}

/* Tree order (depth first, names sorted bytewise) is inode order: the root is 0. */
static void number_inodes(struct node *n, struct node **order, uint32_t *next)
{
	n->inode = *next;
	order[(*next)++] = n;
	if (!n->is_dir)
		return;
	if (n->child_count > 1)
		qsort(n->children, n->child_count, sizeof(*n->children), compare_nodes);
	for (size_t i = 0; i < n->child_count; i++)
		number_inodes(n->children[i], order, next);
}

/*
 * After the inode table: every directory's entries (16 bytes each, so
 * they stay 8-aligned), then every name, then file data, all in inode
 * order. Returns the image size, rounded up to whole pages so the bytes
 * the kernel maps past the last file are zeros.
 */
static uint64_t place_contents(struct node **order, uint32_t count, uint64_t inode_offset)
{
	uint64_t at = inode_offset + (uint64_t)count * sizeof(struct initfs_inode);

	for (uint32_t i = 0; i < count; i++) {
		if (!order[i]->is_dir)
			continue;
		order[i]->offset = at;
		order[i]->size = order[i]->child_count * sizeof(struct initfs_dirent);
		at += order[i]->size;
	}
	for (uint32_t i = 1; i < count; i++) {
		order[i]->name_offset = at;
		at += order[i]->name_bytes;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (order[i]->is_dir)
			continue;
		at = ALIGN_UP(at, FILE_DATA_ALIGN);
		order[i]->offset = at;
		at += order[i]->size;
	}
	return ALIGN_UP(at, INITFS_PAGE);
}

static void write_header(uint8_t *image, const struct bootstrap *b, uint32_t count,
			 uint64_t inode_offset, uint64_t image_bytes)
{
	memcpy(image + offsetof(struct initfs_header, magic), INITFS_MAGIC, INITFS_MAGIC_BYTES);
	put32(image + offsetof(struct initfs_header, version), INITFS_VERSION);
	put32(image + offsetof(struct initfs_header, inode_count), count);
	put64(image + offsetof(struct initfs_header, image_bytes), image_bytes);
	put64(image + offsetof(struct initfs_header, bootstrap_offset), INITFS_BOOTSTRAP_OFFSET);
	put64(image + offsetof(struct initfs_header, bootstrap_bytes), b->size);
	put64(image + offsetof(struct initfs_header, bootstrap_entry), b->entry);
	put64(image + offsetof(struct initfs_header, inode_offset), inode_offset);
}

static void write_node(uint8_t *image, uint64_t inode_offset, const struct node *n)
{
	uint8_t *ino = image + inode_offset + (uint64_t)n->inode * sizeof(struct initfs_inode);

	put32(ino + offsetof(struct initfs_inode, mode), n->mode);
	put32(ino + offsetof(struct initfs_inode, reserved), 0);
	put64(ino + offsetof(struct initfs_inode, offset), n->offset);
	put64(ino + offsetof(struct initfs_inode, size), n->size);
	for (size_t i = 0; i < n->child_count; i++) {
		const struct node *c = n->children[i];
		uint8_t *e = image + n->offset + i * sizeof(struct initfs_dirent);

		put32(e + offsetof(struct initfs_dirent, inode), c->inode);
		put32(e + offsetof(struct initfs_dirent, name_bytes), (uint32_t)c->name_bytes);
		put64(e + offsetof(struct initfs_dirent, name_offset), c->name_offset);
		memcpy(image + c->name_offset, c->name, c->name_bytes);
	}
	if (!n->is_dir && n->size > 0)
		memcpy(image + n->offset, n->data, n->size);
}

static uint8_t *build_image(struct packer *p, const struct bootstrap *b, uint64_t *image_bytes)
{
	struct node **order = xmalloc(p->inode_count * sizeof(*order));
	uint64_t inode_offset = INITFS_BOOTSTRAP_OFFSET + b->size;
	uint32_t count = 0;
	uint8_t *image;

	number_inodes(p->root, order, &count);
	*image_bytes = place_contents(order, count, inode_offset);
	image = xcalloc(*image_bytes, 1);
	write_header(image, b, count, inode_offset, *image_bytes);
	memcpy(image + INITFS_BOOTSTRAP_OFFSET, b->bytes, b->size);
	for (uint32_t i = 0; i < count; i++)
		write_node(image, inode_offset, order[i]);
	free(order);
	return image;
}

/* Reads back what was written and checks it: a failure here is a bug in mkinitfs. */
static void self_check(const char *path, uint64_t expected_bytes)
{
	struct initfs_error e;
	uint8_t *data;
	size_t size;
	int err = read_whole_file(path, &data, &size);

	if (err)
		die(path, "reading it back: %s", strerror(err));
	if (size != expected_bytes)
		die(path, "read back %zu bytes, wrote %" PRIu64, size, expected_bytes);
	if (initfs_check(data, size, &e) < 0)
		die(path, "self-check failed (a bug in mkinitfs): %s (at %" PRIu64 ")", e.what,
		    e.where);
	free(data);
}

static void write_output(const char *out, const uint8_t *image, uint64_t bytes)
{
	char *tmp = xmalloc(strlen(out) + sizeof(".tmp"));
	FILE *f;

	sprintf(tmp, "%s.tmp", out);
	f = fopen(tmp, "wb");
	if (!f)
		die(tmp, "%s", strerror(errno));
	temporary_output = tmp;
	if (fwrite(image, 1, bytes, f) != bytes || fflush(f) != 0) {
		int err = errno;

		fclose(f);
		die(tmp, "%s", strerror(err));
	}
	if (fclose(f) != 0)
		die(tmp, "%s", strerror(errno));
	self_check(tmp, bytes);
	if (rename(tmp, out) < 0)
		die(out, "%s", strerror(errno));
	temporary_output = NULL;
	free(tmp);
}

struct pack_options {
	const char *out;            /* -o */
	const char *elf;            /* -b */
	const char *source_dir;     /* -C, or NULL */
};

/* Options come before the manifests; returns the index of the first manifest. */
static int parse_pack_options(int argc, char **argv, struct pack_options *o)
{
	int i;

	for (i = 2; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char **value = NULL;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-o") == 0)
			value = &o->out;
		else if (strcmp(argv[i], "-b") == 0)
			value = &o->elf;
		else if (strcmp(argv[i], "-C") == 0)
			value = &o->source_dir;
		if (!value || *value || i + 1 == argc)
			usage();
		*value = argv[++i];
	}
	if (!o->out || !o->elf || i == argc)
		usage();
	return i;
}

/* Nothing is freed: the process ends right after. */
static int pack(int argc, char **argv)
{
	struct pack_options o = { 0 };
	struct packer p = { 0 };
	struct bootstrap b;
	uint64_t image_bytes;
	uint8_t *image;
	int i = parse_pack_options(argc, argv, &o);

	load_bootstrap(o.elf, &b);
	p.source_dir = o.source_dir;
	p.root = new_node(&p, &(struct where){ "(root)", 0 }, "", 0, true);
	p.root->implicit = true;
	for (; i < argc; i++)
		pack_manifest(&p, argv[i]);
	image = build_image(&p, &b, &image_bytes);
	write_output(o.out, image, image_bytes);
	return 0;
}

/* ---- list ------------------------------------------------------------------------ */

static void print_mode(uint32_t mode)
{
	static const char rwx[] = "rwxrwxrwx";

	putchar(INITFS_IS_DIR(mode) ? 'd' : '-');
	for (int i = 0; i < 9; i++)
		putchar(mode & (0400u >> i) ? rwx[i] : '-');
}

/* Names may hold any byte but '/' and NUL: control bytes and '\' are shown as \xNN. */
static void print_path(const uint8_t *path, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++) {
		if (path[i] < 0x20 || path[i] == 0x7f || path[i] == '\\')
			printf("\\x%02x", path[i]);
		else
			putchar(path[i]);
	}
}

/* Directories show size 0: their size field counts entry bytes, not data. */
static void print_inode(const uint8_t *image, uint32_t n, const uint8_t *path, size_t bytes)
{
	const struct initfs_inode *ino = initfs_inode(image, n);

	print_mode(ino->mode);
	printf(" %" PRIu64 " ", INITFS_IS_DIR(ino->mode) ? 0 : ino->size);
	print_path(path, bytes);
	putchar('\n');
}

/* The deepest path: the root, 32 directories and a file, each at most 255 bytes and a '/'. */
#define LIST_PATH_MAX ((INITFS_DEPTH_MAX + 1) * (INITFS_NAME_MAX + 1) + 1)

/* path[0, bytes) is dir's path with a '/' at the end; checked images only. */
static void list_dir(const uint8_t *image, uint32_t d, uint8_t *path, size_t bytes)
{
	const struct initfs_inode *dir = initfs_inode(image, d);

	for (uint64_t i = 0; i < INITFS_DIR_ENTRIES(dir); i++) {
		const struct initfs_dirent *e = initfs_dirent(image, dir, i);
		size_t end = bytes + e->name_bytes;

		memcpy(path + bytes, image + e->name_offset, e->name_bytes);
		print_inode(image, e->inode, path, end);
		if (INITFS_IS_DIR(initfs_inode(image, e->inode)->mode)) {
			path[end] = '/';
			list_dir(image, e->inode, path, end + 1);
		}
	}
}

static int list(const char *path)
{
	static uint8_t tree_path[LIST_PATH_MAX];
	const struct initfs_header *h;
	struct initfs_error e;
	uint8_t *image;
	size_t size;
	int err = read_whole_file(path, &image, &size);

	if (err)
		die(path, "%s", strerror(err));
	if (initfs_check(image, size, &e) < 0) {
		fprintf(stderr, "%s: %s (at %" PRIu64 ")\n", path, e.what, e.where);
		return 1;
	}
	h = initfs_header_of(image);
	printf("image: %" PRIu64 " bytes, %" PRIu32 " inodes, inode table at 0x%" PRIx64 "\n",
	       h->image_bytes, h->inode_count, h->inode_offset);
	printf("bootstrap: %" PRIu64 " bytes, entry 0x%" PRIx64 " (image offset 0x%" PRIx64 ")\n",
	       h->bootstrap_bytes, h->bootstrap_entry + INITFS_LOAD_ADDRESS, h->bootstrap_entry);
	tree_path[0] = '/';
	print_inode(image, INITFS_ROOT_INODE, tree_path, 1);
	list_dir(image, INITFS_ROOT_INODE, tree_path, 1);
	free(image);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("mkinitfs", "writing the listing: %s", strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pack") == 0)
		return pack(argc, argv);
	if (argc == 3 && strcmp(argv[1], "list") == 0)
		return list(argv[2]);
	usage();
}
