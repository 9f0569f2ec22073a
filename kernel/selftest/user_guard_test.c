/*
 * user_guard_test.c - lab 3 self-tests of the kernel's side of the user
 * boundary:
 *   user-guard-read   the kernel reads a user page directly, not through
 *                     uaccess: with SMAP on this is a page fault (the
 *                     kernel's report ends the run), never a value;
 *   user-guard-exec   the kernel calls code in a user page: with SMEP on,
 *                     a page fault on the fetch;
 *   spawn-no-memory   proc_spawn_program with memory running out at every
 *                     step it can fail at: each failure gives -ENOMEM and
 *                     leaves no process slot and no frame behind.
 * The user page sits at a seeded address in a fresh address space.
 */
#include "arch/x86_64/x86.h"
#include "errno.h"
#include "frame.h"
#include "kprintf.h"
#include "memlayout.h"
#include "proc.h"
#include "random.h"
#include "selftest.h"
#include "vm.h"

#define GUARD_TEST_WINDOW (1UL << 30) /* the user page falls in [1 GiB, 2 GiB) */
#define SPAWN_TEST_MAX_FRAMES 64      /* more than one spawn of `hello` needs */

static uint64_t guard_test_space;

/* A fresh address space, now in CR3, with one user page (flags) at a seeded address. */
static uint64_t guard_test_map_user_page(unsigned flags, uint64_t *pa_out)
{
	uint64_t va = GUARD_TEST_WINDOW + (random_next() % GUARD_TEST_WINDOW & ~(PAGE_SIZE - 1));
	uint64_t pa = frame_alloc();

	guard_test_space = vm_create();
	if (!pa || !guard_test_space || vm_map_range(guard_test_space, va, pa, PAGE_SIZE, flags) < 0)
		panic("user-guard test: out of memory");
	write_cr3(guard_test_space);
	*pa_out = pa;
	return va;
}

int selftest_user_guard_read(void)
{
	uint64_t pa, va = guard_test_map_user_page(VM_USER | VM_WRITE, &pa), value;

	*(uint64_t *)P2V(pa) = random_next(); /* through the direct map: allowed */
	kprintf("user-guard-test: reading user page 0x%lx from the kernel\n", va);
	value = *(volatile uint64_t *)va;
	kprintf("user-guard-test: read 0x%lx: the kernel can read user pages (SMAP is off)\n", value);
	write_cr3(kernel_pml4());
	vm_destroy(guard_test_space);
	return 1;
}

int selftest_user_guard_exec(void)
{
	uint64_t pa, va = guard_test_map_user_page(VM_USER | VM_EXEC, &pa);

	*(uint8_t *)P2V(pa) = 0xc3; /* ret */
	kprintf("user-guard-test: calling user page 0x%lx from the kernel\n", va);
	((void (*)(void))va)();
	kprintf("user-guard-test: returned: the kernel can run user code (SMEP is off)\n");
	write_cr3(kernel_pml4());
	vm_destroy(guard_test_space);
	return 1;
}

/* Takes every free frame; returns them as a list linked through their first word. */
static uint64_t spawn_test_take_all_frames(void)
{
	uint64_t list = 0, pa;

	while ((pa = frame_alloc()) != 0) {
		*(uint64_t *)P2V(pa) = list;
		list = pa;
	}
	return list;
}

/* Gives back up to n frames of the list; returns what is left of it. */
static uint64_t spawn_test_give_back(uint64_t list, uint64_t n)
{
	while (list && n--) {
		uint64_t next = *(uint64_t *)P2V(list);

		frame_free(list);
		list = next;
	}
	return list;
}

int selftest_spawn_no_memory(void)
{
	uint64_t before = frame_free_count(), list = spawn_test_take_all_frames();
	int failures = 0, err = -ENOMEM;
	uint64_t allowed;

	/* Let the spawn have 0, 1, 2, ... frames until one is enough. */
	for (allowed = 0; allowed <= SPAWN_TEST_MAX_FRAMES && err == -ENOMEM; allowed++) {
		list = spawn_test_give_back(list, 1);
		err = proc_spawn_program("hello", NULL);
		if (err == -ENOMEM && (proc_count() != 0 || frame_free_count() != allowed + 1)) {
			kprintf("spawn-test: with %lu frames: %d processes and %lu frames free after "
				"-ENOMEM\n", allowed + 1, proc_count(), frame_free_count());
			failures++;
		}
	}
	kprintf("spawn-test: failed cleanly with up to %lu frames, then %s\n", allowed - 1,
		err == 0 ? "spawned" : "failed otherwise");
	for (int i = 0; i < NPROC; i++)
		if (proc_table[i].state != PROC_UNUSED)
			proc_free(&proc_table[i]);
	spawn_test_give_back(list, UINT64_MAX);
	kprintf("spawn-test: %d unexpected results, free frames before %lu, after %lu\n", failures,
		before, frame_free_count());
	return failures || err != 0 || frame_free_count() != before;
}
