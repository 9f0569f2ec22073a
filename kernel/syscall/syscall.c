/*
 * syscall.c - from the syscall instruction to a handler (lab 3, handout §2).
 *
 * syscall_entry.asm saves the user registers and calls syscall_dispatch.
 * The number in rax is a Redox number: class bits plus a base number
 * (abi.h). The table, generated from syscall.def, is indexed by the base
 * number and remembers the full number, so a call with the right base but
 * the wrong class bits is as unknown as a number that does not exist:
 * both get -ENOSYS; so does a number whose slot is empty (a NULL handler:
 * the empty slot's number is 0). `strace` on the command line prints every
 * call.
 */
#include "cmdline.h"
#include "compiler.h"
#include "errno.h"
#include "kprintf.h"
#include "proc.h"
#include "syscall.h"

#define SYSCALL_TABLE_SIZE 1024

struct syscall_entry {
	uint64_t number;
	const char *name;
	int64_t (*handler)(const struct syscall_args *args);
};

static const struct syscall_entry syscall_table[SYSCALL_TABLE_SIZE] = {
#define SYSCALL(name, number, nargs) \
	[(number) & SYS_BASE_MASK] = { (number), #name, sys_##name },
#include "syscall.def"
#undef SYSCALL
};

static bool syscall_trace;

/*
 * The table entry for number, or NULL. The base can name up to 0xffff
 * entries but the table has SYSCALL_TABLE_SIZE: a base past its end would
 * read whatever follows the table (and call through it if it matched).
 */
static const struct syscall_entry *syscall_lookup(uint64_t number)
{
	uint64_t base = number & SYS_BASE_MASK;

	if (number > UINT32_MAX || base >= SYSCALL_TABLE_SIZE)
		return NULL;
	return &syscall_table[base];
}

void syscall_trace_init(void)
{
	syscall_trace = cmdline_get("strace") != NULL;
}

void syscall_dispatch(struct trap_frame *tf)
{
	struct proc *p = proc_current();
	uint64_t number = tf->rax;
	const struct syscall_entry *entry = syscall_lookup(number);

	// LAB 3.2 BEGIN: six argument registers; call entry if its full number matches; handout §2
	struct syscall_args args = { { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 }, tf };

	if (!entry || !entry->handler || entry->number != number)
		tf->rax = (uint64_t)-ENOSYS;
	else
		tf->rax = (uint64_t)entry->handler(&args);
	// LAB 3.2 STUB
	// lab_not_implemented(3, "syscall_dispatch");
	// LAB 3.2 END
	if (syscall_trace)
		kprintf("strace: pid %d %s(0x%lx, 0x%lx, 0x%lx) = %ld\n", p->pid,
			entry && entry->handler && entry->number == number ? entry->name : "?",
			tf->rdi, tf->rsi, tf->rdx, (int64_t)tf->rax);
	/* A process killed while in the kernel dies on its way out. */
	if (p->killed)
		proc_exit(WAIT_KILLED(SIGKILL));
}
