/* upcase - copies stdin to stdout with a-z made A-Z: a pipeline filter. */
#include "anode.h"

int main(int argc, char **argv)
{
	static char buf[4096];
	long n;

	if (argc > 1) {
		dprintf(2, "usage: upcase (a filter: stdin to stdout)\n");
		return 2;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] = (char)(buf[i] - 'a' + 'A');
		if (write_all(1, buf, (size_t)n) < 0)
			return 1;
	}
	if (n < 0) {
		dprintf(2, "upcase: read: errno %d\n", errno);
		return 1;
	}
	return 0;
}
