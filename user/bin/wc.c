/* wc - counts stdin's lines, words and bytes: prints "LINES WORDS BYTES". */
#include "anode.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int main(int argc, char **argv)
{
	static char buf[4096];
	unsigned long lines = 0, words = 0, bytes = 0;
	bool in_word = false;
	long n;

	if (argc > 1) {
		dprintf(2, "usage: wc (counts stdin)\n");
		return 2;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		bytes += (unsigned long)n;
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n')
				lines++;
			if (is_space(buf[i]))
				in_word = false;
			else if (!in_word)
				in_word = true, words++;
		}
	}
	if (n < 0) {
		dprintf(2, "wc: read: errno %d\n", errno);
		return 1;
	}
	printf("%lu %lu %lu\n", lines, words, bytes);
	return 0;
}
