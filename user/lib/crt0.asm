; crt0.asm - where every user program starts. The kernel leaves argc at
; [rsp], the argv pointers above it, a NULL, the environment's pointers and
; a NULL (kernel/proc/program.c, kernel/proc/exec.c); call
; main(argc, argv, envp) and pass its result to exit().
section .text
global _start
extern main, exit, environ
_start:
	xor ebp, ebp                ; end of the frame-pointer chain
	mov rdi, [rsp]
	lea rsi, [rsp + 8]
	lea rdx, [rsi + rdi * 8 + 8]    ; envp: past argv's NULL
	mov [rel environ], rdx
	and rsp, -16
	call main
	mov edi, eax
	call exit
.hang:
	jmp .hang
