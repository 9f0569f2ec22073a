"""Replays `test=mem-heap` (kernel/selftest/heap_test.c): which blocks the
kernel allocates for a seed, so the grader knows the totals it must print."""
from .xorshift import XorShift64Star

OPS, SLOTS, SMALL, LARGE = 1500, 64, 600, 20000


def heap_totals(rng):
    """(allocations, bytes) for the sequence drawn from rng."""
    slots = [None] * SLOTS
    count = total = 0
    for _ in range(OPS):
        r = rng.next()
        slot = r % SLOTS
        if slots[slot] is not None:
            slots[slot] = None
            continue
        size = 1 + rng.next() % (LARGE if r & 0x100 else SMALL)
        slots[slot] = size
        count += 1
        total += size
    return count, total


def teardown_tables(rng, pages=20, user_end=1 << 47, page=4096):
    """(pages mapped, page-table frames) for `test=mem-teardown`."""
    seen = set()
    for _ in range(pages):
        va = (rng.next() % user_end) & ~(page - 1)
        if va < 0x1000 or va in seen:
            continue
        seen.add(va)
    # The PML4, then one PDPT, PD and PT per distinct 512 GiB, 1 GiB, 2 MiB span.
    tables = 1 + len({va >> 39 for va in seen}) + len({va >> 30 for va in seen}) + \
        len({va >> 21 for va in seen})
    return len(seen), tables


__all__ = ["heap_totals", "teardown_tables", "XorShift64Star"]
