/*
 * efault - every pointer-taking system call refuses bad pointers with
 * -EFAULT and the kernel survives: NULL, a kernel address, an unmapped
 * address, a read-only page where the kernel must write, a PROT_NONE page,
 * and a length that wraps around the address space.
 */
#include "anode.h"

#define KERNEL_ADDRESS 0xffffffff80100000L
#define UNMAPPED_ADDRESS 0x0000700000000000L

static int failures;

static void expect_efault(const char *what, long result)
{
	printf("efault: %s -> %ld\n", what, result);
	failures += result != -EFAULT;
}

int main(void)
{
	static const char message[] = "read-only\n";
	long readonly = (long)message; /* .rodata is mapped read-only */
	struct fmap_request req = { 0, 4096, PROT_READ | PROT_WRITE, 0 };
	int child;

	expect_efault("write NULL", sys_write(1, 0, 10));
	expect_efault("write kernel", sys_write(1, KERNEL_ADDRESS, 10));
	expect_efault("write unmapped", sys_write(1, UNMAPPED_ADDRESS, 10));
	expect_efault("write wrapping length", sys_write(1, readonly, -4096L));
	expect_efault("clock_gettime NULL", sys_clock_gettime(CLOCK_MONOTONIC, 0));
	expect_efault("clock_gettime kernel", sys_clock_gettime(CLOCK_MONOTONIC, KERNEL_ADDRESS));
	expect_efault("clock_gettime unmapped", sys_clock_gettime(CLOCK_MONOTONIC, UNMAPPED_ADDRESS));
	expect_efault("clock_gettime read-only", sys_clock_gettime(CLOCK_MONOTONIC, readonly));
	expect_efault("nanosleep NULL", sys_nanosleep(0, 0));
	expect_efault("nanosleep kernel", sys_nanosleep(KERNEL_ADDRESS, 0));
	expect_efault("nanosleep read-only rem", sys_nanosleep((long)&req, readonly));
	expect_efault("fmap NULL", sys_fmap((long)FMAP_ANONYMOUS_FD, 0, sizeof(req)));
	expect_efault("fmap kernel", sys_fmap((long)FMAP_ANONYMOUS_FD, KERNEL_ADDRESS, sizeof(req)));
	expect_efault("fmap unmapped", sys_fmap((long)FMAP_ANONYMOUS_FD, UNMAPPED_ADDRESS, sizeof(req)));
	{
		/* PROT_NONE: mapped, but not for user access, so not for the kernel on its behalf. */
		char *none = fmap_anonymous(4096, PROT_READ | PROT_WRITE);

		mprotect(none, 4096, PROT_NONE);
		expect_efault("clock_gettime PROT_NONE", sys_clock_gettime(CLOCK_MONOTONIC, (long)none));
		expect_efault("write from PROT_NONE", sys_write(1, (long)none, 8));
	}
	child = fork();
	if (child == 0)
		exit(7);
	expect_efault("waitpid kernel", sys_waitpid(child, KERNEL_ADDRESS, 0));
	expect_efault("waitpid read-only", sys_waitpid(child, readonly, 0));
	{
		int status = 0;
		int got = waitpid(child, &status, 0);

		/* The failed calls must not have collected the child. */
		printf("efault: child %s after the bad waitpids (status %d)\n",
		       got == child ? "still collectable" : "lost", WEXITSTATUS(status));
		failures += got != child || WEXITSTATUS(status) != 7;
	}
	printf("efault: kernel survived, %d unexpected results\n", failures);
	return failures ? 1 : 0;
}
