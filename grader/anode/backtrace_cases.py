"""What `test=backtrace-walk` must print (kernel/selftest/backtrace_test.c).

The kernel builds frame chains from seeded numbers, breaks each in one way
and prints what backtrace_walk returned; this module draws the same numbers
and knows how many return addresses a correct walker collects before it
stops. Keep CASES in the order of enum walk_case in C.
"""
from .xorshift import XorShift64Star

ROUNDS, PCS = 2, 16
CASES = ["end", "zero-return", "misaligned", "lower-half", "non-canonical", "self-loop",
         "downward", "max"]
WHY = {
    "end": "an intact chain: every frame up to the saved rbp of 0",
    "zero-return": "frame #{k} has return address 0: stop before it",
    "misaligned": "frame #{k}'s saved rbp is not 8-byte aligned: stop after frame #{k}",
    "lower-half": "frame #{k}'s saved rbp is an unmapped lower-half address: stop after it",
    "non-canonical": "frame #{k}'s saved rbp is non-canonical: stop after it",
    "self-loop": "frame #{k}'s saved rbp points at frame #{k} itself: stop after it",
    "downward": "frame #{k}'s saved rbp points down the stack: stop after it",
    "max": "an intact chain of {n} frames walked with max={m}: exactly {m}",
}


def walk_cases(seed):
    """[(line the kernel must print, why)] in order."""
    rng = XorShift64Star(seed)
    out = []
    for round_ in range(ROUNDS):
        for name in CASES:
            r = rng.next()
            n = 3 + r % 5
            k = (r >> 8) % (n - 1)
            pcs = [rng.next() | 1 for _ in range(n)]
            # Every broken frame still counts except one whose return address is 0.
            want = pcs if name == "end" else pcs[:k] if name == "zero-return" else pcs[:k + 1]
            line = (f"backtrace-walk {round_}.{name}: {len(want)} frames "
                    f"[{' '.join('0x%x' % pc for pc in want)}] rest untouched")
            out.append((line, WHY[name].format(k=k, n=n, m=k + 1)))
    return out
