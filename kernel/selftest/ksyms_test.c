/*
 * ksyms_test.c - `test=ksyms`: looks up seeded addresses with ksym_lookup
 * and prints each answer, one line per address:
 *     ksyms-test KIND 0x<address> -> name+0x<offset>      or  -> none
 * KIND says why the address was chosen: the first byte of a symbol
 * (`start`), one inside it (`inside`), its last byte before the next symbol
 * (`last`), and addresses at or just outside the edges of kernel text and
 * well away from it. The grader checks every answer against the kernel ELF
 * (nm) and that every kind was probed.
 */
#include <stdint.h>

#include "compiler.h"
#include "kprintf.h"
#include "ksyms.h"
#include "memlayout.h"
#include "random.h"
#include "selftest.h"

#define KSYMS_TEST_SYMBOLS 24

static void ksyms_probe(const char *kind, uint64_t addr)
{
	uint64_t offset = 0;
	const char *name = ksym_lookup(addr, &offset);

	if (name)
		kprintf("ksyms-test %s 0x%016lx -> %s+0x%lx\n", kind, addr, name, offset);
	else
		kprintf("ksyms-test %s 0x%016lx -> none\n", kind, addr);
}

int selftest_ksyms(void)
{
	uint64_t text_start = (uint64_t)kernel_text_start, text_end = (uint64_t)kernel_text_end;
	uint64_t rodata = (uint64_t)kernel_rodata_start;
	uint64_t rodata_bytes = (uint64_t)kernel_rodata_end - rodata;
	uint64_t r = random_next();

	kprintf("ksyms-test: %lu symbols, text 0x%016lx-0x%016lx\n", ksym_count, text_start,
		text_end);
	ksyms_probe("text-start", text_start);
	ksyms_probe("before-text", text_start - 1);
	ksyms_probe("below-text", text_start - 1 - r % 0x100000);
	ksyms_probe("text-last", text_end - 1);
	ksyms_probe("text-end", text_end);
	ksyms_probe("past-text", text_end + 1 + (r >> 20) % 0x1000);
	ksyms_probe("rodata", rodata + (r >> 32) % (rodata_bytes ? rodata_bytes : 1));
	ksyms_probe("direct-map", DIRECT_MAP_BASE + (r & 0x3fffffff));
	ksyms_probe("low", r % 0x200000);
	ksyms_probe("top", UINT64_MAX);
	for (int i = 0; i < KSYMS_TEST_SYMBOLS; i++) {
		uint64_t pick = random_next(), index = pick % ksym_count;
		uint64_t start = ksym_table[index].address;
		uint64_t end = index + 1 < ksym_count ? ksym_table[index + 1].address : start;

		ksyms_probe("start", start);
		if (end > start) {
			ksyms_probe("inside", start + (pick >> 32) % (end - start));
			ksyms_probe("last", end - 1);
		}
	}
	kprintf("ksyms-test: done\n");
	return 0;
}
