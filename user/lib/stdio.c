/*
 * stdio.c - printf for user programs. Formatting is the kernel's own engine
 * (kernel/lib/kprintf.c, compiled into this library too): kvsnprintf is
 * vsnprintf. Output is buffered and written to fd 1 at each newline, when
 * the buffer fills, at fork and at exit.
 */
#include "anode.h"
#include "console.h"
#include "kprintf.h"

#define STDOUT_BYTES 1024

static char stdout_buf[STDOUT_BYTES];
static size_t stdout_len;

void fflush_stdout(void)
{
	size_t done = 0;

	while (done < stdout_len) {
		long n = sys_write(1, (long)(stdout_buf + done), (long)(stdout_len - done));

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	stdout_len = 0;
}

/* kprintf.c's console sink, here meaning standard output. */
void console_putc(char c)
{
	if (stdout_len == STDOUT_BYTES)
		fflush_stdout();
	stdout_buf[stdout_len++] = c;
	if (c == '\n')
		fflush_stdout();
}

int printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (int i = 0; i < n && i < (int)sizeof(line) - 1; i++)
		console_putc(line[i]);
	return n;
}

/* printf to any fd (lab 4), unbuffered: one write per call, at most 512 bytes. */
int dprintf(int fd, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(text) - 1)
		n = (int)sizeof(text) - 1;
	return write_all(fd, text, (size_t)n) < 0 ? -1 : n;
}
