"""What `test=kprintf` must print (kernel/selftest/kprintf_test.c).

The kernel formats seeded values with ksnprintf; this module draws the same
values and formats them with Python's % operator, which follows C's printf
for these conversions. Keep CASES in the order of kprintf_cases[] in C.
"""
import re

from .xorshift import XorShift64Star

ROUNDS = 3
WORDS = ["anode", "cathode", "microkernel", "scheme", "x", "", "long mode", "tlb"]

CASES = [
    ("%d", "int"), ("%i", "int"), ("%u", "uint"),
    ("%x", "uint"), ("%X", "uint"), ("%o", "uint"),
    ("%ld", "long"), ("%lu", "ulong"), ("%lx", "ulong"),
    ("%llX", "ulong"), ("%lo", "ulong"), ("%016lx", "ulong"),
    ("%-12d|", "small"), ("%12d|", "small"), ("%+d", "small"),
    ("% d", "small"), ("%08d", "small"), ("%.6d", "small"),
    ("%+ld", "long"), ("%#x", "nonzero"), ("%ld", "int64_min"),
    ("%lu", "uint64_max"), ("%s", "word"), ("%-10s|", "word"),
    ("%8s|", "word"), ("%.3s", "word"), ("%10.2s|", "word"),
    ("%c", "char"), ("100%%", "none"), ("%p", "pointer"),
    ("%zu", "size"), ("%d", "zero"), ("%x", "zero"),
    ("%5d|", "zero"), ("%*d|", "width_int"), ("%-*d|", "width_int"),
    ("%s", "null"),
]


def _signed(value, bits):
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _small(r):
    return r % 200001 - 100000


def _args(kind, r):
    return {
        "int": lambda: (_signed(r, 32),),
        "uint": lambda: (r & 0xFFFFFFFF,),
        "small": lambda: (_small(r),),
        "long": lambda: (_signed(r, 64),),
        "ulong": lambda: (r,),
        "nonzero": lambda: ((r & 0xFFFFFFFF) | 1,),
        "int64_min": lambda: (-(1 << 63),),
        "uint64_max": lambda: ((1 << 64) - 1,),
        "word": lambda: (WORDS[r % len(WORDS)],),
        "char": lambda: (chr(ord("a") + r % 26),),
        "pointer": lambda: (r,),
        "size": lambda: (r % 1000000,),
        "zero": lambda: (0,),
        "null": lambda: ("(null)",),
        "width_int": lambda: (r % 24, _small(r >> 32)),
        "none": lambda: (),
    }[kind]()


def c_format(fmt, args):
    """printf(fmt, args) for the cases above."""
    if fmt == "%p":
        return "0x%016x" % args[0]
    # Python ignores C's length modifiers only partly; drop them.
    python_fmt = re.sub(r"(%[-+ #0]*(?:\*|\d+)?(?:\.\d+)?)(?:ll|l|z)", r"\1", fmt)
    return python_fmt % args


def expected_lines(seed):
    """The exact lines, in order, the kernel must print for this seed."""
    rng = XorShift64Star(seed)
    lines = []
    for round_ in range(ROUNDS):
        for i, (fmt, kind) in enumerate(CASES):
            out = c_format(fmt, _args(kind, rng.next()))
            lines.append(f'kprintf-test {round_}.{i} "{fmt}": [{out}]')
    full = "%x" % (rng.next() | (1 << 63))
    lines.append(f"kprintf-test truncate: n={len(full)} [{full[:7]}]")
    return lines
