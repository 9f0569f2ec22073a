; switch.asm - context_switch(save_rsp, load_rsp) (lab 3, handout §4).
;
; Saves the callee-saved registers of the running kernel code on its own
; stack, stores its rsp in *save_rsp, loads load_rsp and pops the other
; side's registers: the `ret` then resumes wherever that side last called
; context_switch (or, for a new process, at trap_return with its trap
; frame on the stack: proc_alloc prepares that). Caller-saved registers
; need no saving: the C caller already assumes they are clobbered.
section .text
global context_switch
context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
