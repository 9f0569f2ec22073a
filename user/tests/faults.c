/*
 * faults - a fault in user mode kills only the faulting process: each
 * child does one bad thing, the parent collects how it died and goes on.
 */
#include "anode.h"

static void read_null(void) { (void)*(volatile int *)0; }
static void write_text(void) { *(volatile char *)read_null = 0; }
static void execute_heap(void)
{
	unsigned char *code = malloc(16);

	code[0] = 0xc3; /* ret */
	((void (*)(void))code)();
}
static void divide_by_zero(void)
{
	unsigned long x = 7, zero = 0;

	__asm__ volatile("xorl %%edx, %%edx; divq %1" : "+a"(x) : "r"(zero) : "rdx");
}
static void invalid_opcode(void) { __asm__ volatile("ud2"); }
static void breakpoint(void) { __asm__ volatile("int3"); }
static void privileged(void) { __asm__ volatile("hlt"); }
static void kernel_read(void) { (void)*(volatile int *)0xffffffff80100000UL; }

static const struct {
	const char *name;
	void (*run)(void);
} faults[] = {
	{ "read-null", read_null },         { "write-text", write_text },
	{ "execute-heap", execute_heap },   { "divide-by-zero", divide_by_zero },
	{ "invalid-opcode", invalid_opcode }, { "breakpoint", breakpoint },
	{ "privileged-hlt", privileged },   { "read-kernel", kernel_read },
};

int main(void)
{
	int killed = 0;

	for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		int status = 0, child = fork();

		if (child == 0) {
			faults[i].run();
			printf("faults: %s did not fault\n", faults[i].name);
			exit(0);
		}
		waitpid(child, &status, 0);
		printf("faults: %s -> %s %d\n", faults[i].name,
		       WIFEXITED(status) ? "exited" : "killed by signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		killed += !WIFEXITED(status);
	}
	printf("faults: parent survived, %d children killed\n", killed);
	return 0;
}
