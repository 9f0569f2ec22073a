/*
 * power.h - leaving the machine (power.c).
 *
 * Under QEMU, machine_exit() ends QEMU through the isa-debug-exit device,
 * whose exit status is (code << 1) | 1: 1 = success, 3 = failure, 5 = panic,
 * 129 + 2s = user power-off with status s (lab 5).
 * The grader reads the status to tell how a run ended.
 */
#ifndef ANODE_POWER_H
#define ANODE_POWER_H

#include "compiler.h"

#define EXIT_CODE_SUCCESS 0
#define EXIT_CODE_FAILURE 1
#define EXIT_CODE_PANIC 2
/* pid 1 powered off through sys:power with status 1-255 (lab 5): 0x40 +
 * the status, 63 standing for 63 or more (QEMU's status is one byte). */
#define EXIT_CODE_USER_BASE 0x40
#define EXIT_CODE_USER(status) (EXIT_CODE_USER_BASE + ((status) > 63 ? 63 : (status)))

NORETURN void machine_exit(int code);
NORETURN void machine_reboot(void);
NORETURN void machine_halt(void);

#endif
