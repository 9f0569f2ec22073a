; start.asm - the first user instruction of a lab 5 boot (handout lab 5 §4).
;
; The kernel jumps here (the initfs header's bootstrap entry) with no
; stack: rsp is 0, and nothing of the image is writable yet. So this code
; may not push, call or write memory until it has a stack: it asks for
; one with a raw fmap system call (anonymous memory, fd ~0), whose request
; sits in read-only data, points rsp at its top and calls bootstrap_main.

%define SYS_FMAP 0x21000384          ; SYS_CLASS_FILE | SYS_ARG_SLICE | 900
%define SYS_OPEN 0x10100005          ; SYS_CLASS_PATH | SYS_RET_FILE | 5
%define SYS_WRITE 0x21000004         ; SYS_CLASS_FILE | SYS_ARG_SLICE | 4
%define SYS_EXIT 1
%define PROT_READ_WRITE 0x00060000
%define O_WRONLY 0x00020000
%define BOOTSTRAP_STACK_BYTES (64 * 1024)
%define FMAP_REQUEST_BYTES 32

section .text.entry
global bootstrap_start
extern bootstrap_main

bootstrap_start:
	; LAB 5.4 BEGIN: fmap(~0) a stack from stack_request, rsp = its top, rbp = 0, call bootstrap_main
	mov eax, SYS_FMAP
	mov rdi, -1
	lea rsi, [rel stack_request]
	mov edx, FMAP_REQUEST_BYTES
	syscall
	test rax, rax
	js .no_stack                    ; -errno: a user address is never negative
	lea rsp, [rax + BOOTSTRAP_STACK_BYTES]
	xor ebp, ebp                    ; the end of the frame-pointer chain
	call bootstrap_main             ; never returns; if it did, exit below
.no_stack:
	mov eax, SYS_EXIT
	mov edi, 111
	syscall
	jmp .no_stack
	; LAB 5.4 STUB
	; ; Without a stack the stub cannot call C: it says so with raw calls.
	; mov eax, SYS_OPEN
	; lea rdi, [rel stub_console]
	; mov esi, 6
	; mov edx, O_WRONLY
	; syscall
	; mov rdi, rax
	; mov eax, SYS_WRITE
	; lea rsi, [rel stub_message]
	; mov edx, stub_message_end - stub_message
	; syscall
	; mov eax, SYS_EXIT
	; mov edi, 99
	; syscall
	; jmp bootstrap_start
	; LAB 5.4 END

section .rodata
align 8
; struct fmap_request: offset, size, flags, address (0: the kernel chooses)
stack_request:
	dq 0, BOOTSTRAP_STACK_BYTES, PROT_READ_WRITE, 0
stub_console:
	db "debug:"
stub_message:
	db "lab 5: not implemented: bootstrap_start (user/bootstrap/start.asm)", 10
stub_message_end:
