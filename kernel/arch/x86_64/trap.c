/*
 * trap.c - what happens after an interrupt or exception (lab 1, handout §5).
 *
 * vectors.asm saves the registers and calls trap_dispatch() with them.
 * Lab 1 handles CPU exceptions (vectors 0-31): a breakpoint is reported and
 * execution resumes after the int3; any other exception in the kernel is a
 * kernel bug, so it is reported in full (vector, error code, the faulting
 * symbol, registers, backtrace) and the machine stops with the panic
 * status. Later labs add device interrupts and user-mode faults here.
 */
#include "abi.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "backtrace.h"
#include "compiler.h"
#include "console_input.h"
#include "kprintf.h"
#include "proc.h"
#include "vm.h"

#define PF_PRESENT (1 << 0) /* page-fault error code bits */
#define PF_WRITE (1 << 1)
#define PF_USER (1 << 2)
#define PF_FETCH (1 << 4)

static const char *const exception_names[32] = {
	[0] = "#DE divide error",         [1] = "#DB debug",
	[2] = "NMI",                      [3] = "#BP breakpoint",
	[4] = "#OF overflow",             [5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",       [7] = "#NM device not available",
	[8] = "#DF double fault",         [9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",         [11] = "#NP segment not present",
	[12] = "#SS stack-segment fault", [13] = "#GP general protection",
	[14] = "#PF page fault",          [16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",     [18] = "#MC machine check",
	[19] = "#XM SIMD floating-point", [20] = "#VE virtualization",
	[21] = "#CP control protection",
};

const char *trap_exception_name(uint64_t vector);

const char *trap_exception_name(uint64_t vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return "reserved";
}

LAB_HELPER static void trap_print_registers(const struct trap_frame *tf)
{
	kprintf("  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx\n", tf->rax, tf->rbx, tf->rcx);
	kprintf("  rdx=0x%016lx rsi=0x%016lx rdi=0x%016lx\n", tf->rdx, tf->rsi, tf->rdi);
	kprintf("  rbp=0x%016lx rsp=0x%016lx r8 =0x%016lx\n", tf->rbp, tf->rsp, tf->r8);
	kprintf("  r9 =0x%016lx r10=0x%016lx r11=0x%016lx\n", tf->r9, tf->r10, tf->r11);
	kprintf("  r12=0x%016lx r13=0x%016lx r14=0x%016lx\n", tf->r12, tf->r13, tf->r14);
	kprintf("  r15=0x%016lx rflags=0x%lx cs=0x%lx ss=0x%lx\n", tf->r15, tf->rflags, tf->cs,
		tf->ss);
}

LAB_HELPER static void trap_print_page_fault(uint64_t error_code)
{
	kprintf("  cr2=0x%016lx (%s, %s, %s mode)\n", read_cr2(),
		error_code & PF_FETCH ? "instruction fetch" : error_code & PF_WRITE ? "write" : "read",
		error_code & PF_PRESENT ? "protection violation" : "page not present",
		error_code & PF_USER ? "user" : "kernel");
	vm_print_walk(read_cr3(), read_cr2());
}

/* Handles vectors 0-31. Returns only for exceptions that may resume. */
static void trap_handle_exception(struct trap_frame *tf)
{
	// LAB 1.5 BEGIN: resume after #BP; else report vector, rip, registers, backtrace, exit; §5
	if (tf->vector == VEC_BREAKPOINT) {
		/* int3 is a trap: rip already points past it, so just return. */
		kprintf("trap: breakpoint at ");
		backtrace_print_symbol(tf->rip - 1);
		kprintf(", resuming\n");
		return;
	}
	kprintf("\nEXCEPTION: vector %lu (%s), error code 0x%lx\n", tf->vector,
		trap_exception_name(tf->vector), tf->error_code);
	kprintf("  rip=");
	backtrace_print_symbol(tf->rip);
	kprintf("\n");
	if (tf->vector == VEC_PAGE_FAULT)
		trap_print_page_fault(tf->error_code);
	trap_print_registers(tf);
	backtrace_print_context(tf->rip, tf->rbp);
	kprintf("PANIC: unhandled exception in the kernel\n");
	machine_exit(EXIT_CODE_PANIC);
	// LAB 1.5 STUB
	// lab_not_implemented(1, "trap_handle_exception");
	// LAB 1.5 END
}

/*
 * An exception in user mode ends only that process (lab 3), with one line
 * that says what happened. int3 is not a crash but a breakpoint with no
 * debugger to stop in: the process ends as if by SIGTRAP.
 */
NORETURN static void trap_user_exception(struct trap_frame *tf)
{
	struct proc *p = proc_current();

	if (tf->vector == VEC_BREAKPOINT) {
		kprintf("proc %d (%s): breakpoint (int3) at rip 0x%lx, no debugger: stopped\n",
			p->pid, p->name, tf->rip - 1);
		proc_exit(WAIT_KILLED(SIGTRAP));
	}
	kprintf("proc %d (%s): killed by %s at rip 0x%lx", p->pid, p->name,
		trap_exception_name(tf->vector), tf->rip);
	if (tf->vector == VEC_PAGE_FAULT)
		kprintf(", %s 0x%lx", tf->error_code & PF_FETCH ? "fetch from" :
				      tf->error_code & PF_WRITE ? "write to" : "read from", read_cr2());
	kprintf("\n");
	proc_exit(WAIT_KILLED(SIGSEGV));
}

/*
 * The timer tick: wake sleepers, and if it interrupted user code, make the
 * process yield (preemption). The kernel itself is never preempted. A
 * process killed while it was switched out must not run user code again:
 * `killed` is checked before and after the yield.
 */
static void trap_timer(struct trap_frame *tf)
{
	struct proc *p = proc_current();

	pic_end_of_interrupt(IRQ_TIMER);
	sched_tick();
	if (!(tf->cs & 3) || !p)
		return;
	if (!p->killed)
		sched_yield();
	if (p->killed)
		proc_exit(WAIT_KILLED(SIGKILL));
}

void trap_dispatch(struct trap_frame *tf)
{
	/* A fault with rsp in the guard page means the stack ran out (lab 2). */
	if ((tf->vector == VEC_DOUBLE_FAULT || tf->vector == VEC_PAGE_FAULT) &&
	    kernel_vm_is_stack_guard(tf->rsp - 8))
		kprintf("\ntrap: kernel stack overflow: rsp 0x%lx is in the guard page under a "
			"kernel stack\n", tf->rsp);
	if (tf->vector < VEC_FIRST_IRQ) {
		/* From user mode, a fault ends only that process (lab 3). */
		if (tf->cs & 3)
			trap_user_exception(tf);
		trap_handle_exception(tf);
		return;
	}
	if (tf->vector == PIC_FIRST_VECTOR + IRQ_TIMER) {
		trap_timer(tf);
		return;
	}
	if (tf->vector == PIC_FIRST_VECTOR + IRQ_COM1) {
		console_input_irq();
		return;
	}
	/* IRQ 7 and 15 can be spurious: the PIC wants no acknowledgement. */
	if (tf->vector == PIC_FIRST_VECTOR + 7 || tf->vector == PIC_FIRST_VECTOR + 15)
		return;
	kprintf("trap: unexpected interrupt, vector %lu\n", tf->vector);
}
