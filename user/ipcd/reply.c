/*
 * reply.c - answers going back to the kernel, several packets per write.
 *
 * The kernel takes the packets of one write in order and stops at the
 * first it refuses (an unknown id, an impossible result, an fmap answer
 * naming pages it will not share): the write returns the bytes taken
 * before it, or -EINVAL when it was the first. A refused answer leaves its
 * client waiting, so one that carried a result is sent again as -EIO; the
 * rest of the batch is written on. One bad answer costs one log line,
 * never the daemon.
 */
#include "ipcd.h"

#define REPLY_BATCH 32

static struct scheme_packet outgoing[REPLY_BATCH];
static int outgoing_count, reply_fd = -1;

void reply_init(int scheme_fd)
{
	reply_fd = scheme_fd;
	outgoing_count = 0;
}

/* Writes packets[0..count); returns how many the kernel took before refusing one. */
static int reply_write(const struct scheme_packet *packets, int count)
{
	long n = sys_write(reply_fd, (long)packets, (long)count * SCHEME_PACKET_BYTES);

	if (n >= 0)
		return (int)(n / SCHEME_PACKET_BYTES);
	if (n != -EINVAL)
		ipcd_log("writing %d answers failed (errno %ld); dropped", count, -n);
	return n == -EINVAL ? 0 : count;
}

/* The kernel refused p: say so, and give its client an error instead of nothing. */
static void reply_refused(const struct scheme_packet *p)
{
	struct scheme_packet error = *p;

	ipcd_log("the kernel refused answer %ld to request %lu from pid %lu", (long)p->a, p->id,
		 p->pid);
	if ((int64_t)p->a == -EIO)
		return;
	error.a = (uint64_t)-EIO;
	if (reply_write(&error, 1) != 1)
		ipcd_log("the kernel refused -EIO to request %lu too", p->id);
}

void reply_flush(void)
{
	int done = 0;

	while (done < outgoing_count) {
		done += reply_write(outgoing + done, outgoing_count - done);
		if (done < outgoing_count)
			reply_refused(&outgoing[done++]);
	}
	outgoing_count = 0;
}

void reply_send(const struct scheme_packet *p, int64_t result)
{
	if (outgoing_count == REPLY_BATCH)
		reply_flush();
	outgoing[outgoing_count] = *p;
	outgoing[outgoing_count].a = (uint64_t)result;
	outgoing_count++;
}
