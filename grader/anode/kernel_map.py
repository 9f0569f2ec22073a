"""A model of the kernel address space lab 2 builds (kernel/mm/kernel_vm.c),
computed from the kernel ELF's section table, for `test=mem-kernel-map`
(kernel/selftest/paging_test.c), which prints what the page tables hold.

Every allocated section linked in the kernel half is mapped at its link
address onto physical address - KERNEL_VMA, one permission per section:
writable sections read/write and no-execute, executable ones read-only and
executable, the rest read-only and no-execute; the page under the boot
stack (boot_stack_guard) stays unmapped. The direct map is all memory,
read/write, no-execute. Every entry above the leaves is P W U without NX.
"""
import struct

KERNEL_VMA = 0xFFFFFFFF80000000
DIRECT_MAP_BASE = 0xFFFF800000000000
KSTACK_REGION = 0xFFFFFE8000000000   # memlayout.h: process kernel stacks (lab 3)
PAGE = 4096

P, W, U, PS, NX = 1, 2, 4, 0x80, 1 << 63
TEXT, RODATA, DATA = P, P | NX, P | W | NX
TABLE_MUST, TABLE_MUST_NOT = P | W | U, NX | PS

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
LEVEL_NAMES = {4: "PML4", 3: "PDPT", 2: "PD", 1: "PT"}


def pml4_slot(va):
    return (va >> 39) & 0x1FF


def describe(bits):
    """Entry bits as the page-fault walk prints them: 'R kernel NX'."""
    words = ["W" if bits & W else "R", "user" if bits & U else "kernel", "NX" if bits & NX else "X"]
    extra = bits & ~(P | W | U | NX)
    if not bits & P:
        words.insert(0, "not present")
    if extra:
        words.append(f"+0x{extra:x}")
    return " ".join(words)


def sections(elf_path):
    """[(name, address, size, flags)] of the ELF64 file's section headers."""
    with open(elf_path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{elf_path} is not an ELF64 file")
    (_, _, _, _, _, shoff, _, _, _, _, shentsize, shnum, shstrndx) = \
        struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]

    def name(offset):
        end = data.index(b"\0", names_at + offset)
        return data[names_at + offset:end].decode()
    return [(name(h[0]), h[3], h[5], h[2]) for h in headers]


def section_bits(flags):
    if flags & SHF_EXECINSTR:
        return TEXT
    return DATA if flags & SHF_WRITE else RODATA


def image_pages(elf_path, guard_start, guard_end):
    """{page address: (bits, section name)} of the kernel image; the guard is absent."""
    pages = {}
    for name, address, size, flags in sections(elf_path):
        if not flags & SHF_ALLOC or size == 0 or address < KERNEL_VMA:
            continue
        first, end = address & ~(PAGE - 1), (address + size + PAGE - 1) & ~(PAGE - 1)
        for va in range(first, end, PAGE):
            if va in pages and pages[va][0] != section_bits(flags):
                raise ValueError(f"{name} shares page 0x{va:x} with {pages[va][1]} "
                                 "(kernel.ld must page-align sections)")
            pages[va] = (section_bits(flags), name)
    for va in range(guard_start, guard_end, PAGE):
        pages.pop(va, None)
    return pages


def runs_of(pages):
    """Coalesces {va: bits} (pa = va - KERNEL_VMA) into [(start, end, pa, bits)]."""
    runs = []
    for va in sorted(pages):
        bits = pages[va]
        if runs and runs[-1][1] == va and runs[-1][3] == bits:
            runs[-1] = (runs[-1][0], va + PAGE, runs[-1][2], bits)
        else:
            runs.append((va, va + PAGE, va - KERNEL_VMA, bits))
    return runs


def pages_of(runs):
    """Expands [(start, end, pa, bits)] into {va: (pa, bits)}."""
    pages = {}
    for start, end, pa, bits in runs:
        for va in range(start, end, PAGE):
            pages[va] = (pa + va - start, bits)
    return pages


def image_differences(expected, seen, limit=8):
    """Readable lines for the pages where seen ({va: (pa, bits)}) differs
    from expected ({va: (bits, section)}), consecutive pages grouped."""
    diffs = []
    for va in sorted(set(expected) | set(seen)):
        want = (va - KERNEL_VMA, expected[va][0]) if va in expected else None
        got = seen.get(va)
        if want != got:
            where = expected[va][1] if va in expected else "stack guard or outside the image"
            diffs.append((va, where, want, got))
    def follows(entry, first, va):
        """entry (pa, bits) continues first's run at va: same bits, next frame."""
        if entry is None or first is None:
            return entry is first
        return entry[1] == first[1] and entry[0] == first[0] + (va - start)
    lines = []
    for va, where, want, got in diffs:
        if lines:
            start, end, last_where, first_want, first_got = lines[-1]
            if end == va and last_where == where and follows(want, first_want, va) and \
                    follows(got, first_got, va):
                lines[-1][1] = va + PAGE
                continue
        lines.append([va, va + PAGE, where, want, got])

    def show(entry):
        return "unmapped" if entry is None else f"0x{entry[0]:x} {describe(entry[1])}"
    text = [f"  0x{a:x}-0x{b:x} ({where}): expected {show(want)}, saw {show(got)}"
            for a, b, where, want, got in lines[:limit]]
    if len(lines) > limit:
        text.append(f"  ... and {len(lines) - limit} more ranges")
    return text
