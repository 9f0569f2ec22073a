/*
 * free - how much memory is left: sys:memory ("frames total N free M",
 * "heap blocks B") as "frames: N total, M free (K KiB free)".
 */
#include "anode.h"

#define FRAME_KIB 4

/* The number after key in text, or -1 if key is not there. */
static long number_after(const char *text, const char *key)
{
	const char *at = strstr(text, key);
	long value = 0;

	if (!at)
		return -1;
	at += strlen(key);
	while (*at == ' ')
		at++;
	if (*at < '0' || *at > '9')
		return -1;
	while (*at >= '0' && *at <= '9')
		value = value * 10 + (*at++ - '0');
	return value;
}

int main(int argc, char **argv)
{
	char text[256];
	long n, total, free_frames, heap;
	int fd;

	if (argc > 1) {
		dprintf(2, "usage: free\n");
		return 2;
	}
	fd = open("sys:memory", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read_full(fd, text, sizeof(text) - 1)) < 0) {
		dprintf(2, "free: sys:memory: errno %d\n", errno);
		return 1;
	}
	close(fd);
	text[n] = '\0';
	total = number_after(text, "frames total");
	free_frames = number_after(text, "free");
	heap = number_after(text, "heap blocks");
	if (total < 0 || free_frames < 0) {
		dprintf(2, "free: sys:memory says something else: %s", text);
		return 1;
	}
	printf("frames: %ld total, %ld free (%ld KiB free)\n", total, free_frames,
	       free_frames * FRAME_KIB);
	if (heap >= 0)
		printf("kernel heap: %ld blocks in use\n", heap);
	return 0;
}
