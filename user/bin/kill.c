/* kill PID - ends a process (Anode has one way to: SIGKILL). */
#include "anode.h"

int main(int argc, char **argv)
{
	uint64_t pid;

	if (argc != 2 || str_to_u64(argv[1], &pid) < 0 || pid == 0 || pid > INT32_MAX) {
		dprintf(2, "usage: kill PID\n");
		return 2;
	}
	if (kill((int)pid, SIGKILL) < 0) {
		dprintf(2, "kill: %lu: %s (errno %d)\n", pid,
			errno == ESRCH ? "no such process" :
			errno == EPERM ? "not allowed" : "failed", errno);
		return 1;
	}
	return 0;
}
