; crt0.asm - where every user program starts. The kernel leaves argc at
; [rsp] and the argv pointers above it (kernel/proc/program.c); call
; main(argc, argv) and pass its result to exit().
section .text
global _start
extern main, exit
_start:
	xor ebp, ebp                ; end of the frame-pointer chain
	mov rdi, [rsp]
	lea rsi, [rsp + 8]
	and rsp, -16
	call main
	mov edi, eax
	call exit
.hang:
	jmp .hang
