; vectors.asm - the 256 interrupt entry points and the common trap path.
;
; The IDT (idt.c) points vector n at trap_stub_n. Each stub makes the stack
; look the same for every vector (an error code, real or zero, then the
; vector number) and jumps to trap_common, which saves the general
; registers into a struct trap_frame (trapframe.h) and calls
; trap_dispatch(frame) in trap.c. Returning undoes it all with iretq.

%include "trapframe.inc"

; Exceptions for which the CPU pushes an error code itself.
%define HAS_ERROR_CODE(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

section .text
extern trap_dispatch

%assign n 0
%rep 256
align 16
trap_stub_ %+ n:
%if !HAS_ERROR_CODE(n)
	push 0
%endif
	push n
	jmp trap_common
%assign n n + 1
%endrep

trap_common:
	TRAP_FRAME_PUSH_REGISTERS
	; From user mode (CPL 3 in the saved CS), switch to the kernel's GS.
	test qword [rsp + TRAP_FRAME_cs], 3
	jz .from_kernel
	swapgs
.from_kernel:
	mov rdi, rsp
	cld                                 ; the C ABI expects DF clear
	call trap_dispatch
; A new process starts here too (context_switch returns into trap_return
; with its trap frame on the stack, proc.c).
global trap_return
trap_return:
	test qword [rsp + TRAP_FRAME_cs], 3
	jz .to_kernel
	swapgs
.to_kernel:
	TRAP_FRAME_POP_REGISTERS
	add rsp, 16                         ; vector and error code
	iretq

section .rodata
global trap_stubs
align 8
trap_stubs:
%assign n 0
%rep 256
	dq trap_stub_ %+ n
%assign n n + 1
%endrep
