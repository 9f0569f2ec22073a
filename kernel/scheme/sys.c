/*
 * sys.c - the `sys:` scheme: read-only facts about the kernel (lab 4,
 * handout §4). Each file's text is made when it is opened (a snapshot).
 * Reading `sys:` itself lists the files, one name per line.
 *
 *   cmdline  the kernel command line, then a newline
 *   uname    "Anode 0.1 x86_64 lab N" (N: the boot's last lab stage)
 *   context  one line per process: "pid ppid state name", a header first
 *   scheme   the registered schemes, one per line
 *   memory   "frames total N free M", "heap blocks B"
 *   maps     (lab 5) every process's user mappings, merged into runs of
 *            pages with the same rights: "PID START-END rwxs" ('-' for a
 *            right it lacks; s: the frames are shared, e.g. the initfs
 *            image; "---" is PROT_NONE), like Linux's /proc/PID/maps
 *   power    (lab 5) an exit status, 0-255, written to it powers off:
 *            every process ends, the leak check runs, and QEMU exits with
 *            that status (program.c). Only pid 1 may open it for writing;
 *            it may pass the fd on (lab 6: init gives it to the shell).
 *            Reading it says how
 */
#include "bootinfo.h"
#include "errno.h"
#include "frame.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "scheme.h"
#include "uaccess.h"
#include "vm.h"

#define SYS_TEXT_BYTES 8192
#define SYS_MAPS_BYTES 32768   /* 64 processes x a dozen runs of pages */

struct sys_file {
	int index;              /* into sys_files; -1 for the directory */
	uint64_t offset;
	struct snapshot *snap;
};

static int sys_boot_lab;

static void sys_cmdline(struct snapshot *s)
{
	snapshot_printf(s, "%s\n", boot_info.cmdline);
}

static void sys_uname(struct snapshot *s)
{
	snapshot_printf(s, "Anode 0.1 x86_64 lab %d\n", sys_boot_lab);
}

static const char *const state_names[] = {
	[PROC_UNUSED] = "unused", [PROC_EMBRYO] = "embryo", [PROC_RUNNABLE] = "runnable",
	[PROC_RUNNING] = "running", [PROC_SLEEPING] = "sleeping", [PROC_ZOMBIE] = "zombie",
};

static void sys_context(struct snapshot *s)
{
	snapshot_printf(s, "PID PPID STATE NAME\n");
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &proc_table[i];

		if (p->state == PROC_UNUSED)
			continue;
		snapshot_printf(s, "%d %d %s %s\n", p->pid, p->parent ? p->parent->pid : 0,
				state_names[p->state], p->name);
	}
}

static void sys_scheme_list(struct snapshot *s)
{
	char names[SCHEME_MAX * (SCHEME_NAME_MAX + 1)];

	snapshot_printf(s, "%.*s", (int)scheme_list(names, sizeof(names)), names);
}

static void sys_memory(struct snapshot *s)
{
	snapshot_printf(s, "frames total %lu free %lu\nheap blocks %lu\n", frame_total_count(),
			frame_free_count(), kmalloc_live_blocks());
}

/* A run of pages with the same rights, being merged (sys_maps). */
struct maps_visit {
	struct pt_visit visit;
	struct snapshot *snap;
	int pid;
	uint64_t start, end, bits;
};

static uint64_t maps_bits(uint64_t pte)
{
	return pte & (PTE_USER | PTE_WRITE | PTE_NX | PTE_SHARED);
}

static void maps_flush(struct maps_visit *m)
{
	bool user = m->bits & PTE_USER;

	if (m->end > m->start)
		snapshot_printf(m->snap, "%d 0x%lx-0x%lx %c%c%c%c\n", m->pid, m->start, m->end,
				user ? 'r' : '-', user && (m->bits & PTE_WRITE) ? 'w' : '-',
				user && !(m->bits & PTE_NX) ? 'x' : '-',
				m->bits & PTE_SHARED ? 's' : '-');
	m->start = m->end = 0;
}

static int maps_leaf(struct pt_visit *visit, uint64_t va, uint64_t *pte)
{
	struct maps_visit *m = (struct maps_visit *)visit;

	if (va != m->end || maps_bits(*pte) != m->bits) {
		maps_flush(m);
		m->start = va;
		m->bits = maps_bits(*pte);
	}
	m->end = va + PAGE_SIZE;
	return 0;
}

static void sys_maps(struct snapshot *s)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &proc_table[i];
		struct maps_visit m = { { .leaf = maps_leaf }, s, p->pid, 0, 0, 0 };

		if (p->state == PROC_UNUSED || p->state == PROC_ZOMBIE || !p->pml4)
			continue;
		pt_visit_range(p->pml4, 0, USER_HALF_END, &m.visit);
		maps_flush(&m);
	}
}

static void sys_power(struct snapshot *s)
{
	snapshot_printf(s, "pid 1 writes an exit status (0-255) here to power off\n");
}

static const struct {
	const char *name;
	void (*fill)(struct snapshot *s);
} sys_files[] = {
	{ "cmdline", sys_cmdline }, { "uname", sys_uname }, { "context", sys_context },
	{ "scheme", sys_scheme_list }, { "memory", sys_memory }, { "power", sys_power },
	{ "maps", sys_maps },
};
#define SYS_POWER_INDEX 5
#define SYS_MAPS_INDEX 6
#define SYS_FILE_COUNT ((int)(sizeof(sys_files) / sizeof(sys_files[0])))

static int sys_open(struct scheme *scheme, const char *path, uint64_t len, unsigned flags,
		    uint64_t *handle)
{
	struct sys_file *f;
	int index = -2;

	bool writing = (flags & O_ACCMODE) != O_RDONLY && (flags & O_ACCMODE) != 0;

	while (len > 0 && path[0] == '/')
		path++, len--;
	if (len == 0)
		index = -1;
	for (int i = 0; i < SYS_FILE_COUNT; i++)
		if (strlen(sys_files[i].name) == len && memcmp(sys_files[i].name, path, len) == 0)
			index = i;
	if (index == -2)
		return -ENOENT;
	/* Only power can be written, and only by pid 1 (init): turning the
	 * machine off is init's decision, never a stray program's. */
	if (writing && index != SYS_POWER_INDEX)
		return -EROFS;
	if (writing && proc_current()->pid != 1)
		return -EPERM;
	if (index >= 0 && (flags & O_DIRECTORY))
		return -ENOTDIR;
	f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->snap = snapshot_new(index == SYS_MAPS_INDEX ? SYS_MAPS_BYTES : SYS_TEXT_BYTES);
	if (!f->snap) {
		kfree(f);
		return -ENOMEM;
	}
	f->index = index;
	f->offset = 0;
	if (index >= 0)
		sys_files[index].fill(f->snap);
	else
		for (int i = 0; i < SYS_FILE_COUNT; i++)
			snapshot_printf(f->snap, "%s\n", sys_files[i].name);
	*handle = (uint64_t)f;
	return 0;
}

static int64_t sys_read(struct file *file, struct user_ptr buf, uint64_t len)
{
	struct sys_file *f = (struct sys_file *)file->handle;

	return snapshot_read(f->snap, &f->offset, buf, len);
}

/* "STATUS" or "STATUS\n", 0-255: pid 1 powers the machine off. */
static int64_t sys_write(struct file *file, struct user_ptr buf, uint64_t len)
{
	uint64_t status;
	int err;

	if (((struct sys_file *)file->handle)->index != SYS_POWER_INDEX)
		return -EROFS;
	err = copy_in_number(buf, len, 255, &status);
	if (err < 0)
		return err;
	program_power_off((int)status); /* returns only if the caller is not pid 1 */
	return (int64_t)len;
}

static int64_t sys_lseek(struct file *file, int64_t offset, int whence)
{
	struct sys_file *f = (struct sys_file *)file->handle;

	return seek_offset(&f->offset, snapshot_size(f->snap), offset, whence);
}

static int sys_fstat(struct file *file, struct stat *st)
{
	struct sys_file *f = (struct sys_file *)file->handle;

	st->st_mode = f->index < 0 ? MODE_DIR | 0555 : MODE_FILE | 0444;
	st->st_size = snapshot_size(f->snap);
	st->st_ino = (uint64_t)(f->index + 2);
	return 0;
}

static int64_t sys_fpath(struct file *file, struct user_ptr buf, uint64_t len)
{
	struct sys_file *f = (struct sys_file *)file->handle;
	char path[32];
	int n = ksnprintf(path, sizeof(path), "sys:%s", f->index < 0 ? "" : sys_files[f->index].name);

	return copy_out_text(buf, len, path, (uint64_t)n);
}

static void sys_close(struct scheme *scheme, uint64_t handle)
{
	struct sys_file *f = (struct sys_file *)handle;

	snapshot_free(f->snap);
	kfree(f);
}

static const struct scheme_ops sys_ops = {
	.open = sys_open,
	.read = sys_read,
	.write = sys_write,
	.lseek = sys_lseek,
	.fstat = sys_fstat,
	.fpath = sys_fpath,
	.close = sys_close,
};

struct scheme sys_scheme = { .name = "sys", .ops = &sys_ops, .refs = 1 };

void sys_scheme_init(int boot_lab)
{
	sys_boot_lab = boot_lab;
}
