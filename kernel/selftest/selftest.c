/*
 * selftest.c - the list of kernel self-tests and the GDB probe.
 * Tests live next to each other in selftest/, one file per subject; the
 * grader's test modules (grader/test_lab*.py) say what each must print.
 */
#include "compiler.h"
#include "kprintf.h"
#include "kstring.h"
#include "random.h"
#include "selftest.h"

/*
 * GDB probe: grader/test_lab1_boot.py breaks at selftest_gdb_checkpoint
 * and reads selftest_gdb_word, which holds a seed-dependent number
 * formatted by kprintf's engine.
 */
char selftest_gdb_word[32];

NOINLINE void selftest_gdb_checkpoint(void)
{
	compiler_barrier();
}

static int selftest_gdb(void)
{
	ksnprintf(selftest_gdb_word, sizeof(selftest_gdb_word), "%lx", random_next());
	selftest_gdb_checkpoint();
	kprintf("gdb-test: done\n");
	return 0;
}

static const struct selftest selftests[] = {
	{ 1, "kprintf", "format seeded numbers and strings with every conversion", selftest_kprintf,
	  STAGE_UP },
	{ 1, "backtrace", "print a backtrace from a seeded recursion depth", selftest_backtrace,
	  STAGE_UP },
	{ 1, "backtrace-walk", "walk seeded frame chains broken in every way", selftest_backtrace_walk,
	  STAGE_UP },
	{ 1, "ksyms", "look up seeded addresses in and around kernel text", selftest_ksyms,
	  STAGE_UP },
	{ 1, "panic", "panic with a seeded message", selftest_panic, STAGE_UP },
	{ 1, "fault-divide", "divide by zero (#DE)", selftest_fault_divide, STAGE_UP },
	{ 1, "fault-breakpoint", "int3 (#BP), then resume", selftest_fault_breakpoint, STAGE_UP },
	{ 1, "fault-invalid-opcode", "ud2 (#UD) with seeded registers", selftest_fault_invalid_opcode,
	  STAGE_UP },
	{ 1, "fault-gp", "load from a seeded non-canonical address (#GP)",
	  selftest_fault_general_protection, STAGE_UP },
	{ 1, "fault-page", "touch a seeded unmapped address (#PF)", selftest_fault_page, STAGE_UP },
	{ 1, "fault-segment", "load a seeded bad selector (#GP with an error code)",
	  selftest_fault_segment, STAGE_UP },
	{ 1, "gdb", "fill selftest_gdb_word, stop at selftest_gdb_checkpoint", selftest_gdb,
	  STAGE_UP },
	{ 2, "mem-frames", "allocate and free every frame", selftest_frames, FRAMES_UP },
	{ 2, "mem-frame-double-free", "free a frame twice (panics)", selftest_frame_double_free,
	  FRAMES_UP },
	{ 2, "mem-module-frames", "boot module frames are held once, never freed",
	  selftest_module_frames, FRAMES_UP },
	{ 2, "mem-map", "map, alias, protect, unmap seeded pages", selftest_map, FRAMES_UP },
	{ 2, "mem-teardown", "destroy an address space, count its tables", selftest_teardown,
	  FRAMES_UP },
	{ 2, "mem-unmapped", "read a page after unmapping it (#PF)", selftest_unmapped, FRAMES_UP },
	{ 2, "mem-write-text", "write into kernel text (#PF)", selftest_write_text, STAGE_UP },
	{ 2, "mem-nx-heap", "execute from the heap (#PF)", selftest_nx_heap, STAGE_UP },
	{ 2, "mem-null", "read near address 0 (#PF)", selftest_null, STAGE_UP },
	{ 2, "mem-stack-overflow", "overflow the boot stack into its guard (#DF)",
	  selftest_stack_overflow, STAGE_UP },
	{ 2, "mem-heap", "seeded kmalloc/kfree stress", selftest_heap, STAGE_UP },
	{ 2, "mem-heap-overflow", "write past a kmalloc block (panics)", selftest_heap_overflow,
	  STAGE_UP },
	{ 2, "mem-heap-double-free", "kfree a block twice (panics)", selftest_heap_double_free,
	  STAGE_UP },
	{ 2, "mem-frame-recycle", "freed frames come back zeroed, each once", selftest_frame_recycle,
	  FRAMES_UP },
	{ 2, "mem-kernel-map", "print every kernel mapping and table entry, CR0.WP, EFER.NXE",
	  selftest_kernel_map, STAGE_UP },
	{ 2, "mem-walk", "pt_walk: create only when asked, P W U tables, NULL under huge pages",
	  selftest_walk, FRAMES_UP },
	{ 2, "mem-map-rollback", "a failed vm_map_range (-EEXIST, -ENOMEM) leaves nothing behind",
	  selftest_map_rollback, FRAMES_UP },
	{ 2, "mem-unmap-holes", "unmap a 4 GiB range with holes at every level", selftest_unmap_holes,
	  FRAMES_UP },
	{ 2, "mem-recycled-tables", "page tables built from scribbled, freed frames start empty",
	  selftest_recycled_tables, FRAMES_UP },
	{ 2, "mem-tlb", "remapped pages never read through a stale translation", selftest_tlb,
	  FRAMES_UP },
	{ 3, "elf-checks", "the ELF loader refuses malformed images", selftest_elf, STAGE_UP },
	{ 3, "user-guard-read", "read a user page from the kernel (#PF with SMAP)",
	  selftest_user_guard_read, STAGE_UP },
	{ 3, "user-guard-exec", "run a user page from the kernel (#PF with SMEP)",
	  selftest_user_guard_exec, STAGE_UP },
	{ 3, "syscall-dispatch", "call syscall_dispatch on hand-made frames (no user mode)",
	  selftest_syscall_dispatch, STAGE_UP },
	{ 3, "uaccess", "copy to and from a test address space: every kind of bad range",
	  selftest_uaccess, STAGE_UP },
	{ 3, "vm-copy", "fork's copy of an address space: new frames, same bytes and bits",
	  selftest_vm_copy, STAGE_UP },
	{ 3, "sched-pick", "round-robin picks among processes in seeded states", selftest_sched_pick,
	  STAGE_UP },
	{ 3, "syscall-msrs", "print the syscall MSRs (EFER, STAR, LSTAR, SFMASK, GS)",
	  selftest_syscall_msrs, STAGE_UP },
	{ 3, "spawn-no-memory", "start a program with memory running out", selftest_spawn_no_memory,
	  STAGE_UP },
	{ 3, "console-input", "receive typed bytes by IRQ 4, in order; overflow drops the newest",
	  selftest_console_input, STAGE_UP },
	{ 5, "initfs-header", "seeded garbage initfs headers: what is accepted is safe to start",
	  selftest_initfs_header, STAGE_UP },
};

const struct selftest *selftest_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(selftests); i++)
		if (strcmp(selftests[i].name, name) == 0)
			return &selftests[i];
	kprintf("selftest: no test called '%s'\n", name);
	selftest_print_list();
	return NULL;
}

int selftest_run(const struct selftest *test)
{
	kprintf("selftest: running %s\n", test->name);
	return test->run();
}

void selftest_print_list(void)
{
	kprintf("self-tests (test=NAME):\n");
	for (size_t i = 0; i < ARRAY_SIZE(selftests); i++)
		kprintf("  %-22s lab %d: %s\n", selftests[i].name, selftests[i].lab, selftests[i].help);
}
