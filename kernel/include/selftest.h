/*
 * selftest.h - kernel self-tests chosen with `test=NAME` on the command
 * line (selftest/). Each prints what it did; the grader (grader/) judges
 * the output, which depends on `seed=N` so it cannot be hard-coded.
 */
#ifndef ANODE_SELFTEST_H
#define ANODE_SELFTEST_H

struct selftest {
	int lab;          /* runs once this lab's boot stage is up (main.c) */
	const char *name;
	const char *help;
	int (*run)(void); /* 0 = finished normally */
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

#endif
