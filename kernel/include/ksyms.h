/*
 * ksyms.h - the kernel's own symbol table (lib/ksyms.c), generated at link
 * time by lib/ksyms.awk so panics and backtraces need no host tool.
 */
#ifndef ANODE_KSYMS_H
#define ANODE_KSYMS_H

#include <stdint.h>

struct ksym {
	uint64_t address;
	const char *name;
};

/* From the generated table (ksyms.awk), sorted by address. */
extern const uint64_t ksym_count;
extern const struct ksym ksym_table[];

/*
 * Returns the name of the function containing addr and sets *offset to
 * addr minus its start, or returns NULL when addr is not in kernel text.
 */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

/* Returns the address of the symbol called name, or 0. */
uint64_t ksym_address(const char *name);

#endif
