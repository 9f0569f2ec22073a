/*
 * backtrace.c - who called whom (lab 1, handout §4).
 *
 * The kernel is built with -fno-omit-frame-pointer, so every function
 * starts with `push rbp; mov rbp, rsp`. Each frame therefore looks like:
 *
 *      higher addresses
 *      | ...caller's frame...  |
 *      | return address        |  rbp + 8  -> where the caller resumes
 *      | caller's saved rbp    |  rbp      -> next frame up the chain
 *      | this function's locals|
 *      lower addresses (rsp)
 *
 * boot.asm zeroes rbp before calling kmain, so the chain ends with 0.
 * Layer below: ksyms.c turns each address into a name.
 */
#include "arch/x86_64/x86.h"
#include "backtrace.h"
#include "compiler.h"
#include "kprintf.h"
#include "ksyms.h"
#include "memlayout.h"

int backtrace_walk(uint64_t rbp, uint64_t *pcs, int max)
{
	int depth = 0;

	// LAB 1.4 BEGIN: follow saved rbp links, collect return addresses, stop on a bad rbp; §4
	while (rbp != 0 && depth < max) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t next = frame[0];
		uint64_t return_address = frame[1];

		if (return_address == 0)
			break;
		pcs[depth++] = return_address;
		/*
		 * A corrupt chain must not make the panic path fault: the next
		 * frame must be aligned, in the kernel half and further up the
		 * stack (stacks grow down, so callers sit at higher addresses).
		 */
		if (next % 8 != 0 || next < DIRECT_MAP_BASE || next <= rbp)
			break;
		rbp = next;
	}
	// LAB 1.4 STUB
	// LAB 1.4 END
	return depth;
}

void backtrace_print_symbol(uint64_t pc)
{
	uint64_t offset;
	const char *name = ksym_lookup(pc, &offset);

	if (name)
		kprintf("%p %s+0x%lx", (void *)pc, name, offset);
	else
		kprintf("%p ?", (void *)pc);
}

/* Return addresses point after the call; name the call itself (pc - 1),
 * which matters when a call is the last instruction of a function. */
static void backtrace_print_return_address(uint64_t pc)
{
	uint64_t offset;
	const char *name = ksym_lookup(pc - 1, &offset);

	if (name)
		kprintf("%p %s+0x%lx", (void *)pc, name, offset + 1);
	else
		kprintf("%p ?", (void *)pc);
}

static void backtrace_print_chain(int first_index, uint64_t rbp)
{
	uint64_t pcs[BACKTRACE_MAX_FRAMES];
	int depth = backtrace_walk(rbp, pcs, BACKTRACE_MAX_FRAMES);

	for (int i = 0; i < depth; i++) {
		kprintf("  #%-2d ", first_index + i);
		backtrace_print_return_address(pcs[i]);
		kprintf("\n");
	}
	kprintf("backtrace: %d frames\n", first_index + depth);
}

NOINLINE void backtrace_print(void)
{
	kprintf("backtrace:\n");
	backtrace_print_chain(0, read_rbp());
}

void backtrace_print_context(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n  #0  ");
	backtrace_print_symbol(rip);
	kprintf("\n");
	backtrace_print_chain(1, rbp);
}
