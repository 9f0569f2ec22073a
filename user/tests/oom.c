/*
 * oom - running out of memory is an error for this process, not a panic:
 * an absurd request and then exhaustion both give ENOMEM; after freeing,
 * memory is usable again.
 */
#include "anode.h"

#define CHUNK (4L * 1024 * 1024)
#define MAX_CHUNKS 4096

int main(void)
{
	static void *chunks[MAX_CHUNKS];
	int n = 0;
	void *p = fmap_anonymous(1L << 40, PROT_READ | PROT_WRITE);

	printf("oom: 1 TiB request -> %s (errno %d)\n", p ? "mapped" : "refused", errno);
	while (n < MAX_CHUNKS && (chunks[n] = fmap_anonymous(CHUNK, PROT_READ | PROT_WRITE)) != NULL)
		n++;
	printf("oom: got %d chunks of 4 MiB, then errno %d\n", n, errno);
	for (int i = 0; i < n; i++)
		funmap(chunks[i], CHUNK);
	p = fmap_anonymous(CHUNK, PROT_READ | PROT_WRITE);
	printf("oom: after freeing, a new chunk %s\n", p ? "maps" : "fails");
	return p ? 0 : 1;
}
