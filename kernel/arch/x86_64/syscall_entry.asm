; syscall_entry.asm - the `syscall` instruction lands here (lab 3, handout §2).
;
; The CPU has put the user rip in rcx and rflags in r11, masked rflags with
; SFMASK (interrupts now off) and loaded the kernel CS/SS from STAR; it has
; not switched stacks. This code switches to the process's kernel stack,
; saves the user registers as a struct trap_frame (trapframe.h), the same
; layout interrupts use, so fork and the scheduler see one kind of frame,
; and calls syscall_dispatch(frame) (kernel/syscall/syscall.c). The result
; is in frame->rax. Returning goes back with sysretq.
;
; Per-CPU data (cpu.h) is reached through GS after swapgs. The offsets,
; selectors and USER_HALF_END come from C (asm_offsets.inc, generated
; from asm_offsets.c).

%include "asm_offsets.inc"
%include "trapframe.inc"

SYSCALL_MARKER  equ 0x100               ; frame->vector: not a hardware vector

section .text
extern syscall_dispatch, trap_return
global syscall_entry, syscall_return

syscall_entry:
	swapgs
	mov [gs:CPU_user_rsp], rsp
	mov rsp, [gs:CPU_kernel_rsp]
	push GDT_USER_DATA                  ; ss
	push qword [gs:CPU_user_rsp]        ; rsp
	push r11                            ; rflags
	push GDT_USER_CODE                  ; cs
	push rcx                            ; rip
	push 0                              ; error code
	push SYSCALL_MARKER                 ; vector
	TRAP_FRAME_PUSH_REGISTERS
	xor ebp, ebp                        ; user frames end the kernel backtrace
	mov rdi, rsp
	call syscall_dispatch
; rsp points at the frame. sysret to a non-canonical rip faults on Intel
; CPUs *in ring 0 with the user's rsp already loaded* (CVE-2012-0217): a
; user could then run the fault handler on a stack it chose. The top user
; page is never mappable (USER_END, memlayout.h), so a syscall cannot come
; from the last bytes of user space; and whatever else put a bad return
; address in the frame, this check is the last line: such a frame leaves
; through iretq, whose fault is taken on the kernel stack and kills only the
; process (its user-mode #GP or #PF report).
syscall_return:
	mov rcx, USER_HALF_END
	cmp [rsp + TRAP_FRAME_rip], rcx
	jae trap_return
	TRAP_FRAME_POP_REGISTERS
	add rsp, 16                         ; vector, error code
	mov rcx, [rsp]                      ; user rip
	mov r11, [rsp + 16]                 ; user rflags
	mov rsp, [rsp + 24]                 ; user rsp
	swapgs
	o64 sysret
