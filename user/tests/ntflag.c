/*
 * ntflag - user flags never reach the kernel's own. A `popfq` in user mode
 * can set RFLAGS.NT ("nested task"); if the kernel kept it, its next iretq
 * would attempt a 32-bit task return and fault in ring 0. The parent sets
 * NT and yields, so the kernel's next iretq starts the new child.
 */
#include "anode.h"

#define RFLAGS_NT (1UL << 14)

static void set_nested_task_flag(void)
{
	__asm__ volatile("pushfq; orq %0, (%%rsp); popfq" : : "i"(RFLAGS_NT) : "memory", "cc");
}

static uint64_t read_flags(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags;
}

int main(void)
{
	int status = 0, child = fork();

	if (child == 0)
		exit(7);
	set_nested_task_flag();
	sys_yield(); /* the child starts through iretq now */
	printf("ntflag: after the yield NT is %s in user mode\n",
	       read_flags() & RFLAGS_NT ? "still set" : "clear");
	waitpid(child, &status, 0);
	printf("ntflag: child exited with %d, kernel survived\n", WEXITSTATUS(status));
	return 0;
}
