/*
 * exec.c - fexec(fd, args, argc, vars, varc): the calling process runs a
 * new program, read through an open file (lab 5, handout §2).
 *
 * The program is read *through the fd*, with the fd's scheme's own read
 * and lseek, so exec works on any scheme: `initfs:` (a user daemon), or a
 * daemon serving files it makes up. Arguments and environment come as
 * arrays of {pointer, length} pairs (Redox style; no NUL-terminated
 * strings cross the boundary) and land on the new stack the way crt0
 * (user/lib/crt0.asm) expects:
 *
 *   USER_STACK_TOP -> | the strings, each with a NUL added           |
 *                     | NULL, vars[varc-1] ... vars[0]               |
 *                     | NULL, args[argc-1] ... args[0]               |
 *              rsp -> | argc                      (16-byte aligned)  |
 *
 * The new address space is built completely beside the old one, with the
 * process's pml4 pointing at the new one only while the file is read into
 * it (the scheme's read copies to "the caller's memory", which is then the
 * new space). Any error puts the old space back and returns: the caller
 * keeps running. Only then are close-on-exec fds closed and the old space
 * freed. The pid, the parent and the other fds stay.
 */
#include "abi.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/x86.h"
#include "compiler.h"
#include "elf.h"
#include "errno.h"
#include "file.h"
#include "kmalloc.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "proc.h"
#include "scheme.h"
#include "uaccess.h"
#include "vm.h"

/* Strings (each with its NUL) and the two pointer arrays together. */
#define EXEC_ARG_MAX (16 * 1024)
/* Headers are read through a scratch page at the bottom of the new stack. */
#define EXEC_SCRATCH_VA (USER_STACK_TOP - USER_STACK_BYTES)

/* The arguments, copied into the kernel before anything else happens. */
struct exec_args {
	uint64_t argc, varc;
	uint64_t lens[EXEC_ARG_MAX / 8];  /* each string's length, NUL included */
	char text[EXEC_ARG_MAX];          /* the strings, NUL-terminated, back to back */
	uint64_t text_bytes;
};

/* A file read through its fd, by the process that called fexec. */
struct exec_fd_source {
	struct elf_source src;
	struct file *file;
};

static bool exec_ready;

/* Lab 5's stage: until it is up, fexec is -ENOSYS (a lab 4 boot never
 * reaches lab 5's code, stubbed or not). */
void exec_init(void)
{
	exec_ready = true;
}

/* A {pointer, length} pair, as user space passes each argument. */
struct exec_pair {
	uint64_t addr;
	uint64_t len;
};

static int exec_copy_strings(struct exec_args *a, struct user_ptr pairs, uint64_t count,
			     uint64_t first)
{
	for (uint64_t i = 0; i < count; i++) {
		struct exec_pair pair;

		if (copy_from_user(&pair, user_ptr_add(pairs, i * sizeof(pair)), sizeof(pair)) < 0)
			return -EFAULT;
		/* The pointers (argc + varc + 3 words) count against the limit too. */
		if (pair.len >= EXEC_ARG_MAX ||
		    a->text_bytes + pair.len + 1 + 8 * (a->argc + a->varc + 3) > EXEC_ARG_MAX)
			return -E2BIG;
		if (copy_from_user(a->text + a->text_bytes, user_ptr(pair.addr), pair.len) < 0)
			return -EFAULT;
		a->text[a->text_bytes + pair.len] = '\0';
		a->text_bytes += pair.len + 1;
		a->lens[first + i] = pair.len + 1;
	}
	return 0;
}

static int exec_copy_args(struct exec_args *a, struct user_ptr args, uint64_t argc,
			  struct user_ptr vars, uint64_t varc)
{
	int err;

	/* Every string takes at least its NUL and its pointer: 9 bytes. */
	if (argc > EXEC_ARG_MAX / 9 || varc > EXEC_ARG_MAX / 9 ||
	    argc + varc > EXEC_ARG_MAX / 9)
		return -E2BIG;
	a->argc = argc;
	a->varc = varc;
	err = exec_copy_strings(a, args, argc, 0);
	return err < 0 ? err : exec_copy_strings(a, vars, varc, argc);
}

/* Reads [offset, offset + len) of the file to user address va of the
 * current space (the new one, while loading), looping over short reads. */
static int exec_read_to_user(struct file *f, uint64_t va, uint64_t offset, uint64_t len)
{
	// LAB 5.1 BEGIN: lseek to offset (SEEK_SET), read until len bytes or 0 (-ENOEXEC); handout §2
	const struct scheme_ops *ops = f->scheme->ops;
	int64_t got;

	if (!ops->lseek || !ops->read)
		return -ENOEXEC; /* a file that cannot seek or read is no program */
	got = ops->lseek(f, (int64_t)offset, SEEK_SET);
	if (got < 0)
		return (int)got;
	if ((uint64_t)got != offset)
		return -ENOEXEC;
	while (len > 0) {
		got = ops->read(f, user_ptr(va), len);
		if (got < 0)
			return (int)got;
		if (got == 0 || (uint64_t)got > len)
			return -ENOEXEC; /* shorter than its headers say */
		va += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
	// LAB 5.1 STUB
	// (void)f, (void)va, (void)offset, (void)len;
	// lab_not_implemented(5, "exec_read_to_user");
	// LAB 5.1 END
}

static int exec_fd_fill(struct elf_source *src, uint64_t pml4, uint64_t va, uint64_t offset,
			uint64_t len)
{
	(void)pml4; /* the current space is pml4 while loading */
	return exec_read_to_user(((struct exec_fd_source *)src)->file, va, offset, len);
}

/* Headers go through the scratch page (mapped by exec_map_stack). */
static int exec_fd_read(struct elf_source *src, void *dst, uint64_t offset, uint64_t len)
{
	int err;

	if (len > PAGE_SIZE)
		return -ENOEXEC;
	err = exec_read_to_user(((struct exec_fd_source *)src)->file, EXEC_SCRATCH_VA, offset, len);
	if (err < 0)
		return err;
	return copy_from_user(dst, user_ptr(EXEC_SCRATCH_VA), len);
}

/* Maps the new program's stack, zeroed and writable. */
static int exec_map_stack(uint64_t pml4)
{
	return vm_map_fresh(pml4, USER_STACK_TOP - USER_STACK_BYTES, USER_STACK_BYTES,
			    VM_USER | VM_WRITE);
}

/*
 * Writes the strings and the argc/args/vars block (see the top of the file)
 * into the new space pml4; returns the initial rsp.
 */
static uint64_t exec_build_stack(uint64_t pml4, const struct exec_args *a)
{
	// LAB 5.2 BEGIN: strings at the top, then argc, args, NULL, vars, NULL below; rsp 16-aligned
	uint64_t words = 1 + a->argc + 1 + a->varc + 1;
	uint64_t strings = USER_STACK_TOP - ALIGN_UP(a->text_bytes, 16);
	uint64_t sp = ALIGN_DOWN(strings - 8 * words, 16);
	uint64_t at = strings, slot = sp + 8;

	copy_to_space(pml4, strings, a->text, a->text_bytes);
	copy_to_space(pml4, sp, &a->argc, 8);
	/* Each list ends in a NULL word, already there: the stack is zeroed. */
	for (uint64_t i = 0; i < a->argc + a->varc; i++, slot += 8) {
		if (i == a->argc)
			slot += 8;
		copy_to_space(pml4, slot, &at, 8);
		at += a->lens[i];
	}
	return sp;
	// LAB 5.2 STUB
	// (void)pml4, (void)a;
	// lab_not_implemented(5, "exec_build_stack");
	// LAB 5.2 END
}

/* Loads the file into the new space; the current space is `space` meanwhile. */
static int exec_load(struct proc *p, uint64_t space, struct file *f, uint64_t *entry)
{
	struct exec_fd_source source = { { exec_fd_read, exec_fd_fill, UINT64_MAX }, f };
	uint64_t old = p->pml4;
	struct stat st = { 0 };
	int err;

	if (f->scheme->ops->fstat && f->scheme->ops->fstat(f, &st) == 0) {
		if ((st.st_mode & MODE_TYPE) == MODE_DIR)
			return -EACCES; /* as POSIX execve: not a regular file */
		if ((st.st_mode & MODE_TYPE) == MODE_FILE)
			source.src.size = st.st_size;
	}
	err = exec_map_stack(space);
	if (err < 0)
		return err;
	p->pml4 = space;
	err = elf_load(space, &source.src, entry);
	/* A read from a daemon sleeps, and the switch back loaded CR3 from
	 * p->pml4: the old space must be the live one again. */
	p->pml4 = old;
	write_cr3(old);
	return err;
}

/* The point of no return: the new program replaces the old one. */
static void exec_commit(struct proc *p, uint64_t space, uint64_t entry, uint64_t sp,
			const struct exec_args *a)
{
	uint64_t old = p->pml4;
	struct trap_frame *tf = p->tf;

	for (int fd = 0; fd < FD_MAX; fd++)
		if (p->files.cloexec & (1UL << fd))
			fd_close(&p->files, fd);
	p->pml4 = space;
	write_cr3(space);
	vm_destroy(old);
	p->mmap_next = USER_MMAP_BASE;
	if (a->argc > 0) {
		const char *name = a->text;

		for (const char *c = a->text; *c; c++)
			if (*c == '/')
				name = c + 1;
		strlcpy(p->name, name, sizeof(p->name));
	}
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = sp;
	tf->rflags = RFLAGS_IF | 0x2;
	tf->cs = GDT_USER_CODE;
	tf->ss = GDT_USER_DATA;
}

int proc_exec(int64_t fd, struct user_ptr args, uint64_t argc, struct user_ptr vars,
	      uint64_t varc)
{
	struct proc *p = proc_current();
	struct file *f = fd_lookup(&p->files, fd);
	struct exec_args *a;
	uint64_t space, entry = 0, sp;
	int err;

	if (!exec_ready)
		return -ENOSYS;
	if (!f)
		return -EBADF;
	/* A daemon's bounce pages live in its address space: it answers its
	 * requests before it may replace that space. */
	for (int i = 0; i < BOUNCE_SLOTS / 64; i++)
		if (p->bounce_used[i])
			return -EBUSY;
	a = kmalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	err = exec_copy_args(a, args, argc, vars, varc);
	space = err < 0 ? 0 : vm_create();
	if (err == 0 && !space)
		err = -ENOMEM;
	if (err == 0) {
		file_get(f); /* the read may sleep; a sibling may close the fd meanwhile */
		err = exec_load(p, space, f, &entry);
		file_put(f);
	}
	if (err < 0) {
		if (space)
			vm_destroy(space);
		kfree(a);
		return err;
	}
	sp = exec_build_stack(space, a);
	exec_commit(p, space, entry, sp, a);
	kfree(a);
	return 0;
}
