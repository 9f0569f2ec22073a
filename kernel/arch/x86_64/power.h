/*
 * power.h - leaving the machine (power.c).
 *
 * Under QEMU, machine_exit() ends QEMU through the isa-debug-exit device,
 * whose exit status is (code << 1) | 1: 1 = success, 3 = failure, 5 = panic.
 * The grader reads the status to tell how a run ended.
 */
#ifndef ANODE_POWER_H
#define ANODE_POWER_H

#include "compiler.h"

#define EXIT_CODE_SUCCESS 0
#define EXIT_CODE_FAILURE 1
#define EXIT_CODE_PANIC 2

NORETURN void machine_exit(int code);
NORETURN void machine_reboot(void);
NORETURN void machine_halt(void);

#endif
