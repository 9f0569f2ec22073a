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
; Per-CPU data (cpu.h) is reached through GS after swapgs.

%include "trapframe.inc"

CPU_KERNEL_RSP  equ 0
CPU_USER_RSP    equ 8
USER_CODE       equ 0x23                ; GDT_USER_CODE (gdt.h)
USER_DATA       equ 0x1b                ; GDT_USER_DATA
SYSCALL_MARKER  equ 0x100               ; frame->vector: not a hardware vector

section .text
extern syscall_dispatch
global syscall_entry, syscall_return

syscall_entry:
	swapgs
	mov [gs:CPU_USER_RSP], rsp
	mov rsp, [gs:CPU_KERNEL_RSP]
	push USER_DATA                      ; ss
	push qword [gs:CPU_USER_RSP]        ; rsp
	push r11                            ; rflags
	push USER_CODE                      ; cs
	push rcx                            ; rip
	push 0                              ; error code
	push SYSCALL_MARKER                 ; vector
	TRAP_FRAME_PUSH_REGISTERS
	xor ebp, ebp                        ; user frames end the kernel backtrace
	mov rdi, rsp
	call syscall_dispatch
; rsp points at the frame. The kernel only ever puts user addresses in
; frame->rip (the ELF loader checks the entry), so sysret's #GP-in-ring-0
; trap for a non-canonical rip cannot happen.
syscall_return:
	TRAP_FRAME_POP_REGISTERS
	add rsp, 16                         ; vector, error code
	mov rcx, [rsp]                      ; user rip
	mov r11, [rsp + 16]                 ; user rflags
	mov rsp, [rsp + 24]                 ; user rsp
	swapgs
	o64 sysret
