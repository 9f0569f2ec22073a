"""Lab 2 (paging), the page tables themselves: what the kernel's tables hold
compared with the kernel ELF, pt_walk's contract, vm_map_range's rollback,
unmapping across holes, TLB invalidation and recycled frames.

Each test runs one self-test (kernel/selftest/paging_test.c, frame_test.c)
with a fresh seed, replays the seeded addresses here and checks every
number the kernel printed. Handout: handouts/lab2-paging.md.
"""
import re

import pytest

from anode.kernel_map import (DATA, DIRECT_MAP_BASE, KSTACK_REGION, LEVEL_NAMES, PAGE, TABLE_MUST,
                              TABLE_MUST_NOT, describe, image_differences, image_pages, pages_of,
                              pml4_slot)
from anode.runner import expect_reason
from anode.symbols import SymbolTable
from anode.xorshift import XorShift64Star

SPAN = 1 << 46          # paging_test.c's TEST_SPAN: seeded user addresses fall below
HUGE_2M, HUGE_1G = 1 << 21, 1 << 30
EEXIST, ENOMEM = -17, -12
USER_PAGE = 0x8000000000000007   # P W U NX: a VM_USER | VM_WRITE page


def match(pattern, result):
    m = re.search(pattern, result.output, re.M)
    assert m, f"no line matching {pattern!r} in the output\n{result.describe()}"
    return m.groups()


def numbers(pattern, result):
    return [int(g, 0) for g in match(pattern, result)]


def table_entry_problem(bits):
    """Why an entry above the leaves is wrong, or None."""
    missing = TABLE_MUST & ~bits
    extra = bits & TABLE_MUST_NOT
    if not missing and not extra:
        return None
    names = {1: "P", 2: "W", 4: "U", 0x80: "PS (huge)", 1 << 63: "NX"}
    return ", ".join([f"without {names[b]}" for b in names if missing & b] +
                     [f"with {names[b]}" for b in names if extra & b])


def check_leaks(result, prefix):
    before, after = numbers(rf"^{prefix}: free frames before (\d+), after(?: destroy)? (\d+)$", result)
    assert before == after, f"{prefix}: {before - after} frames leaked (free {before} before, {after} after)"


@pytest.mark.points(8)
def test_kernel_mappings_match_the_elf_sections(cfg, run_kernel, seed, rng):
    """every kernel page has its ELF section's permissions; every table entry is P W U"""
    memory = rng.choice([64, 128, 256])
    result = run_kernel(f"test=mem-kernel-map seed={seed}", memory=f"{memory}M")
    expect_reason(result, "ok")
    root, mib = numbers(r"^vm: kernel address space at (0x[0-9a-f]+), (\d+) MiB direct-mapped$", result)
    cr3, wp, nxe = numbers(r"^kernel-map: cr3 (0x[0-9a-f]+), cr0\.wp (\d+), efer\.nxe (\d+)$", result)
    assert cr3 == root, f"CR3 holds 0x{cr3:x}, expected the kernel's tables at 0x{root:x}"
    assert wp == 1, "CR0.WP is off: the kernel can write to read-only pages"
    assert nxe == 1, "EFER.NXE is off: NX bits are not honoured"

    leaves, total, hidden, unlisted = numbers(
        r"^kernel-map: (\d+) leaf entries in (\d+) runs \((\d+) not shown\), (\d+) table entries "
        r"not listed$", result)
    assert hidden == 0, f"{total} runs of mappings ({leaves} leaf entries): pages are mapped to " \
                        "scattered frames or with mixed bits; expected a handful of runs"
    runs = [tuple(int(v, 16) for v in m) for m in re.findall(
        r"^kernel-map: run 0x([0-9a-f]+)-0x([0-9a-f]+) -> 0x([0-9a-f]+) bits 0x([0-9a-f]+)$", result.output, re.M)]
    assert len(runs) == total, f"{total} runs announced, {len(runs)} printed"

    # The kernel image (PML4 slot 511), page by page, against the ELF sections.
    symbols = SymbolTable(cfg.kernel_elf, cfg.nm)
    guard = (symbols.address_of("boot_stack_guard"), symbols.address_of("boot_stack_bottom"))
    assert all(guard), "boot_stack_guard/boot_stack_bottom missing from the ELF"
    expected = image_pages(cfg.kernel_elf, *guard)
    image = pages_of([r for r in runs if pml4_slot(r[0]) == 511])
    diffs = image_differences(expected, image)
    assert not diffs, "the kernel image is mapped wrong (each section at its physical address, text " \
                      "R X, rodata and ksyms R NX, data and bss W NX, the stack guard unmapped):\n" + \
                      "\n".join(diffs)

    # The direct map: all memory, read/write, no-execute, one run.
    direct = [r for r in runs if DIRECT_MAP_BASE <= r[0] < KSTACK_REGION]
    want = [(DIRECT_MAP_BASE, DIRECT_MAP_BASE + (mib << 20), 0, DATA)]
    assert direct == want, "the direct map should be " + \
        f"0x{want[0][0]:x}-0x{want[0][1]:x} -> 0x0 {describe(DATA)}; saw " + \
        ", ".join(f"0x{a:x}-0x{b:x} -> 0x{p:x} {describe(bits)}" for a, b, p, bits in direct)
    others = [r for r in runs if r not in direct and pml4_slot(r[0]) != 511]
    assert not others, "unexpected mappings (nothing else is mapped in lab 2): " + \
        ", ".join(f"0x{a:x}-0x{b:x} -> 0x{p:x} {describe(bits)}" for a, b, p, bits in others[:6])

    slots = sorted(int(s) for s in re.findall(r"^kernel-map: pml4 slot (\d+) present$", result.output, re.M))
    want_slots = sorted({pml4_slot(DIRECT_MAP_BASE + (mib << 20) - 1), pml4_slot(DIRECT_MAP_BASE),
                         pml4_slot(KSTACK_REGION), 511})
    assert slots == want_slots, f"PML4 slots present: {slots}, expected {want_slots} (direct map, " \
                                "kernel stacks, kernel image; nothing in the user half)"

    # Every entry above the leaves: P W U, no NX, no huge page.
    kinds = re.findall(r"^kernel-map: level (\d) table entries with bits 0x([0-9a-f]+): (\d+)$", result.output, re.M)
    assert kinds and unlisted == 0, "the walk found no table entries, or too many kinds"
    for level, bits, count in kinds:
        problem = table_entry_problem(int(bits, 16))
        assert problem is None, f"{count} {LEVEL_NAMES[int(level)]} entries pointing to tables are " \
            f"{problem} (bits 0x{int(bits, 16):x}); expected P W U without NX: the leaf decides"


@pytest.mark.points(5)
def test_pt_walk_creates_only_when_asked_and_stops_at_huge_pages(run_kernel, seed):
    """pt_walk creates P W U tables only when asked, returns the PT entry, and NULL under huge pages"""
    rng = XorShift64Star(seed)
    va = rng.next() % SPAN & ~(PAGE - 1)
    va2 = ((va ^ HUGE_2M) & ~(HUGE_2M - 1)) + (rng.next() % HUGE_2M & ~(PAGE - 1))
    va3 = ((va ^ HUGE_1G) & ~(HUGE_1G - 1)) + (rng.next() % HUGE_1G & ~(PAGE - 1))
    result = run_kernel(f"test=mem-walk seed={seed}")
    expect_reason(result, "ok")
    match(rf"^walk-test: va 0x{va:016x}, under a 2 MiB page 0x{va2:016x}, under a 1 GiB page "
          rf"0x{va3:016x}$", result)
    got, frames = match(r"^walk-test: without create: (.*), (\d+) frames allocated$", result)
    assert (got, frames) == ("NULL", "0"), \
        f"pt_walk(create=false) in an empty space: expected NULL and no frame allocated, " \
        f"saw {got} and {frames} frames"
    entry, which, tables, again, more = match(
        r"^walk-test: with create: (.*), (.*), (\d+) tables created; walking again: (.*) entry, "
        r"(\d+) more frames$", result)
    assert entry == "an empty entry" and which == "the PT entry for va", \
        f"pt_walk(create=true) must return the empty PT entry for va; saw {entry}, {which}"
    assert tables == "3", f"a page in an empty space needs 3 new tables (PDPT, PD, PT); {tables} created"
    assert again == "the same" and more == "0", \
        f"walking again must return the same entry without allocating; saw {again}, {more} frames"
    levels = re.findall(r"^walk-test: level (\d) entry for va: bits 0x([0-9a-f]+)$", result.output, re.M)
    assert len(levels) == 3, "expected the bits of the PML4, PDPT and PD entries"
    for level, bits in levels:
        problem = table_entry_problem(int(bits, 16))
        assert problem is None, f"the {LEVEL_NAMES[int(level)]} entry pt_walk created is {problem} " \
                                f"(bits 0x{int(bits, 16):x}); expected P W U without NX"
    err, bits, frame = match(r"^walk-test: user page mapped \((-?\d+)\): bits (0x[0-9a-f]+), (.*) frame$", result)
    assert int(err) == 0 and int(bits, 16) == USER_PAGE and frame == "the right", \
        f"mapping a user page: expected 0, entry {describe(USER_PAGE)}, the right frame; saw " \
        f"{err}, {describe(int(bits, 16))}, {frame} frame"
    for size in ("2 MiB", "1 GiB"):
        without, with_, err, kept, frames = match(
            rf"^walk-test: under a {size} page: (.*) without create, (.*) with create, map returned "
            r"(-?\d+), the huge entry (\w+), (\d+) frames allocated$", result)
        assert without == "NULL" and with_ == "NULL", \
            f"under a {size} page pt_walk must return NULL (there is no PT entry); saw {without} " \
            f"without create, {with_} with create"
        assert int(err) < 0 and kept == "kept" and frames == "0", \
            f"mapping a page under a {size} page must fail and change nothing; saw {err}, the " \
            f"huge entry {kept}, {frames} frames allocated"
    check_leaks(result, "walk-test")


@pytest.mark.points(6)
def test_failed_map_leaves_nothing_behind(run_kernel, seed):
    """a vm_map_range failing with -EEXIST or -ENOMEM undoes exactly its own pages"""
    rng = XorShift64Star(seed)
    n = 3 + rng.next() % 14
    boundary = (rng.next() % SPAN & ~(HUGE_2M - 1)) | HUGE_2M
    va = boundary - (1 + rng.next() % (n - 1)) * PAGE
    k = 1 + rng.next() % (n - 1)
    n2 = 2 + rng.next() % 8
    boundary2 = rng.next() % SPAN & ~(HUGE_2M - 1)
    below = 1 + rng.next() % (n2 - 1)
    if boundary2 % HUGE_1G == 0:
        boundary2 += HUGE_2M
    va2 = boundary2 - below * PAGE
    result = run_kernel(f"test=mem-map-rollback seed={seed}")
    match(rf"^rollback-test: mapping {n} pages at 0x{va:016x} over the page at 0x{va + k * PAGE:016x}$", result)
    err, left, old, kept, lost = match(
        r"^rollback-test: returned (-?\d+); (\d+) new pages left mapped, the old page (\w+), (\d+) of 2 "
        r"neighbours kept, (\d+) frames of the range lost their reference$", result)
    assert int(err) == EEXIST, f"mapping over a mapped page must return -EEXIST ({EEXIST}), not {err}"
    assert left == "0", f"after -EEXIST, {left} pages the call mapped before the mapped page " \
                        f"(page {k} of {n}) stayed mapped; a failed call must undo them"
    assert old == "kept" and kept == "2", \
        f"after -EEXIST the page that was already mapped was {old} and {kept} of 2 neighbours " \
        "kept: the undo must remove only what the call mapped"
    assert lost == "0", f"after -EEXIST, {lost} of the caller's frames lost their reference: " \
                        "the undo must not free them"
    match(rf"^rollback-test: mapping {n2} pages at 0x{va2:016x} with frames for 3 page tables$", result)
    err, left, lost = match(r"^rollback-test: returned (-?\d+); (\d+) pages left mapped, (\d+) frames of "
                            r"the range lost their reference$", result)
    assert int(err) == ENOMEM, f"running out of memory for a page table must return -ENOMEM " \
                               f"({ENOMEM}), not {err}"
    assert left == "0", f"after -ENOMEM at page {below} of {n2}, {left} pages stayed mapped; " \
                        "a failed call must undo them"
    assert lost == "0", f"after -ENOMEM, {lost} of the caller's frames lost their reference"
    check_leaks(result, "rollback-test")
    expect_reason(result, "ok")


@pytest.mark.points(3)
def test_recycled_frames_come_back_zeroed(run_kernel, seed):
    """freed frames are handed out again, each once and zeroed"""
    n = 8 + XorShift64Star(seed).next() % 57
    result = run_kernel(f"test=mem-frame-recycle seed={seed}")
    got, dirty, foreign, twice = numbers(
        r"^recycle-test: (\d+) frames written on and freed, then allocated again: (\d+) not zeroed, "
        r"(\d+) not among the freed ones, (\d+) handed out twice$", result)
    assert got == n, f"the test used {got} frames, expected {n} for seed {seed}"
    assert dirty == 0, f"{dirty} of {n} recycled frames came back with the old contents (not zeroed)"
    assert foreign == 0, f"{foreign} of {n} frames allocated right after freeing {n} did not come " \
                         "from the freed stack"
    assert twice == 0, f"{twice} frames were handed out twice"
    before, freed, again = numbers(r"^recycle-test: free frames (\d+) before, (\d+) after freeing, "
                                   r"(\d+) after allocating again$", result)
    assert freed == before and again == before - n, \
        f"free count {before} at first, {freed} after allocating and freeing {n} frames, {again} " \
        f"after allocating {n} again; expected {before}, {before - n}"
    end, = numbers(r"^recycle-test: free frames at the end (\d+)$", result)
    assert end == before, f"free count {end} after freeing everything, was {before}"
    expect_reason(result, "ok")


@pytest.mark.points(1)
def test_recycled_tables_start_empty(run_kernel, seed):
    """page tables built from frames that were written on and freed hold only the new entry"""
    result = run_kernel(f"test=mem-recycled-tables seed={seed}")
    present = numbers(r"^recycle-test: one page mapped in a new address space built from \d+ "
                      r"scribbled frames: present entries (\d+) in the PML4's user half, (\d+) in "
                      r"the PDPT, (\d+) in the PD, (\d+) in the PT$", result)
    assert present == [1, 1, 1, 1], \
        f"page tables made of recycled frames must hold only the new entry; present entries " \
        f"(PML4 user half, PDPT, PD, PT): {present}"
    check_leaks(result, "recycle-test")
    expect_reason(result, "ok")


@pytest.mark.points(4)
def test_unmap_range_with_holes(run_kernel, seed):
    """unmapping a 4 GiB range with holes at every level removes and frees exactly its pages"""
    rng = XorShift64Star(seed)
    slot = 1 + rng.next() % 254
    start = (slot << 39) - (1 << 31)
    end = start + (1 << 32)
    pages, shared = [], 0
    for i in range(18):
        va = start if i == 0 else end - PAGE if i == 1 else start + (rng.next() % (1 << 32) & ~(PAGE - 1))
        if va in pages:
            continue
        pages.append(va)
        shared += i % 4 == 3
    result = run_kernel(f"test=mem-unmap-holes seed={seed}")
    match(rf"^holes-test: unmapping 0x{start:016x}-0x{end:016x}: {len(pages)} pages mapped in it, "
          rf"{shared} of them shared$", result)
    still, uncleared, freed, owned, held, nshared, up, kept = numbers(
        r"^holes-test: (\d+) still mapped, (\d+) entries not cleared, (\d+) of (\d+) frames freed, "
        r"(\d+) of (\d+) shared frames still held once, free count up by (\d+), (\d+) of 2 "
        r"neighbours kept$", result)
    assert still == 0 and uncleared == 0, \
        f"after unmapping the range, {still} of its {len(pages)} pages are still mapped and " \
        f"{uncleared} entries not cleared"
    assert freed == owned == len(pages) - shared and up == owned, \
        f"of {owned} frames held only by the mapping {freed} were freed (free count up by {up}); " \
        f"expected {len(pages) - shared}"
    assert held == nshared == shared, f"{nshared - held} of {nshared} frames with a second reference " \
                                      "were freed (or lost both references)"
    assert kept == 2, f"{2 - kept} of the pages just outside the range were unmapped"
    check_leaks(result, "holes-test")
    expect_reason(result, "ok")


@pytest.mark.points(4)
def test_unmap_invalidates_the_tlb(run_kernel, seed):
    """pages written, unmapped and mapped to new frames read the new frames (invlpg)"""
    rng = XorShift64Star(seed)
    n = 16 + rng.next() % 49
    va = rng.next() % SPAN & ~(PAGE - 1)
    result = run_kernel(f"test=mem-tlb seed={seed}")
    got_n, got_va, new, old, other = numbers(
        r"^tlb-test: (\d+) pages at (0x[0-9a-f]+) written, unmapped and mapped to new frames: (\d+) reads "
        r"saw the new frame, (\d+) the old one, (\d+) something else$", result)
    assert (got_n, got_va) == (n, va), f"expected {n} pages at 0x{va:x}, the kernel used {got_n} at 0x{got_va:x}"
    assert new == n, f"{old} of {n} reads went to the old, unmapped frame and {other} elsewhere: " \
                     "the TLB kept the old translations (invlpg after clearing each entry)"
    half, rest, own, total = numbers(
        r"^tlb-test: unmapped (\d+) pages freeing their frames, (\d+) keeping them; (\d+) of the "
        r"(\d+) had their own address invalidated$", result)
    assert own == total == half + rest == n, \
        f"only {own} of {n} unmapped pages were invalidated at their own address (invlpg takes " \
        "the page's virtual address, whether or not its frame is freed)"
    check_leaks(result, "tlb-test")
    expect_reason(result, "ok")
