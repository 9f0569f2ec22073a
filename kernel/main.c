/*
 * main.c - kmain, the first C code (called from arch/x86_64/boot.asm).
 *
 * Brings the machine up in order: console first (so everything after can
 * report), boot information, descriptor tables (so faults are reported
 * instead of triple-faulting), then the banner. What follows depends on
 * the command line: a self-test (test=NAME), or the monitor, a halt or an
 * exit (after=...).
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/user_guard.h"
#include "arch/x86_64/x86.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "console.h"
#include "console_input.h"
#include "errno.h"
#include "frame.h"
#include "kprintf.h"
#include "kstring.h"
#include "memlayout.h"
#include "monitor.h"
#include "proc.h"
#include "random.h"
#include "scheme.h"
#include "selftest.h"
#include "syscall.h"
#include "vm.h"

#define ANODE_VERSION "0.1"

void kmain(uint32_t multiboot_magic, uint32_t multiboot_info);

static int kmain_last_lab(void);

/* Read by the GDB test (grader/test_lab1_boot.py) and `make gdb` users. */
uint32_t boot_multiboot_magic;

static void kmain_print_banner(uint64_t tsc_at_entry)
{
	kprintf("\nAnode %s (x86_64) - a teaching microkernel\n", ANODE_VERSION);
	kprintf("boot: loader '%s', cmdline '%s'\n", boot_info.loader_name, boot_info.cmdline);
	kprintf("boot: kernel at 0x%lx-0x%lx (physical 0x%lx), %lu KiB\n",
		(uint64_t)kernel_text_start, (uint64_t)kernel_end, V2P(kernel_text_start),
		((uint64_t)kernel_end - (uint64_t)kernel_phys_start - KERNEL_VMA) / 1024);
	/* Under ICOUNT=1 the time-stamp counter counts guest instructions. */
	kprintf("boot: tsc %lu at kmain, %lu at banner\n", tsc_at_entry, rdtsc());
}

static void kmain_seed(void)
{
	const char *seed = cmdline_get("seed");
	uint64_t value = 1;

	if (seed)
		str_to_u64(seed, &value);
	random_seed(value);
}

NORETURN static void kmain_after_boot(void)
{
	const char *after = cmdline_get("after");
	const char *run = cmdline_get("run");

	if (run && kmain_last_lab() >= 3) {
		if (proc_spawn_program(run, cmdline_get("arg")) < 0)
			machine_exit(EXIT_CODE_FAILURE);
		sched_run();
	}
	/* Lab 5: user space starts itself from the initfs image. A missing or
	 * broken image was reported in one line; a broken one fails the run,
	 * a missing one leaves the boot to after= or the monitor, as before. */
	if (!run && kmain_last_lab() >= 5) {
		int err = proc_spawn_bootstrap();

		if (err == 0)
			sched_run();
		if (err != -ENOENT)
			machine_exit(EXIT_CODE_FAILURE);
	}

	if (after && strcmp(after, "exit") == 0) {
		kprintf("boot: done, exiting\n");
		machine_exit(EXIT_CODE_SUCCESS);
	}
	if (after && strcmp(after, "halt") == 0) {
		kprintf("boot: done, halting\n");
		machine_halt();
	}
	monitor_run();
}

/*
 * Each lab adds a stage to the kernel's bring-up (lab 1: console and
 * traps). The kernel brings up the stages of labs 1..N, where N is `lab=`
 * or the lab this tree was built for (ANODE_LAB, from labs/current), and a
 * lab-K self-test runs as soon as stage K is up: a lab's tests never run
 * code from later labs, which on that lab's branch is still a stub.
 */
static int kmain_last_lab(void)
{
	const char *lab = cmdline_get("lab");
	uint64_t value = ANODE_LAB;

	if (lab)
		str_to_u64(lab, &value);
	return (int)value;
}

NORETURN static void kmain_run_selftest(const struct selftest *test)
{
	int status = selftest_run(test);

	kprintf("selftest: %s finished with status %d\n", test->name, status);
	machine_exit(status == 0 ? EXIT_CODE_SUCCESS : EXIT_CODE_FAILURE);
}

/* Runs a FRAMES_UP test, if that is the test, while only the
 * first gigabyte (boot.asm's direct map) holds memory it can touch. */
static void kmain_frames_up(const struct selftest *test)
{
	if (!test || test->when != FRAMES_UP)
		return;
	if (frame_physical_top() > BOOT_MAPPED_BYTES) {
		kprintf("boot: memory beyond the boot mapping: %s runs once lab 2's stage is up\n",
			test->name);
		return;
	}
	kprintf("boot: lab 2 frames up, on the boot page tables (%lu frames free)\n",
		frame_free_count());
	kmain_run_selftest(test);
}

/* Brings up what lab `lab` added (lab 1's stage is the start of kmain). */
static void kmain_bring_up(int lab, const struct selftest *test)
{
	unsigned guard;

	switch (lab) {
	case 2:
		frame_init();
		kmain_frames_up(test);
		kernel_vm_init();
		kprintf("boot: lab 2 stage up: %lu of %lu frames free, %lu KiB of frame bookkeeping\n",
			frame_free_count(), frame_total_count(), frame_overhead_bytes() / 1024);
		break;
	case 3:
		cpu_syscall_init();
		syscall_trace_init();
		proc_init();
		pic_init();
		pit_init();
		console_input_init();
		guard = user_guard_enable();
		kprintf("boot: lab 3 stage up: system calls, %d process slots, %d Hz timer, "
			"SMEP %s, SMAP %s\n", NPROC, TIMER_HZ, guard & USER_GUARD_SMEP ? "on" : "off",
			guard & USER_GUARD_SMAP ? "on" : "off");
		break;
	case 4:
		scheme_init(kmain_last_lab());
		kprintf("boot: lab 4 stage up: schemes root, debug, pipe, sys; %d fds per process\n",
			FD_MAX);
		break;
	case 5:
		exec_init();
		scheme_register(&prog_scheme);
		initfs_image_check();
		kprintf("boot: lab 5 stage up: fexec, prog:\n");
		break;
	case 6:
		shm_init();
		kprintf("boot: lab 6 stage up: fmap through user schemes\n");
		break;
	default:
		break;
	}
}

NORETURN void kmain(uint32_t multiboot_magic, uint32_t multiboot_info)
{
	uint64_t tsc_at_entry = rdtsc();
	const char *test_name;
	const struct selftest *test = NULL;

	boot_multiboot_magic = multiboot_magic;
	console_init();
	if (multiboot_parse(multiboot_magic, multiboot_info) < 0)
		panic("not booted by a multiboot loader (magic 0x%x)", multiboot_magic);
	gdt_init();
	idt_init();
	kmain_print_banner(tsc_at_entry);
	cmdline_parse(boot_info.cmdline);
	kmain_seed();
	bootinfo_print_memory_map();
	test_name = cmdline_get("test");
	if (test_name && !(test = selftest_find(test_name)))
		machine_exit(EXIT_CODE_FAILURE);
	kprintf("boot: lab 1 stage up (kernel built for labs 1-%d, bringing up 1-%d)\n", ANODE_LAB,
		kmain_last_lab());
	if (test && test->lab > kmain_last_lab()) {
		kprintf("selftest: %s needs lab %d, but this boot stops at lab %d\n", test->name,
			test->lab, kmain_last_lab());
		machine_exit(EXIT_CODE_FAILURE);
	}
	for (int lab = 2; lab <= kmain_last_lab() && !(test && test->lab < lab); lab++)
		kmain_bring_up(lab, test && test->lab == lab ? test : NULL);
	kprintf("boot: tsc %lu when up\n", rdtsc());
	if (test)
		kmain_run_selftest(test);
	kmain_after_boot();
}
