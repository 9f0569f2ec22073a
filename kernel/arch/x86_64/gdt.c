/*
 * gdt.c - the global descriptor table and the task state segment.
 *
 * In long mode segmentation is mostly gone: the GDT still says which code
 * segment is 64-bit and at which privilege level (ring 0 or 3), and the TSS
 * no longer switches tasks but holds the stacks the CPU switches to on an
 * interrupt: rsp0 (interrupt from user mode) and the IST stacks, used for
 * faults that must work even when the current stack is broken (#DF, NMI).
 */
#include "arch/x86_64/gdt.h"
#include "compiler.h"
#include "kstring.h"

#define IST_STACK_BYTES 8192

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];          /* rsp[0]: stack on entry from ring 3 */
	uint64_t reserved1;
	uint64_t ist[7];          /* ist[n - 1] = IST slot n */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;      /* past the limit: no I/O permission bitmap */
} PACKED;
_Static_assert(sizeof(struct tss) == 104, "TSS layout is fixed by the CPU");

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} PACKED;

static struct tss tss;
static uint8_t ist_stacks[3][IST_STACK_BYTES] ALIGNED(16);

/* Descriptors: access byte and flags per the Intel SDM vol. 3 §3.4.5. */
static uint64_t gdt[] = {
	0,
	0x00209a0000000000, /* kernel code: present, ring 0, executable, L (64-bit) */
	0x0000920000000000, /* kernel data: present, ring 0, writable */
	0x0000f20000000000, /* user data: present, ring 3, writable */
	0x0020fa0000000000, /* user code: present, ring 3, executable, L */
	0, 0,               /* TSS: a 16-byte system descriptor, filled in below */
};

static void gdt_set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89UL << 40) | /* present, type 9 = available 64-bit TSS */
			   ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;
}

void gdt_init(void)
{
	struct gdt_pointer pointer = { sizeof(gdt) - 1, (uint64_t)gdt };

	memset(&tss, 0, sizeof(tss));
	tss.iomap_base = sizeof(tss);
	tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)ist_stacks[0] + IST_STACK_BYTES;
	tss.ist[IST_NMI - 1] = (uint64_t)ist_stacks[1] + IST_STACK_BYTES;
	tss.ist[IST_MACHINE_CHECK - 1] = (uint64_t)ist_stacks[2] + IST_STACK_BYTES;
	gdt_set_tss_descriptor();

	/* Load the table, reload CS with a far return, then the data segments. */
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ds\n\t"
		"movw %w2, %%es\n\t"
		"movw %w2, %%ss\n\t"
		"ltr %w3\n\t"
		:
		: "m"(pointer), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(GDT_TSS)
		: "rax", "memory");
}

void gdt_set_kernel_stack(uint64_t rsp0)
{
	tss.rsp[0] = rsp0;
}
