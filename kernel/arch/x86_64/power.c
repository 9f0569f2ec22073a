/*
 * power.c - stopping, exiting and rebooting the machine.
 * On real hardware the debug-exit port does nothing, so each function falls
 * back to halting forever with interrupts off.
 */
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define KBC_COMMAND_PORT 0x64
#define KBC_PULSE_RESET 0xfe

NORETURN void machine_halt(void)
{
	interrupts_disable();
	for (;;)
		cpu_halt();
}

NORETURN void machine_exit(int code)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	machine_halt();
}

/* Pulses the CPU reset line through the keyboard controller. With
 * -no-reboot, QEMU exits instead of restarting. */
NORETURN void machine_reboot(void)
{
	outb(KBC_COMMAND_PORT, KBC_PULSE_RESET);
	machine_halt();
}
