/* fds - lists this process's open fds and what each is ("0 debug:"): what a
 * program inherited from the shell, or through a pipeline. */
#include "anode.h"

int main(void)
{
	for (int fd = 0; fd < 64; fd++) {
		char path[128];
		long n = fpath(fd, path, sizeof(path) - 1);

		if (n < 0 && errno == EBADF)
			continue;
		path[n > 0 ? n : 0] = '\0';
		printf("%d %s\n", fd, path);
	}
	return 0;
}
