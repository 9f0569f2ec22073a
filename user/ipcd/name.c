/*
 * name.c - the names of channels and shared-memory objects: what follows
 * `chan:` or `shm:` in a path, 1 to IPCD_NAME_MAX bytes. Any byte but NUL
 * is allowed (names are printed in log lines, so a NUL would cut them).
 */
#include "ipcd.h"

int ipcd_check_name(const char *name, uint64_t len)
{
	if (len == 0)
		return -EINVAL;
	if (len > IPCD_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name, '\0', len))
		return -EINVAL;
	return 0;
}
