/*
 * ksyms.c - address -> function name, for backtraces and trap reports
 * (lab 1, handout §4). The table comes from the second kernel link
 * (kernel/Makefrag, ksyms.awk): every text symbol, sorted by address.
 */
#include "ksyms.h"
#include "kstring.h"
#include "memlayout.h"

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	// LAB 1.3 BEGIN: binary-search ksym_table for the last symbol <= addr (text only); §4
	uint64_t lo = 0, hi = ksym_count;

	/* Outside kernel text, the nearest symbol would be a lie. */
	if (addr < (uint64_t)kernel_text_start || addr >= (uint64_t)kernel_text_end)
		return NULL;
	/* Invariant: entries before lo start at or below addr; from hi on, above. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (ksym_table[mid].address <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	*offset = addr - ksym_table[lo - 1].address;
	return ksym_table[lo - 1].name;
	// LAB 1.3 STUB
	// return NULL;
	// LAB 1.3 END
}

uint64_t ksym_address(const char *name)
{
	for (uint64_t i = 0; i < ksym_count; i++)
		if (strcmp(ksym_table[i].name, name) == 0)
			return ksym_table[i].address;
	return 0;
}
