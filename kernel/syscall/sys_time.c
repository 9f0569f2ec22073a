/*
 * sys_time.c - time system calls: nanosleep and clock_gettime (lab 3).
 * Time is counted in timer ticks (TIMER_HZ a second, pit.h); there is no
 * wall clock yet, so CLOCK_REALTIME counts from boot like CLOCK_MONOTONIC.
 */
#include "arch/x86_64/pit.h"
#include "errno.h"
#include "proc.h"
#include "syscall.h"
#include "uaccess.h"

#define NSEC_PER_SEC 1000000000L

int64_t sys_nanosleep(const struct syscall_args *args)
{
	struct user_ptr request_in = user_ptr(args->a[0]);
	struct user_ptr remaining_out = user_ptr(args->a[1]);
	struct timespec req, zero = { 0, 0 };
	uint64_t ticks;

	if (copy_from_user(&req, request_in, sizeof(req)) < 0)
		return -EFAULT;
	if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= NSEC_PER_SEC ||
	    req.tv_sec > 1000000)
		return -EINVAL;
	if (remaining_out.addr && copy_to_user(remaining_out, &zero, sizeof(zero)) < 0)
		return -EFAULT;
	/* Round up, and always sleep at least until the next tick. */
	ticks = ((uint64_t)req.tv_sec * NSEC_PER_SEC + (uint64_t)req.tv_nsec + NSEC_PER_TICK - 1) /
		NSEC_PER_TICK;
	if (!sched_sleep(NULL, sched_ticks() + (ticks ? ticks : 1)))
		return -EINTR;
	return 0;
}

int64_t sys_clock_gettime(const struct syscall_args *args)
{
	int clock = (int)args->a[0];
	struct user_ptr ts_out = user_ptr(args->a[1]);
	uint64_t ns = sched_ticks() * NSEC_PER_TICK;
	struct timespec ts = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };

	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return -EINVAL;
	return copy_to_user(ts_out, &ts, sizeof(ts));
}
