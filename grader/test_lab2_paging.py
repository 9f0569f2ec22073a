"""Lab 2 (paging): frames, page tables, the kernel address space, the heap.

Each test runs one kernel self-test (`test=mem-*`, kernel/selftest/) with a
fresh seed and checks what it printed against values computed here, or the
fault it must cause. Handout: handouts/lab2-paging.md.
"""
import os
import re

import pytest

from anode.heap_cases import heap_totals, teardown_tables
from anode.runner import expect_reason, stub_hint
from anode.symbols import SymbolTable
from anode.xorshift import XorShift64Star

PAGE = 4096


def number(pattern, output):
    m = re.search(pattern, output, re.M)
    assert m, f"{stub_hint(output)}no line matching {pattern!r} in the output"
    return [int(g, 0) for g in m.groups()]


def frames_expected(cfg, usable_kib, table_kib):
    """The range the allocator's total must fall in: usable memory minus the
    kernel image, the frame table and low memory (below 1 MiB)."""
    symbols = SymbolTable(cfg.kernel_elf, cfg.nm)
    image = symbols.address_of("kernel_end") - 0xFFFFFFFF80000000 - 0x100000
    most = usable_kib // 4
    return most - image // PAGE - table_kib // 4 - 256 - 16, most


def expect_page_fault(result, address, access, cause):
    """The #PF report names the address, the access and why it failed."""
    expect_reason(result, "panic")
    out = result.output
    assert re.search(r"^EXCEPTION: vector 14 \(#PF", out, re.M), f"no #PF report\n{result.describe()}"
    want = f"  cr2=0x{address:016x} ({access}, {cause}, kernel mode)"
    assert want in out, f"expected the line {want!r}\n{result.describe()}"
    walk = re.findall(r"^  (PML4|PDPT|PD|PT) *\[ *(\d+)\] = 0x([0-9a-f]{16})(.*)$", out, re.M)
    assert walk and walk[0][0] == "PML4", "the report must show the page walk, PML4 first"
    for level, (name, index, _, _) in zip((4, 3, 2, 1), walk):
        want_index = (address >> (12 + 9 * (level - 1))) & 0x1FF
        assert int(index) == want_index, f"{name} index {index}, expected {want_index}"
    return walk


@pytest.mark.points(4)
def test_boot_sets_up_the_kernel_address_space(cfg, run_kernel):
    """boot builds the kernel address space and counts free frames (128 MiB)"""
    result = run_kernel("after=exit lab=2", memory="128M")
    expect_reason(result, "ok")
    usable_kib = number(r"^memory: (\d+) KiB usable$", result.output)[0]
    free, total, kib = number(r"^boot: lab 2 stage up: (\d+) of (\d+) frames free, (\d+) KiB", result.output)
    low, high = frames_expected(cfg, usable_kib, kib)
    assert low <= total <= high, f"{total} frames of {usable_kib} KiB, expected {low}..{high}"
    assert total - 100 <= free <= total, f"{free} free of {total} right after boot"
    assert kib * 1024 <= 128 * 2**20 // 1000, "frame bookkeeping over 0.1% of memory"


@pytest.mark.points(4)
def test_boot_with_4_gib_maps_all_memory(cfg, run_kernel):
    """boot works with 4 GiB of RAM, and the bookkeeping stays under 0.1%"""
    result = run_kernel("after=exit lab=2", memory="4G", timeout=20)
    expect_reason(result, "ok")
    usable_kib = number(r"^memory: (\d+) KiB usable$", result.output)[0]
    mib = number(r"^vm: kernel address space at 0x[0-9a-f]+, (\d+) MiB direct-mapped$", result.output)[0]
    free, total, kib = number(r"^boot: lab 2 stage up: (\d+) of (\d+) frames free, (\d+) KiB", result.output)
    assert usable_kib >= 4 * 2**20 - 2048, f"QEMU -m 4G gave {usable_kib} KiB?"
    low, high = frames_expected(cfg, usable_kib, kib)
    assert low <= total <= high, f"{total} frames of {usable_kib} KiB, expected {low}..{high}"
    assert mib * 1024 >= usable_kib, "the direct map must cover all usable memory"
    assert kib * 1024 <= usable_kib * 1024 // 1000, "frame bookkeeping over 0.1% of memory"


@pytest.mark.points(6)
def test_frames_all_allocated_distinct_then_all_freed(cfg, run_kernel, seed, rng):
    """every free frame can be allocated once, zeroed, and freed again"""
    mib = rng.choice([40, 48, 64])
    result = run_kernel(f"test=mem-frames seed={seed}", memory=f"{mib}M", timeout=20)
    expect_reason(result, "ok")
    before, allocated, distinct, dirty = number(
        r"^frames-test: free before (\d+), allocated (\d+), distinct (\d+), not zeroed (\d+)$",
        result.output)
    after, total = number(r"^frames-test: free after (\d+) of (\d+)$", result.output)
    usable_kib = number(r"^memory: (\d+) KiB usable$", result.output)[0]
    assert allocated == before, f"allocated {allocated} frames but {before} were free"
    assert distinct == allocated, f"only {distinct} of {allocated} frames were distinct"
    assert dirty == 0, f"{dirty} frames were not zero-filled"
    assert after == before, f"free count {after} after freeing all, was {before}"
    low, high = frames_expected(cfg, usable_kib, 4 * ((usable_kib // 4 * 2 + 4095) // 4096))
    assert low <= total <= high, f"frame total {total} does not match memory ({low}..{high})"
    assert "frames-test: reference counts ok" in result.output


@pytest.mark.points(3)
def test_frame_double_free_panics(run_kernel, seed):
    """freeing a frame twice panics with a clear message"""
    result = run_kernel(f"test=mem-frame-double-free seed={seed}")
    expect_reason(result, "panic")
    pa = number(r"^frame-double-free-test: freeing frame (0x[0-9a-f]+) twice$", result.output)[0]
    assert f"PANIC: frame_free: frame 0x{pa:x} is not allocated" in result.output, result.describe()


@pytest.mark.points(8)
def test_map_alias_protect_unmap_at_seeded_addresses(run_kernel, seed):
    """pages map at seeded addresses, aliases see each other's writes, unmap works"""
    result = run_kernel(f"test=mem-map seed={seed}")
    expect_reason(result, "ok")
    rng = XorShift64Star(seed)
    want = []
    for _ in range(12):
        want.append((1 << 30) + ((rng.next() % (1 << 30)) & ~(PAGE - 1)))
        rng.next()  # the value the kernel writes
    got = [int(v, 16) for v in re.findall(r"^map-test: page 0x([0-9a-f]{16}) -> frame mapped, "
                                          r"aliased, checked$", result.output, re.M)]
    assert got == want, f"pages checked {[hex(v) for v in got]}, expected {[hex(v) for v in want]}"
    before, after = number(r"^map-test: free frames before (\d+), after destroy (\d+)$", result.output)
    assert before == after, f"destroying the address space leaked {before - after} frames"


@pytest.mark.points(6)
def test_teardown_returns_every_page_table_frame(run_kernel, seed):
    """destroying an address space frees every page-table frame"""
    pages, tables = teardown_tables(XorShift64Star(seed))
    result = run_kernel(f"test=mem-teardown seed={seed}")
    expect_reason(result, "ok")
    got_pages, got_tables = number(r"^teardown-test: mapped (\d+) pages using (\d+) page-table frames$",
                                   result.output)
    assert (got_pages, got_tables) == (pages, tables), \
        f"expected {pages} pages in {tables} tables, kernel says {got_pages} in {got_tables}"
    before, after = number(r"^teardown-test: free frames before (\d+), after destroy (\d+)$",
                           result.output)
    assert before == after, f"teardown leaked {before - after} frames"


@pytest.mark.points(4)
def test_unmapped_page_fault_reports_address_and_walk(run_kernel, seed):
    """reading an unmapped page reports its address and the missing PT entry"""
    va = 0xFFFFC00000000000 + ((XorShift64Star(seed).next() % (1 << 30)) & ~(PAGE - 1))
    walk = expect_page_fault(run_kernel(f"test=mem-unmapped seed={seed}"), va, "read",
                             "page not present")
    assert len(walk) == 4 and walk[3][3].strip() == "not present" and int(walk[3][2], 16) == 0, \
        f"the walk must end at an empty PT entry: {walk}"


@pytest.mark.points(4)
def test_kernel_text_is_read_only(cfg, run_kernel, seed):
    """writing to kernel text faults (text is R-X, CR0.WP is on)"""
    symbols = SymbolTable(cfg.kernel_elf, cfg.nm)
    start = symbols.address_of("kernel_text_start") or 0
    end = symbols.address_of("kernel_text_end") or 0
    assert start and end, "kernel_text_start/end missing from the ELF"
    address = start + XorShift64Star(seed).next() % (end - start)
    walk = expect_page_fault(run_kernel(f"test=mem-write-text seed={seed}"), address, "write",
                             "protection violation")
    assert " R kernel X" in walk[-1][3], f"text page should be read-only, executable: {walk[-1]}"


@pytest.mark.points(4)
def test_heap_is_not_executable(run_kernel, seed):
    """jumping into kmalloc memory faults (NX)"""
    result = run_kernel(f"test=mem-nx-heap seed={seed}")
    address = number(r"^nx-heap-test: calling heap address (0x[0-9a-f]{16})$", result.output)[0]
    assert address >= 0xFFFF800000000000, "kmalloc memory should be in the direct map"
    walk = expect_page_fault(result, address, "instruction fetch", "protection violation")
    assert walk[-1][3].endswith("NX"), f"the heap page must be marked NX: {walk[-1]}"


@pytest.mark.points(3)
def test_nothing_is_mapped_at_address_zero(run_kernel, seed):
    """address 0 is unmapped: a NULL dereference faults"""
    address = (XorShift64Star(seed).next() % PAGE) & ~7
    walk = expect_page_fault(run_kernel(f"test=mem-null seed={seed}"), address, "read",
                             "page not present")
    assert walk[0][3].strip() == "not present", "PML4 entry 0 must be empty"


@pytest.mark.points(4)
def test_stack_overflow_hits_the_guard_page(run_kernel, seed):
    """running off the boot stack hits its guard page and is reported"""
    result = run_kernel(f"test=mem-stack-overflow seed={seed}")
    expect_reason(result, "panic")
    assert "trap: kernel stack overflow" in result.output, result.describe()
    assert re.search(r"^EXCEPTION: vector 8 \(#DF", result.output, re.M), "expected a double fault"


@pytest.mark.points(6)
def test_heap_stress_keeps_every_block_intact(run_kernel, seed):
    """a seeded kmalloc/kfree sequence keeps every block's contents intact"""
    count, total = heap_totals(XorShift64Star(seed))
    result = run_kernel(f"test=mem-heap seed={seed}", timeout=20)
    expect_reason(result, "ok")
    got = number(r"^heap-test: (\d+) allocations, (\d+) bytes, (\d+) corrupted blocks$", result.output)
    assert got == [count, total, 0], f"expected {count} allocations, {total} bytes, 0 corrupted; saw {got}"


@pytest.mark.points(3)
def test_heap_overflow_is_caught_by_kfree(run_kernel, seed):
    """kfree notices a write past the end of a block"""
    size = 1 + XorShift64Star(seed).next() % 200
    result = run_kernel(f"test=mem-heap-overflow seed={seed}")
    expect_reason(result, "panic")
    assert re.search(rf"^PANIC: kfree: write past the end of the {size}-byte block at 0x",
                     result.output, re.M), result.describe()


@pytest.mark.points(3)
def test_heap_double_free_is_caught(run_kernel, seed):
    """kfree of a freed block panics as a double free"""
    result = run_kernel(f"test=mem-heap-double-free seed={seed}")
    expect_reason(result, "panic")
    size = 1 + XorShift64Star(seed).next() % 3000
    m = re.search(rf"^heap-double-free-test: freeing the {size}-byte block at (0x[0-9a-f]+) twice$",
                  result.output, re.M)
    assert m, result.describe()
    assert f"PANIC: kfree: double free of {m.group(1)}" in result.output, result.describe()


@pytest.mark.points(2)
def test_boot_module_frames_are_held_not_freed(run_kernel, seed, log_dir):
    """a boot module's frames are held once by the boot, and a mapping's reference comes and goes"""
    os.makedirs(log_dir, exist_ok=True)
    size = 3 * PAGE + XorShift64Star(seed).next() % (5 * PAGE)
    module = os.path.join(log_dir, "module.bin")
    with open(module, "wb") as f:
        f.write(bytes(size))
    result = run_kernel(f"test=mem-module-frames seed={seed}", extra_args=("-initrd", module))
    expect_reason(result, "ok")
    frames, wrong = number(r"^module-test: module 0 has (\d+) frames, (\d+) not held exactly once$",
                           result.output)
    want = (size + PAGE - 1) // PAGE
    assert frames == want, f"a {size}-byte module covers {want} frames, saw {frames}"
    assert wrong == 0, f"{wrong} module frames not held exactly once after boot"
    wrong, before, after = number(r"^module-test: after mapping and destroying, (\d+) not held exactly "
                                  r"once; free frames before (\d+), after (\d+)$", result.output)
    assert wrong == 0 and before == after, result.describe()
