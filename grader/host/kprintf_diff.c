/*
 * kprintf_diff.c - host harness for grader/test_lab1_host.py: formats each
 * case with the kernel's ksnprintf (kernel/lib/kprintf.c, compiled for the
 * host) and with the C library's snprintf, and prints both.
 *
 * Input, one case per line, fields separated by tabs:
 *     SIZE  TYPE  NSTARS  STAR1  STAR2  VALUE  FORMAT
 * SIZE is the buffer size passed to both functions; TYPE the C type of the
 * value (i int, u unsigned, l long, L unsigned long, q long long,
 * Q unsigned long long, z size_t, Z signed size_t); NSTARS how many int
 * arguments for `*` come before the value; VALUE is decimal.
 * Output, one line per case: KRET KHEX CRET CHEX (the buffers in hex,
 * up to their NUL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int ksnprintf(char *buf, size_t size, const char *fmt, ...);
void console_putc(char c);

/* kprintf.c's console sink; ksnprintf never uses it. */
void console_putc(char c)
{
	(void)c;
	abort();
}

#define BUF 512

#define CALL(fn, buf, size, fmt, v)                                                     \
	(nstars == 0 ? fn(buf, size, fmt, v)                                                \
	 : nstars == 1 ? fn(buf, size, fmt, s1, v)                                          \
		       : fn(buf, size, fmt, s1, s2, v))

#define BOTH(type, v)                                                                    \
	do {                                                                                 \
		type value = (type)(v);                                                          \
		kret = CALL(ksnprintf, kbuf, size, fmt, value);                                  \
		cret = CALL(snprintf, cbuf, size, fmt, value);                                   \
	} while (0)

static void hex(const char *s)
{
	if (!*s)
		putchar('-');
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat"
int main(void)
{
	char line[1024];

	/* A line per case as soon as it is done: a crash shows which case. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char kbuf[BUF], cbuf[BUF], type;
		char *field[7], *p = line;
		size_t size;
		int nstars, s1, s2, kret = 0, cret = 0;
		const char *fmt;
		unsigned long long u;
		long long s;

		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 7; i++) {
			field[i] = p;
			p = strchr(p, '\t');
			if (!p && i < 6) {
				fprintf(stderr, "kprintf_diff: malformed case '%s'\n", line);
				return 2;
			}
			if (p)
				*p++ = '\0';
		}
		size = strtoul(field[0], NULL, 10);
		type = field[1][0];
		nstars = atoi(field[2]);
		s1 = atoi(field[3]);
		s2 = atoi(field[4]);
		u = strtoull(field[5], NULL, 10);
		s = strtoll(field[5], NULL, 10);
		fmt = field[6];
		if (size > BUF)
			size = BUF;
		memset(kbuf, 0x7e, sizeof(kbuf));
		memset(cbuf, 0x7e, sizeof(cbuf));
		kbuf[BUF - 1] = cbuf[BUF - 1] = '\0';
		switch (type) {
		case 'i': BOTH(int, s); break;
		case 'u': BOTH(unsigned int, u); break;
		case 'l': BOTH(long, s); break;
		case 'L': BOTH(unsigned long, u); break;
		case 'q': BOTH(long long, s); break;
		case 'Q': BOTH(unsigned long long, u); break;
		case 'z': BOTH(size_t, u); break;
		case 'Z': BOTH(ssize_t, s); break;
		default:
			fprintf(stderr, "kprintf_diff: unknown type '%c'\n", type);
			return 2;
		}
		/* With size 0 neither may write: untouched counts as empty. */
		if (size == 0 && (unsigned char)kbuf[0] == 0x7e)
			kbuf[0] = '\0';
		if (size == 0 && (unsigned char)cbuf[0] == 0x7e)
			cbuf[0] = '\0';
		printf("%d ", kret);
		hex(kbuf);
		printf(" %d ", cret);
		hex(cbuf);
		putchar('\n');
	}
	return 0;
}
