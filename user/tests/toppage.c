/*
 * toppage - the last page of user space (0x7ffffffff000) is never
 * mappable: a `syscall` in its last bytes would return to the first
 * non-canonical address, and on Intel CPUs sysret then faults in ring 0
 * on the user's stack. fmap and mprotect refuse it with -EINVAL; the page
 * below it works, and a syscall in *its* last bytes returns into the top
 * page, which is unmapped, so only that process dies.
 */
#include "anode.h"

#define TOP_PAGE 0x00007ffffffff000L
#define BELOW_TOP (TOP_PAGE - 4096)

static long fmap_at(long address, long size)
{
	struct fmap_request req = { .size = (uint64_t)size, .address = (uint64_t)address,
				    .flags = PROT_READ | PROT_WRITE };

	return sys_fmap((long)FMAP_ANONYMOUS_FD, (long)&req, sizeof(req));
}

/* mov eax, 20 (getpid); syscall: placed so the syscall is the page's last instruction. */
static const unsigned char getpid_then_fall_off[] = { 0xb8, 20, 0, 0, 0, 0x0f, 0x05 };

static void syscall_at_end_of_page(void)
{
	unsigned char *code = (unsigned char *)TOP_PAGE - sizeof(getpid_then_fall_off);

	memcpy(code, getpid_then_fall_off, sizeof(getpid_then_fall_off));
	sys_mprotect(BELOW_TOP, 4096, PROT_READ | PROT_EXEC);
	((void (*)(void))code)();
	exit(0);
}

int main(void)
{
	int status = 0, child;

	printf("toppage: fmap of the top page -> %ld\n", fmap_at(TOP_PAGE, 4096));
	printf("toppage: fmap across into it -> %ld\n", fmap_at(BELOW_TOP, 8192));
	printf("toppage: fmap of the page below -> %s\n",
	       fmap_at(BELOW_TOP, 4096) == BELOW_TOP ? "mapped" : "refused");
	printf("toppage: mprotect across into it -> %ld\n",
	       sys_mprotect(BELOW_TOP, 8192, PROT_READ));
	child = fork();
	if (child == 0)
		syscall_at_end_of_page();
	waitpid(child, &status, 0);
	printf("toppage: syscall at the end of the page below -> %s %d\n",
	       WIFEXITED(status) ? "exited" : "killed by signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}
