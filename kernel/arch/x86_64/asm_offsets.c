/*
 * asm_offsets.c - the C layout facts the assembly files need, computed by
 * the compiler instead of copied by hand. Never linked: the build compiles
 * it to assembly (-S, kernel flags, so the same layout), picks out the
 * "->ASM_CONSTANT" lines with asm_offsets.awk and writes
 * $(BUILD)/kernel/asm_offsets.inc, which trapframe.inc and
 * syscall_entry.asm %include. When a struct changes the assembly follows,
 * or trapframe.inc's layout check stops the build.
 *
 * Names: an offset is STRUCT_field, the field spelled as in C (so
 * trapframe.inc can paste a register name onto TRAP_FRAME_); any other
 * constant keeps its C name.
 */
#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trapframe.h"
#include "memlayout.h"

#define ASM_STRINGIFY_(x) #x
#define ASM_STRINGIFY(x) ASM_STRINGIFY_(x)

/*
 * Puts `->ASM_CONSTANT name value file:line` in the assembly output. The
 * "i" constraint makes the compiler print the value (and refuse anything
 * not known at compile time); GCC and clang both print it as "$123".
 */
#define ASM_CONSTANT(name, value)                                                 \
	__asm__ volatile("\n.ascii \"->ASM_CONSTANT " #name " %0 " __FILE__ ":"  \
			 ASM_STRINGIFY(__LINE__) "\"" ::"i"(value))
#define ASM_OFFSET(prefix, type, field) ASM_CONSTANT(prefix##_##field, offsetof(struct type, field))

void asm_offsets(void);

void asm_offsets(void)
{
	/* trapframe.inc: every field, checked against the push order there. */
	ASM_OFFSET(TRAP_FRAME, trap_frame, rax);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rbx);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rcx);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rdx);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rsi);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rdi);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rbp);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r8);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r9);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r10);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r11);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r12);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r13);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r14);
	ASM_OFFSET(TRAP_FRAME, trap_frame, r15);
	ASM_OFFSET(TRAP_FRAME, trap_frame, vector);
	ASM_OFFSET(TRAP_FRAME, trap_frame, error_code);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rip);
	ASM_OFFSET(TRAP_FRAME, trap_frame, cs);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rflags);
	ASM_OFFSET(TRAP_FRAME, trap_frame, rsp);
	ASM_OFFSET(TRAP_FRAME, trap_frame, ss);
	ASM_CONSTANT(TRAP_FRAME_SIZE, sizeof(struct trap_frame));

	/* syscall_entry.asm: the per-CPU slots it reaches through GS. */
	ASM_OFFSET(CPU, cpu, kernel_rsp);
	ASM_OFFSET(CPU, cpu, user_rsp);

	/* syscall_entry.asm: the user selectors of the frame it builds. */
	ASM_CONSTANT(GDT_USER_CODE, GDT_USER_CODE);
	ASM_CONSTANT(GDT_USER_DATA, GDT_USER_DATA);

	/* syscall_entry.asm: no sysret to an address at or above this one. */
	ASM_CONSTANT(USER_HALF_END, USER_HALF_END);
}
