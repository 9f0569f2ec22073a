; boot.asm - first instructions of the kernel (lab 1, handout §1).
;
; QEMU's multiboot loader (or GRUB) loads the kernel at 1 MiB and jumps to
; boot_entry in 32-bit protected mode with paging off, eax = multiboot magic
; and ebx = physical address of the multiboot information. This file:
;   1. checks that it was started by a multiboot loader on a 64-bit CPU,
;   2. builds boot page tables that map the first 1 GiB three times:
;      identity (so the next instruction still exists once paging is on),
;      at DIRECT_MAP_BASE and at KERNEL_VMA (memlayout.h),
;   3. turns on PAE, long mode (EFER.LME), no-execute (EFER.NXE) and paging,
;   4. loads a 64-bit GDT, jumps to 64-bit code, then to the higher half,
;   5. clears .bss, sets up the boot stack and calls kmain (kernel/main.c).
; Layer above: kmain. The real GDT and IDT come later (gdt.c, idt.c).

MB_MAGIC        equ 0x1badb002          ; multiboot 1 header magic
MB_FLAGS        equ (1 << 0) | (1 << 1) ; page-align modules, give memory map
MB_BOOT_MAGIC   equ 0x2badb002          ; what the loader puts in eax
KERNEL_VMA      equ 0xffffffff80000000
BOOT_STACK_SIZE equ 16384

PTE_PRESENT     equ 1 << 0
PTE_WRITE       equ 1 << 1
PTE_HUGE        equ 1 << 7              ; 2 MiB page in a page directory
CR4_PAE         equ 1 << 5
CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31
MSR_EFER        equ 0xc0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
CPUID_EXT_LM    equ 1 << 29             ; edx of cpuid 0x80000001
CPUID_EXT_NX    equ 1 << 20
COM1            equ 0x3f8
DEBUG_EXIT_PORT equ 0xf4

; The multiboot header must sit in the first 8 KiB of the file; kernel.ld
; puts this section first.
section .multiboot
align 4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

; Boot page tables: zeroed by boot_entry itself, because a loader is not
; obliged to clear a NOLOAD section.
section .boot.bss nobits alloc write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096       ; PML4[0] and PML4[256]: identity and direct map
boot_pdpt_high: resb 4096       ; PML4[511]: KERNEL_VMA is its entry 510
boot_pd:        resb 4096       ; 512 x 2 MiB = the first 1 GiB

section .boot.data progbits alloc write align=8
boot_gdt:
	dq 0                            ; null descriptor
	dq 0x00209a0000000000           ; 0x08: 64-bit kernel code
	dq 0x0000920000000000           ; 0x10: kernel data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt
msg_no_multiboot: db "anode: not started by a multiboot loader", 10, 0
msg_no_long_mode: db "anode: this CPU has no 64-bit long mode", 10, 0

section .boot.text progbits alloc exec nowrite align=16
bits 32
global boot_entry
boot_entry:
	cli
	cld
	mov edi, eax                    ; keep magic and info pointer for kmain
	mov esi, ebx
	cmp edi, MB_BOOT_MAGIC
	mov ebx, msg_no_multiboot
	jne boot_fail32

	mov eax, 0x80000000             ; is extended CPUID leaf 0x80000001 there?
	cpuid
	cmp eax, 0x80000001
	mov ebx, msg_no_long_mode
	jb boot_fail32
	mov eax, 0x80000001
	cpuid
	test edx, CPUID_EXT_LM
	jz boot_fail32
	mov ebp, edx                    ; remember the NX bit for EFER below

	; Zero the four table pages.
	push edi
	mov edi, boot_pml4
	xor eax, eax
	mov ecx, 4 * 4096 / 4
	rep stosd
	pop edi

	mov dword [boot_pml4 + 0 * 8], boot_pdpt_low + PTE_PRESENT + PTE_WRITE
	mov dword [boot_pml4 + 256 * 8], boot_pdpt_low + PTE_PRESENT + PTE_WRITE
	mov dword [boot_pml4 + 511 * 8], boot_pdpt_high + PTE_PRESENT + PTE_WRITE
	mov dword [boot_pdpt_low + 0 * 8], boot_pd + PTE_PRESENT + PTE_WRITE
	mov dword [boot_pdpt_high + 510 * 8], boot_pd + PTE_PRESENT + PTE_WRITE
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21                     ; 2 MiB per entry
	or eax, PTE_PRESENT + PTE_WRITE + PTE_HUGE
	mov [boot_pd + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jb .fill_pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, CPUID_EXT_NX
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE
	mov cr0, eax                    ; now in long mode (compatibility submode)

	lgdt [boot_gdt_ptr]
	jmp 0x08:boot_long_mode         ; reload CS: 64-bit code from here on

; Print the message at ebx on COM1 and leave QEMU with status 3 (failure).
; No stack, no UART setup: QEMU's UART works at any speed.
boot_fail32:
	mov dx, COM1
.next:
	mov al, [ebx]
	test al, al
	jz .exit
	out dx, al
	inc ebx
	jmp .next
.exit:
	mov dx, DEBUG_EXIT_PORT
	mov eax, 1
	out dx, eax
.hang:
	hlt
	jmp .hang

bits 64
boot_long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, boot_higher_half       ; an absolute jump leaves the identity map
	jmp rax

section .text
boot_higher_half:
	mov r12d, edi                   ; magic and info pointer survive the clear
	mov r13d, esi
	extern kernel_bss_start, kernel_bss_end
	mov rdi, kernel_bss_start
	mov rcx, kernel_bss_end
	sub rcx, rdi
	xor eax, eax
	rep stosb
	mov rsp, boot_stack_top
	; The outermost frame, built by hand: no caller's frame pointer and a
	; zero return address. The kernel's backtrace stops at it after naming
	; boot_higher_half; GDB, which cannot analyse this code, reads the same
	; frame through rbp and stops at the zero pc instead of showing junk.
	push 0                          ; return address
	push 0                          ; saved rbp
	mov rbp, rsp
	mov edi, r12d
	mov esi, r13d
	extern kmain
	call kmain
.halt:                                  ; kmain does not return; be safe anyway
	cli
	hlt
	jmp .halt

; The boot stack, with a guard page under it: lab 2 leaves the guard
; unmapped, so running off the end of the stack faults instead of silently
; overwriting whatever lies below.
section .bss nobits alloc write align=4096
global boot_stack_guard, boot_stack_bottom, boot_stack_top
global boot_pml4                ; kernel_vm.c: the kernel PML4 until its own
boot_stack_guard:
	resb 4096
boot_stack_bottom:
	resb BOOT_STACK_SIZE
boot_stack_top:
