/*
 * fake_proc.c - a process for self-tests that call process-facing kernel
 * code (the syscall dispatcher, uaccess) without running user code: the
 * test makes it current, calls in, and takes it down again. The scheduler
 * never sees it (it stays EMBRYO) and the boot ends right after the test.
 */
#include "arch/x86_64/cpu.h"
#include "kprintf.h"
#include "proc.h"
#include "selftest.h"
#include "vm.h"

struct proc *selftest_enter_proc(const char *name, bool with_space)
{
	struct proc *p = proc_alloc(name);

	if (!p)
		return kprintf("%s: no process slot\n", name), NULL;
	if (with_space) {
		p->pml4 = vm_create();
		if (!p->pml4) {
			proc_free(p);
			return kprintf("%s: no memory for an address space\n", name), NULL;
		}
	}
	this_cpu()->current = p;
	return p;
}

void selftest_leave_proc(struct proc *p)
{
	this_cpu()->current = NULL;
	proc_free(p);
}
