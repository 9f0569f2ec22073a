"""Lab 1 (boot), host side: exercises that are plain C, run on the host.

kprintf.c and serial.c are compiled with the host's C compiler next to a
harness from grader/host/ (anode/host.py builds them into the build
folder): format_number is compared with the C library's snprintf over
thousands of seeded formats, and the UART driver runs against a model of a
16550 that records every port access. No QEMU; each test takes a second
at most. Handout: handouts/lab1-boot.md.
"""
import pytest

from anode import host

KPRINTF_CASES = 4000
SIGNED, UNSIGNED = "di", "uxXo"
# (length modifier, signed?) -> the harness's type letter (grader/host/kprintf_diff.c)
TYPES = {("", True): "i", ("", False): "u", ("l", True): "l", ("l", False): "L",
         ("ll", True): "q", ("ll", False): "Q", ("z", True): "Z", ("z", False): "z"}
# Formats every run checks, with 0 and seeded values: the rules of handout §3
# that a random draw might reach only rarely.
CORNERS = ["%05.3d", "%08.3x", "%-06d|", "%0-6d|", "%.0d", "%.0x", "%.d", "%5.0d|",
           "%+u", "% u", "%+x", "% X", "%+o", "%+#x", "% #o", "%+5d|", "% 6d|", "%+08d",
           "% 07d", "%-+7d|", "%#x", "%#X", "%#o", "%#.0o", "%#.0x", "%#08x", "%#-8x|",
           "%#.5o", "%#6o|", "%.5d", "%+.3d", "%12.5ld|", "%*d|", "%-*.*d|", "%.*u"]


def _wrap(value, bits, signed):
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def _value(rng, bits, signed):
    kind = rng.randrange(6)
    if kind == 0:
        v = 0
    elif kind == 1:
        v = rng.choice([1, 7, 8, 9, 10, 15, 16, 255])
    elif kind == 2:
        v = rng.getrandbits(bits)
    elif kind == 3:
        v = rng.getrandbits(rng.randrange(1, bits + 1))
    elif kind == 4:
        v = rng.choice([(1 << bits) - 1, (1 << (bits - 1)) - 1, 1 << (bits - 1)])
    else:
        v = rng.randrange(1000)
    if signed and kind in (1, 3, 5) and rng.random() < 0.5:
        v = -v
    return _wrap(v, bits, signed)


def _case(rng, fmt, conv, length, value=None, stars=None, size=128):
    signed = conv in SIGNED
    bits = 32 if length == "" else 64
    if value is None:
        value = _value(rng, bits, signed)
    if stars is None:
        stars = [rng.randrange(-25, 26) for _ in range(fmt.count("*"))]
    return (size, TYPES[(length, signed)], stars, value, fmt)


def _random_case(rng):
    """One conversion from the space kprintf.h claims: flags - + space 0 #,
    a width and a precision (digits or *), lengths l ll z, d i u x X o."""
    conv = rng.choice(SIGNED + UNSIGNED)
    flags = "".join(rng.choice("-+ 0#") for _ in range(rng.choice([0, 0, 1, 1, 2, 3])))
    if conv in SIGNED:
        flags = flags.replace("#", "")   # undefined in C for d and i
    width = rng.choice(["", "", str(rng.randrange(1, 26)), "*"])
    precision = rng.choice(["", "", ".", f".{rng.randrange(0, 26)}", ".*", ".0"])
    length = rng.choice(["", "l", "ll", "z"])
    stars = []
    if width == "*":
        stars.append(rng.randrange(-25, 26))     # negative: left-aligned
    if precision == ".*":
        stars.append(rng.randrange(-3, 26))      # negative: as if none
    fmt = (rng.choice(["", "[", "x="]) + "%" + flags + width + precision + length + conv +
           rng.choice(["", "|", "]"]))
    # Mostly a roomy buffer; sometimes a small one (truncation, the return value).
    size = rng.choice([128, 128, 128, rng.randrange(0, 12)])
    return _case(rng, fmt, conv, length, stars=stars, size=size)


def _corner_cases(rng):
    cases = []
    for fmt in CORNERS:
        conv = fmt.rstrip("|")[-1]
        length = "l" if "ld" in fmt else ""
        for value in (0, None, None):
            cases.append(_case(rng, fmt, conv, length, value=value,
                               stars=[rng.randrange(-12, 13) for _ in range(fmt.count("*"))]))
    return cases


def _describe(case, kret, kout, cret, cout):
    size, _, stars, value, fmt = case
    args = ", ".join(str(a) for a in stars + [value])
    return (f"  ksnprintf(buf, {size}, \"{fmt}\", {args}) gave \"{kout}\" (returned {kret})\n"
            f"  snprintf  gives \"{cout}\" (returns {cret})")


def _decode(h):
    return "" if h == "-" else bytes.fromhex(h).decode("latin-1")


@pytest.mark.points(6)
def test_kprintf_matches_c_snprintf(cfg, rng):
    """kprintf's format_number matches C's snprintf on thousands of seeded formats"""
    program = host.build(cfg, "kprintf_diff",
                         ["grader/host/kprintf_diff.c", "kernel/lib/kprintf.c"],
                         includes=["kernel/include", "kernel"])
    cases = _corner_cases(rng) + [_random_case(rng) for _ in range(KPRINTF_CASES)]
    script = "".join(f"{size}\t{t}\t{len(stars)}\t{(stars + [0, 0])[0]}\t{(stars + [0, 0])[1]}"
                     f"\t{value}\t{fmt}\n" for size, t, stars, value, fmt in cases)
    status, out = host.run(program, script)
    lines = out.splitlines()
    if status != 0 or len(lines) != len(cases):
        size, _, stars, value, fmt = cases[min(len(lines), len(cases) - 1)]
        args = ", ".join(str(a) for a in stars + [value])
        how = f"crashed (signal {-status})" if status < 0 else f"stopped (status {status})"
        pytest.fail(f"the harness {how} after {len(lines)} of {len(cases)} "
                    f"cases, at ksnprintf(buf, {size}, \"{fmt}\", {args}); last output:\n" +
                    "\n".join(lines[-3:]), pytrace=False)
    wrong = []
    for case, line in zip(cases, lines):
        kret, khex, cret, chex = line.split()
        if (kret, khex) != (cret, chex):
            wrong.append(_describe(case, kret, _decode(khex), cret, _decode(chex)))
    assert not wrong, f"{len(wrong)} of {len(cases)} formats differ from C, first ones:\n" + \
        "\n".join(wrong[:8])


# ---- the UART driver against a 16550 model (grader/host/serial_mock.c) --------------

def _uart(cfg, script):
    program = host.build(cfg, "serial_mock", ["grader/host/serial_mock.c",
                                              "kernel/arch/x86_64/serial.c"],
                         includes=["grader/host/mock", "kernel/include", "kernel"])
    status, out = host.run(program, script)
    hang = [l for l in out.splitlines() if l.startswith("error hang")]
    assert not hang, hang[0][6:] + " (a loop waiting on the wrong LSR bit, or on the wrong value)"
    assert status == 0, f"the UART harness failed (status {status}):\n{out[-2000:]}"
    return out.splitlines()


def _fields(line):
    return {k: int(v) for k, v in (w.split("=") for w in line.split()[2:] if "=" in w)}


@pytest.mark.points(3)
def test_serial_init_programs_the_uart_and_tests_it(cfg):
    """serial_init programs 115200 8N1 with FIFOs and detects the UART by loopback"""
    out = _uart(cfg, "init\n")
    ports = [l for l in out if l.startswith("error port")]
    assert not ports, f"serial_init used a port outside COM1 (0x3f8-0x3ff):{ports[0][11:]}"
    init = next((l for l in out if l.startswith("init ")), None)
    assert init, f"serial_init did not return:\n{out}"
    ok, r = int(init.split()[1]), _fields(init)
    assert r["loop_writes"] and r["loop_reads"], \
        "serial_init must test the UART in loopback mode (MCR bit 4 set, write THR, read RBR): " \
        f"{r['loop_writes']} bytes written and {r['loop_reads']} read back in loopback"
    assert ok == 1, "serial_init returned false for a working UART that passed the loopback test"
    divisor = r["dll"] | r["dlm"] << 8
    assert divisor == 1, f"divisor latch holds {divisor} (DLL 0x{r['dll']:02x}, DLM " \
        f"0x{r['dlm']:02x}), expected 1: 115200 Hz / 115200 baud, written with LCR.DLAB set"
    assert r["lcr"] == 0x03, f"LCR ends as 0x{r['lcr']:02x}, expected 0x03 " \
        "(8 data bits, no parity, 1 stop bit, DLAB clear)"
    assert r["fcr_writes"] and r["fcr"] & 0x07 == 0x07, \
        f"FIFO control: last FCR write 0x{r['fcr']:02x} ({r['fcr_writes']} writes), expected " \
        "0xc7 (enable and clear both FIFOs)"
    assert r["ier"] == 0, f"IER ends as 0x{r['ier']:02x}, expected 0 (polling: no interrupts)"
    assert not r["mcr"] & 0x10, f"MCR ends as 0x{r['mcr']:02x}: still in loopback mode"
    assert r["tx"] == 0, f"serial_init sent {r['tx']} bytes on the line (outside loopback)"

    out = _uart(cfg, "absent\ninit\nputc 65 0 0\ngetc 1\n") + ["", "", ""]
    assert out[0].startswith("init 0"), \
        "with no UART at 0x3f8 (every port reads 0xff) serial_init returned true: " \
        "serial_present must come from the loopback test"
    assert out[1].startswith("putc 65 sent=0") and out[2] == "getc -1 waiting=0", \
        f"with no UART, serial_putc must do nothing and serial_getc return -1: {out[1:3]}"


@pytest.mark.points(3)
def test_serial_putc_and_getc_poll_the_right_lsr_bits(cfg, rng):
    """serial_putc waits for LSR THR-empty, serial_getc reads only on data-ready"""
    script, want = ["init"], []
    for _ in range(24):
        byte, busy = rng.randrange(256), rng.choice([0, 0, 1, 2, 5])
        dr = int(busy > 0 and rng.random() < 0.6)    # a received byte waits meanwhile
        script.append(f"putc {byte} {busy} {dr}")
        want.append(("putc", byte, busy, dr))
    # getc: byte waiting or not, with LSR.THRE set or clear; each mix at least twice.
    events = [(waiting, thre) for waiting in (0, 1) for thre in (0, 1)] * 2 + \
        [(rng.randrange(2), rng.randrange(2)) for _ in range(8)]
    rng.shuffle(events)
    for waiting, thre in events:
        byte = rng.choice([0x00, 0x7f, 0x80, 0xff, rng.randrange(256), rng.randrange(128, 256)])
        if waiting:
            script.append(f"rx {byte}")
        script.append(f"getc {thre}")
        want.append(("getc", byte if waiting else -1, thre, waiting))
    out = _uart(cfg, "\n".join(script) + "\n")
    assert out and out[0].startswith("init 1"), f"serial_init failed on a working UART: {out[:1]}"
    lines = iter(out[1:])
    for op, value, a, b in want:
        errors = []
        line = next(lines, None)
        while line is not None and line.startswith("error"):
            errors.append(line)
            line = next(lines, None)
        if op == "putc":
            assert not errors, f"serial_putc(0x{value:02x}): {errors[0].split(': ', 1)[1]} " \
                f"(wait for LSR bit 5, THRE; the model said busy for {a} LSR reads, " \
                f"data-ready {'set' if b else 'clear'} meanwhile)"
            assert line and line.startswith(f"putc {value} sent=1 {value} "), \
                f"serial_putc(0x{value:02x}) should send exactly that byte, once: {line}"
        else:
            assert not errors, errors[0]
            assert line and line.startswith("getc "), f"expected serial_getc's result, saw {line}"
            got = int(line.split()[1])
            state = f"LSR data-ready {'set' if b else 'clear'}, THRE {'set' if a else 'clear'}"
            assert got == value, f"serial_getc() returned {got}, expected {value} ({state}; " \
                "a byte is 0..255, -1 means nothing waiting)"
