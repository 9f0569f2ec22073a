/* echo - prints its arguments joined by single spaces, then a newline. */
#include "anode.h"

#define ECHO_CHUNK 512

int main(int argc, char **argv)
{
	char out[ECHO_CHUNK];
	size_t len = 0;

	/* Gathered into one write where they fit: a reader at the other end of
	 * a pipe then gets the line in one piece. */
	for (int i = 1; i <= argc; i++) {
		const char *word = i < argc ? argv[i] : "\n";
		size_t n = strlen(word);

		if (i > 1 && i < argc)
			out[len++] = ' ';
		if (len + n + 1 > sizeof(out)) {
			if (write_all(1, out, len) < 0)
				return 1;
			len = 0;
		}
		if (n > sizeof(out) - 1) {
			if (write_all(1, word, n) < 0)
				return 1;
			continue;
		}
		memcpy(out + len, word, n);
		len += n;
	}
	return write_all(1, out, len) < 0 ? 1 : 0;
}
