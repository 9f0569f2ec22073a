/*
 * tlb.c - the TLB observer hook of x86.h's tlb_invalidate: NULL except
 * while the mem-tlb self-test (selftest/paging_test.c) records which
 * addresses an unmap invalidates.
 */
#include "arch/x86_64/x86.h"

void (*tlb_invalidate_observer)(uint64_t va);
