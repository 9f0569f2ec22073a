/*
 * selftest.h - kernel self-tests chosen with `test=NAME` on the command
 * line (selftest/). Each prints what it did; the grader (grader/) judges
 * the output, which depends on `seed=N` so it cannot be hard-coded.
 */
#ifndef ANODE_SELFTEST_H
#define ANODE_SELFTEST_H

struct selftest {
	const char *name;
	const char *help;
	int (*run)(void); /* 0 = finished normally */
};

/* Runs the named test; returns its status, or -1 if there is no such test. */
int selftest_run(const char *name);
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

#endif
