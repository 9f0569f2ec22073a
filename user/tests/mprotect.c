/*
 * mprotect - permissions really change: a read-only page cannot be written
 * (a child trying dies), becomes writable again, and becomes executable
 * only when asked.
 */
#include "anode.h"

static int write_in_child(volatile unsigned char *page)
{
	int status = 0, child = fork();

	if (child == 0) {
		page[0] = 1;
		exit(0);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status);
}

int main(void)
{
	unsigned char *page = fmap_anonymous(4096, PROT_READ | PROT_WRITE);

	page[0] = 0xc3; /* ret */
	printf("mprotect: write to RW page: %s\n", write_in_child(page) ? "allowed" : "killed");
	mprotect(page, 4096, PROT_READ);
	printf("mprotect: write to R page: %s\n", write_in_child(page) ? "allowed" : "killed");
	printf("mprotect: read from R page: 0x%x\n", page[0]);
	mprotect(page, 4096, PROT_READ | PROT_EXEC);
	((void (*)(void))page)();
	printf("mprotect: called code in an R-X page\n");
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
	page[1] = 2;
	printf("mprotect: write to RW page again: ok\n");
	printf("mprotect: unaligned -> %ld, unmapped -> %ld\n",
	       sys_mprotect((long)page + 1, 4096, PROT_READ), sys_mprotect(0x600000000000L, 4096, PROT_READ));
	return 0;
}
