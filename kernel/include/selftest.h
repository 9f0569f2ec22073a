/*
 * selftest.h - kernel self-tests chosen with `test=NAME` on the command
 * line (selftest/). Each prints what it did; the grader (grader/) judges
 * the output, which depends on `seed=N` so it cannot be hard-coded.
 */
#ifndef ANODE_SELFTEST_H
#define ANODE_SELFTEST_H

#include <stdbool.h>

/*
 * When a test runs in its lab's stage (main.c). Lab 2's stage is the frame
 * allocator, then the kernel address space, which needs every lab 2
 * exercise; tests of the allocator and of page tables run in between, on
 * boot.asm's page tables, so a student can check each exercise right after
 * writing it. (With memory beyond the boot mapping they run at the end.)
 */
enum selftest_when {
	STAGE_UP,                 /* once the whole stage is up */
	FRAMES_UP,                /* lab 2: frames up, kernel address space not yet */
};

struct selftest {
	int lab;          /* runs once this lab's boot stage is up (main.c) */
	const char *name;
	const char *help;
	int (*run)(void); /* 0 = finished normally */
	enum selftest_when when;
};

/* Returns the named test, or NULL after listing the ones that exist. */
const struct selftest *selftest_find(const char *name);
/* Runs a test; returns its status (0 = finished normally). */
int selftest_run(const struct selftest *test);
void selftest_print_list(void);

/* GDB probe (selftest.c): where the GDB test stops, and what it reads. */
extern char selftest_gdb_word[32];
void selftest_gdb_checkpoint(void);

int selftest_kprintf(void);
int selftest_backtrace(void);
int selftest_panic(void);
int selftest_fault_divide(void);
int selftest_fault_breakpoint(void);
int selftest_fault_invalid_opcode(void);
int selftest_fault_general_protection(void);
int selftest_fault_page(void);
int selftest_fault_segment(void);
int selftest_ksyms(void);
int selftest_backtrace_walk(void);
int selftest_frames(void);
int selftest_frame_double_free(void);
int selftest_module_frames(void);
int selftest_frame_recycle(void);
int selftest_recycled_tables(void);
int selftest_kernel_map(void);
int selftest_walk(void);
int selftest_map_rollback(void);
int selftest_unmap_holes(void);
int selftest_tlb(void);
int selftest_map(void);
int selftest_teardown(void);
int selftest_unmapped(void);
int selftest_write_text(void);
int selftest_nx_heap(void);
int selftest_null(void);
int selftest_stack_overflow(void);
int selftest_heap(void);
int selftest_heap_overflow(void);
int selftest_heap_double_free(void);
int selftest_elf(void);
int selftest_user_guard_read(void);
int selftest_user_guard_exec(void);
int selftest_spawn_no_memory(void);
int selftest_syscall_msrs(void);
int selftest_console_input(void);
int selftest_syscall_dispatch(void);
int selftest_uaccess(void);
int selftest_sched_pick(void);
int selftest_vm_copy(void);
int selftest_initfs_header(void);

/* fake_proc.c: a current process for tests that call process-facing code
 * without user mode (with an empty address space if asked); NULL after
 * saying why. Leaving frees it and everything mapped in its space. */
struct proc;
struct proc *selftest_enter_proc(const char *name, bool with_space);
void selftest_leave_proc(struct proc *p);

#endif
