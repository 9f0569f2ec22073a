"""Lab 1 (boot): console, kprintf, backtraces, exceptions, serial input, GDB.

Boots pass `lab=1` (self-tests imply it) so these tests never run code from
later labs, which is still stubbed on the lab 1 branch.

Every check depends on a fresh seed or on values chosen by the test, so a
kernel that prints canned text fails. Handout: handouts/lab1-boot.md.
"""
import os
import re
import socket
import subprocess

import pytest

from anode.backtrace_cases import walk_cases
from anode.kprintf_cases import expected_lines
from anode.runner import expect_reason
from anode.symbols import SymbolTable
from anode.xorshift import XorShift64Star

FRAME_RE = re.compile(r"^  #(\d+)\s+0x([0-9a-f]{16}) (\S+)\+0x([0-9a-f]+)$")


def frames_after(output, marker):
    """Parses the backtrace printed after the line containing marker."""
    lines = output.splitlines()
    start = next((i for i, l in enumerate(lines) if marker in l), None)
    assert start is not None, f"no line containing {marker!r} in the output"
    frames, count = [], None
    for line in lines[start + 1:]:
        m = FRAME_RE.match(line)
        if m:
            frames.append((int(m.group(1)), int(m.group(2), 16), m.group(3), int(m.group(4), 16)))
        elif line.startswith("backtrace: ") and line.endswith(" frames"):
            count = int(line.split()[1])
            break
    assert count is not None, "backtrace did not end with 'backtrace: N frames'"
    assert [f[0] for f in frames] == list(range(len(frames))), "frames are not numbered #0, #1, ..."
    assert count == len(frames), f"'backtrace: {count} frames' but {len(frames)} frame lines"
    return frames


def check_frame_symbols(cfg, frames, exact_first):
    """Each printed name+offset must be where the ELF says the address is."""
    symbols = SymbolTable(cfg.kernel_elf, cfg.nm)
    for index, address, name, offset in frames:
        # Return addresses point after the call; the call is at address - 1.
        probe = address if (exact_first and index == 0) else address - 1
        truth = symbols.function_at(probe)
        assert name == truth, f"frame #{index} 0x{address:x}: printed {name}, ELF says {truth}"
        assert symbols.address_of(name) + offset == address, \
            f"frame #{index}: {name}+0x{offset:x} is not 0x{address:x}"


@pytest.mark.points(5)
def test_boot_prints_banner_and_memory_map(run_kernel, seed, rng):
    """boot prints the banner, the command line and the memory map"""
    mib = rng.choice([48, 64, 96, 160, 256])
    result = run_kernel(f"after=exit lab=1 seed={seed}", memory=f"{mib}M")
    expect_reason(result, "ok")
    out = result.output
    assert re.search(r"^Anode \S+ \(x86_64\)", out, re.M), "no 'Anode <version> (x86_64)' banner"
    assert f"cmdline 'after=exit lab=1 seed={seed}'" in out, "banner does not show the command line"
    regions = re.findall(r"^  \[mem 0x([0-9a-f]{16})-0x([0-9a-f]{16})\] (\S.*)$", out, re.M)
    assert len(regions) >= 3, f"expected a memory map of several regions, saw {len(regions)}"
    bases = [int(b, 16) for b, _, _ in regions]
    assert bases == sorted(bases), "memory map regions are not in address order"
    usable = re.search(r"^memory: (\d+) KiB usable$", out, re.M)
    assert usable, "no 'memory: N KiB usable' line"
    kib = int(usable.group(1))
    # QEMU keeps a little of the RAM it was given (-m) for the BIOS.
    assert mib * 1024 - 1024 <= kib <= mib * 1024, f"-m {mib}M but kernel reports {kib} KiB"


@pytest.mark.points(3)
def test_unknown_cmdline_options_are_reported(run_kernel, rng):
    """unknown command-line options and bad values are reported"""
    word = f"bogus{rng.randrange(10**6)}"
    result = run_kernel(f"{word}=1 after=sideways after=exit lab=1")
    expect_reason(result, "ok")
    assert f"cmdline: unknown option '{word}=1'" in result.output, "unknown option not reported"
    assert "cmdline: bad value 'sideways' for option 'after'" in result.output, \
        "bad value not reported"


@pytest.mark.points(10)
def test_kprintf_formats_like_c_printf(run_kernel, seed):
    """kprintf formats numbers, strings and padding like C printf"""
    result = run_kernel(f"test=kprintf seed={seed}")
    expect_reason(result, "ok")
    got = [l for l in result.lines if l.startswith("kprintf-test ") and "done" not in l]
    want = expected_lines(seed)
    wrong = [f"  want {w}\n  saw  {g}" for w, g in zip(want, got) if w != g]
    assert not wrong, f"{len(wrong)} of {len(want)} lines differ, first ones:\n" + \
        "\n".join(wrong[:6])
    assert len(got) == len(want), f"expected {len(want)} kprintf-test lines, saw {len(got)}"


@pytest.mark.points(2)
def test_user_space_words_pass_through_the_command_line(qemu, rng):
    """init.* words and every word after -- are passed through to user space, in order"""
    a, b, c = (rng.randrange(10**6) for _ in range(3))
    # after=exit and the second -- come after the first --: user words, not options.
    q = qemu(f"init.run=sh{a} after=monitor init.x lab=1 -- v{b} after=exit -- init.y={c}",
             timeout=15)
    q.expect(r"anode> ")
    q.send("cmdline\r")
    m = q.expect(r"^cmdline: (\d+) words for user space: '(.*)'\n")
    want = f"init.run=sh{a} init.x v{b} after=exit -- init.y={c}"
    assert m.group(2) == want, f"user words: want '{want}', saw '{m.group(2)}'"
    assert int(m.group(1)) == len(want.split()), f"{m.group(1)} words counted in '{want}'"
    q.send("exit 0\r")
    result = q.wait()
    expect_reason(result, "ok")
    complaints = [l for l in result.lines if l.startswith("cmdline: ") and
                  re.search(r"unknown option|bad value|no room", l)]
    assert not complaints, "user words were treated as kernel options:\n" + "\n".join(complaints)


@pytest.mark.points(8)
def test_backtrace_names_every_frame(cfg, run_kernel, seed):
    """backtrace walks every frame and names each with the right symbol"""
    depth = 3 + XorShift64Star(seed).next() % 6
    result = run_kernel(f"test=backtrace seed={seed}")
    expect_reason(result, "ok")
    assert f"backtrace-test: depth {depth}" in result.output
    frames = frames_after(result.output, "backtrace-test: depth")
    names = [f[2] for f in frames]
    assert names[0] == "backtrace_test_leaf", f"frame #0 is {names[0]}, not the leaf"
    assert names[1:depth + 1] == ["backtrace_test_recurse"] * depth and \
        names[depth + 1] != "backtrace_test_recurse", \
        f"expected {depth} backtrace_test_recurse frames after the leaf: {names}"
    assert names[-2:] == ["kmain", "boot_higher_half"], f"chain must end kmain <- boot: {names}"
    check_frame_symbols(cfg, frames, exact_first=False)


@pytest.mark.points(4)
def test_panic_prints_message_and_backtrace(cfg, run_kernel, seed):
    """panic prints its message and a symbolised backtrace, then stops"""
    value = XorShift64Star(seed).next()
    result = run_kernel(f"test=panic seed={seed}")
    expect_reason(result, "panic")
    assert f"PANIC: selftest: deliberate panic 0x{value:x}" in result.output
    frames = frames_after(result.output, "PANIC: selftest")
    names = [f[2] for f in frames]
    assert "panic_test_caller" in names and names[-1] == "boot_higher_half", names
    check_frame_symbols(cfg, frames, exact_first=False)


KSYMS_LINE = re.compile(r"^ksyms-test (\S+) 0x([0-9a-f]{16}) -> (?:none|(\S+)\+0x([0-9a-f]+))$")
KSYMS_KINDS = {"text-start", "before-text", "below-text", "text-last", "text-end", "past-text",
               "rodata", "direct-map", "low", "top", "start", "inside", "last"}


def ksym_truth(symbols, address):
    """What ksym_lookup must say about address: None outside kernel text, else
    (names, start) of the last text symbols starting at or below it (aliases
    share a start; any of them is right)."""
    if not symbols.address_of("kernel_text_start") <= address < \
            symbols.address_of("kernel_text_end"):
        return None
    start = max(s for s in symbols.starts if s <= address)
    return {name for s, _, name in symbols.entries if s == start}, start


@pytest.mark.points(4)
def test_ksym_lookup_matches_nm(cfg, run_kernel, seed):
    """ksym_lookup names symbol starts, interiors and ends like nm, and nothing outside text"""
    result = run_kernel(f"test=ksyms seed={seed}")
    expect_reason(result, "ok")
    symbols = SymbolTable(cfg.kernel_elf, cfg.nm)
    probes = [m.groups() for m in map(KSYMS_LINE.match, result.lines) if m]
    kinds = {p[0] for p in probes}
    assert kinds == KSYMS_KINDS and "ksyms-test: done" in result.output, \
        f"expected lookups of every kind {sorted(KSYMS_KINDS)}, saw {sorted(kinds)}\n" \
        f"{result.describe()}"
    for kind, address, name, offset in probes:
        address = int(address, 16)
        call = f"ksym_lookup(0x{address:016x}) ({kind})"
        truth = ksym_truth(symbols, address)
        if truth is None:
            assert name is None, \
                f"{call} gave {name}+0x{offset}, expected NULL: the address is outside kernel text"
            continue
        names, start = truth
        want = f"{' or '.join(sorted(names))}+0x{address - start:x}"
        assert name is not None, f"{call} gave NULL, expected {want}"
        assert name in names and int(offset, 16) == address - start, \
            f"{call} gave {name}+0x{offset}, expected {want}"


@pytest.mark.points(4)
def test_backtrace_walk_stops_at_broken_frames(run_kernel, seed):
    """backtrace_walk stops at a zero, misaligned, lower-half or looping rbp and respects max"""
    result = run_kernel(f"test=backtrace-walk seed={seed}")
    expect_reason(result, "ok")
    got = [l for l in result.lines if re.match(r"backtrace-walk \d", l)]
    cases = walk_cases(seed)
    for (want, why), saw in zip(cases, got):
        assert saw == want, f"{why}\n  want {want}\n  saw  {saw}"
    assert len(got) == len(cases), \
        f"expected {len(cases)} backtrace-walk lines, saw {len(got)}\n{result.describe()}"


def fault_site(output):
    """The address of the faulting instruction, as the self-test announced it."""
    m = re.search(r"^fault-test: faulting instruction at 0x([0-9a-f]{16})$", output, re.M)
    assert m, "no 'fault-test: faulting instruction at 0x...' line"
    return int(m.group(1), 16)


def expect_exception_report(cfg, result, vector, name):
    expect_reason(result, "panic")
    header = re.search(rf"^EXCEPTION: vector {vector} \((#\w+) [^)]*\), error code 0x([0-9a-f]+)$",
                       result.output, re.M)
    assert header, f"no 'EXCEPTION: vector {vector} (...)' line\n{result.describe()}"
    rip = re.search(r"^  rip=0x([0-9a-f]{16}) (\S+)\+0x([0-9a-f]+)$", result.output, re.M)
    assert rip, "no '  rip=0x... symbol+0xoff' line"
    assert rip.group(2) == name, f"fault reported in {rip.group(2)}, expected {name}"
    site = fault_site(result.output)
    assert int(rip.group(1), 16) == site, f"rip=0x{rip.group(1)}, but the faulting instruction " \
        f"is at 0x{site:016x}: a fault's saved rip is the instruction itself"
    frames = frames_after(result.output, "EXCEPTION:")
    assert frames[0][2] == name and frames[-1][2] == "boot_higher_half", [f[2] for f in frames]
    assert frames[0][1] == site, \
        f"backtrace frame #0 is 0x{frames[0][1]:016x}, expected the faulting 0x{site:016x}"
    check_frame_symbols(cfg, frames, exact_first=True)
    return header, result.output


def registers(output):
    return {k: int(v, 16) for k, v in re.findall(r"\b(r\w+) ?=0x([0-9a-f]{16})", output)}


@pytest.mark.points(3)
def test_divide_error_is_reported(cfg, run_kernel, seed):
    """#DE (vector 0) is reported with the faulting function"""
    expect_exception_report(cfg, run_kernel(f"test=fault-divide seed={seed}"), 0,
                            "selftest_fault_divide")


@pytest.mark.points(3)
def test_invalid_opcode_report_shows_registers(cfg, run_kernel, seed):
    """#UD (vector 6) is reported with the interrupted registers"""
    rng = XorShift64Star(seed)
    rax, rbx, r15 = rng.next(), rng.next(), rng.next()
    _, out = expect_exception_report(cfg, run_kernel(f"test=fault-invalid-opcode seed={seed}"), 6,
                                     "selftest_fault_invalid_opcode")
    dump = registers(out[out.index("EXCEPTION:"):])
    for reg, want in (("rax", rax), ("rbx", rbx), ("r15", r15)):
        assert dump.get(reg) == want, f"{reg}: dump shows {dump.get(reg)!r}, want 0x{want:016x}"


@pytest.mark.points(3)
def test_general_protection_fault_is_reported(cfg, run_kernel, seed):
    """#GP (vector 13) from a non-canonical address is reported"""
    header, _ = expect_exception_report(cfg, run_kernel(f"test=fault-gp seed={seed}"), 13,
                                        "selftest_fault_general_protection")
    assert int(header.group(2), 16) == 0, "a non-canonical load has error code 0"


@pytest.mark.points(2)
def test_segment_fault_reports_its_error_code(cfg, run_kernel, seed):
    """#GP from a bad segment selector reports the selector as its error code"""
    selector = (8 + XorShift64Star(seed).next() % 1000) << 3
    header, _ = expect_exception_report(cfg, run_kernel(f"test=fault-segment seed={seed}"), 13,
                                        "selftest_fault_segment")
    code = int(header.group(2), 16)
    assert code == selector, f"error code 0x{code:x}, expected 0x{selector:x}: the CPU pushed " \
        "the bad selector (trap_frame.error_code)"


@pytest.mark.points(3)
def test_page_fault_reports_address_and_access(cfg, run_kernel, seed):
    """#PF (vector 14) reports cr2 and whether it was a read or a write"""
    r = XorShift64Star(seed).next()
    address = (1 + r % 255) * (1 << 39) + ((r >> 8) & 0x7FFFFFFFF8)
    write = bool(r >> 63)
    header, out = expect_exception_report(cfg, run_kernel(f"test=fault-page seed={seed}"), 14,
                                          "selftest_fault_page")
    assert int(header.group(2), 16) == (2 if write else 0), "wrong page-fault error code"
    access = "write" if write else "read"
    assert re.search(rf"^  cr2=0x{address:016x} \({access}, page not present, kernel mode\)$",
                     out, re.M), f"expected cr2=0x{address:016x} ({access}, ...)"


@pytest.mark.points(3)
def test_breakpoint_is_reported_and_resumes(run_kernel, seed):
    """#BP (int3) is reported and execution resumes after it"""
    result = run_kernel(f"test=fault-breakpoint seed={seed}")
    expect_reason(result, "ok")
    site = re.search(r"^fault-test: int3 at 0x([0-9a-f]{16})$", result.output, re.M)
    assert site, "no 'fault-test: int3 at 0x...' line"
    report = re.search(r"^trap: breakpoint at 0x([0-9a-f]{16}) "
                       r"selftest_fault_breakpoint\+0x[0-9a-f]+", result.output, re.M)
    assert report, "breakpoint not reported with its function"
    assert report.group(1) == site.group(1), f"breakpoint reported at 0x{report.group(1)}, but " \
        f"the int3 is at 0x{site.group(1)} (the saved rip points after it)"
    assert "fault-test: resumed after breakpoint" in result.output, \
        "execution must resume right after the int3, at the saved rip\n" + result.describe()


@pytest.mark.points(5)
def test_monitor_reads_and_echoes_serial_input(qemu, rng):
    """the monitor reads serial input, echoes it and runs commands"""
    word = "w%08x" % rng.randrange(1 << 32)
    status = rng.randrange(3, 60)
    q = qemu("after=monitor lab=1", timeout=15)
    q.expect(r"anode> ")
    q.send(f"echo {word} {status}\r")
    # The first line is the monitor echoing what was typed; the second is the command.
    q.expect(rf"echo {word} {status}\n{word} {status}\n")
    q.send("helpp\r")
    q.expect(r"unknown command 'helpp'")
    q.send("backtrace\r")
    q.expect(r"monitor_backtrace\+0x")
    q.send(f"exit {status}\r")
    result = q.wait()
    assert result.kernel_status == status, result.describe()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Worth no points: it needs no work from the student, only a working set-up,
# so it is a check (it still fails the run when GDB cannot debug the kernel).
@pytest.mark.points(0)
def test_gdb_breaks_at_kmain_and_reads_kernel_variables(cfg, qemu, seed):
    """GDB (with the repository's .gdbinit) stops at kmain and reads kernel data (a set-up check)"""
    port = free_port()
    q = qemu(f"test=gdb seed={seed}", gdb_port=port, timeout=30)
    word = "%x" % XorShift64Star(seed).next()
    env = dict(os.environ, ANODE_KERNEL=cfg.kernel_elf, GDBPORT=str(port))
    gdb = subprocess.run(
        [cfg.gdb, "-q", "-nx", "-batch", "-x", os.path.join(cfg.root, ".gdbinit"),
         "-ex", "break kmain", "-ex", "continue", "-ex", "print/x $rdi",
         "-ex", "break selftest_gdb_checkpoint", "-ex", "continue",
         "-ex", "print selftest_gdb_word", "-ex", "print/x boot_multiboot_magic",
         "-ex", "bt", "-ex", "continue"],
        capture_output=True, text=True, timeout=25, env=env, cwd=cfg.root)
    out = gdb.stdout + gdb.stderr
    assert "Remote 'g' packet reply is too long" not in out
    assert re.search(r"Breakpoint 1, kmain", out), f"GDB did not stop at kmain:\n{out}"
    assert "$1 = 0x2badb002" in out, f"rdi at kmain should be the multiboot magic:\n{out}"
    assert re.search(rf'\$2 = "{word}"', out), f"selftest_gdb_word should be \"{word}\":\n{out}"
    assert "$3 = 0x2badb002" in out, f"boot_multiboot_magic:\n{out}"
    # The chain ends cleanly under kmain: boot_higher_half, then the zero
    # return address of boot.asm's outermost frame, not junk frames.
    frames = re.findall(r"^#\d+\s+(?:(0x[0-9a-f]+) in )?(\S+)", out, re.M)
    names = [name for _, name in frames]
    assert "kmain" in names, f"bt did not reach kmain:\n{out}"
    below = frames[names.index("kmain") + 1:]
    junk = [f"{pc} {name}" for pc, name in below
            if name != "boot_higher_half" and int(pc or "1", 16) != 0]
    assert not junk and len(below) <= 2, f"bt shows junk frames below kmain: {below}\n{out}"
    result = q.wait()
    expect_reason(result, "ok")
    assert "gdb-test: done" in result.output
