/*
 * monitor.c - a tiny command interpreter on the serial console, entered
 * when the kernel has nothing else to do (after=monitor, the lab 1
 * default). Useful for poking at a running kernel; the grader also uses it
 * to test serial input. Type `help` for the commands.
 */
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "backtrace.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "console.h"
#include "kprintf.h"
#include "kstring.h"
#include "monitor.h"
#include "proc.h"
#include "selftest.h"

#define MONITOR_LINE_BYTES 128
#define MONITOR_MAX_ARGS 8

struct monitor_command {
	const char *name;
	const char *help;
	void (*run)(int argc, char **argv);
};

static void monitor_help(int argc, char **argv);

static void monitor_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
	kprintf("\n");
}

static void monitor_backtrace(int argc, char **argv)
{
	(void)argc, (void)argv;
	backtrace_print();
}

static void monitor_regs(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("cr0=0x%016lx cr3=0x%016lx cr4=0x%016lx\n", read_cr0(), read_cr3(), read_cr4());
	kprintf("efer=0x%016lx rflags=0x%016lx rbp=0x%016lx\n", rdmsr(MSR_EFER), read_rflags(),
		read_rbp());
}

static void monitor_mem(int argc, char **argv)
{
	(void)argc, (void)argv;
	bootinfo_print_memory_map();
}

static void monitor_cmdline(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("cmdline: '%s'\n", boot_info.cmdline);
	kprintf("cmdline: %d words for user space: '%s'\n", cmdline_user_word_count(),
		cmdline_user_words());
	cmdline_print_help();
	selftest_print_list();
	program_print_list();
}

static void monitor_exit(int argc, char **argv)
{
	uint64_t code = 0;

	if (argc > 1 && (str_to_u64(argv[1], &code) != 0 || code > 0x7fffffff)) {
		kprintf("exit: '%s' is not a status\n", argv[1]);
		return;
	}
	kprintf("exit: status %lu\n", code);
	machine_exit((int)code);
}

static void monitor_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("rebooting\n");
	machine_reboot();
}

static const struct monitor_command monitor_commands[] = {
	{ "help", "list commands", monitor_help },
	{ "echo", "echo ARGS: print the arguments", monitor_echo },
	{ "backtrace", "print the monitor's own backtrace", monitor_backtrace },
	{ "regs", "show control registers and EFER", monitor_regs },
	{ "mem", "show the boot memory map", monitor_mem },
	{ "cmdline", "show the command line and the options and self-tests", monitor_cmdline },
	{ "exit", "exit [N]: leave QEMU with status N (default 0)", monitor_exit },
	{ "reboot", "reset the machine (QEMU -no-reboot exits)", monitor_reboot },
};

static void monitor_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(monitor_commands); i++)
		kprintf("  %-10s %s\n", monitor_commands[i].name, monitor_commands[i].help);
}

/* Splits line in place at spaces; returns the number of words. */
static int monitor_split(char *line, char **argv, int max)
{
	int argc = 0;

	while (*line && argc < max) {
		while (*line == ' ')
			*line++ = '\0';
		if (!*line)
			break;
		argv[argc++] = line;
		while (*line && *line != ' ')
			line++;
	}
	return argc;
}

static void monitor_execute(char *line)
{
	char *argv[MONITOR_MAX_ARGS];
	int argc = monitor_split(line, argv, MONITOR_MAX_ARGS);

	if (argc == 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(monitor_commands); i++) {
		if (strcmp(argv[0], monitor_commands[i].name) == 0) {
			monitor_commands[i].run(argc, argv);
			return;
		}
	}
	kprintf("unknown command '%s'; try 'help'\n", argv[0]);
}

NORETURN void monitor_run(void)
{
	char line[MONITOR_LINE_BYTES];

	kprintf("monitor: type 'help' for commands\n");
	for (;;) {
		kprintf("anode> ");
		console_readline(line, sizeof(line));
		monitor_execute(line);
	}
}
