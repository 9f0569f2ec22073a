"""Lab 3 (console input): typed bytes arrive by COM1's interrupt, IRQ 4.

Lab 3's stage brings up the 8259 PIC and switches console input from
polling to IRQ 4 (kernel/lib/console_input.c): the handler empties the
UART into a ring buffer and wakes sleepers. The self-test
(kernel/selftest/console_test.c) only ever waits with interrupts on and
never polls, so a broken interrupt path leaves it without input. The text
typed here is the kernel's xorshift sequence, replayed from the seed.
"""
import re

import pytest

from anode.runner import expect_reason
from anode.xorshift import XorShift64Star

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def console_text(gen, count):
    """The self-test's text: one xorshift number per byte (console_test_text)."""
    return "".join(ALPHABET[gen.next() % len(ALPHABET)] for _ in range(count))


def expect_line(q, prefix):
    """Waits for the next whole line starting with prefix and returns the rest of it."""
    # \n, not $: at the end of what has arrived so far, $ would match half a line.
    return q.expect(rf"^{re.escape(prefix)}(.*)\n").group(1)


@pytest.mark.points(6)
def test_console_input_arrives_by_irq_in_order_and_overflow_drops_the_newest(qemu, seed):
    """typed bytes arrive by IRQ 4 in order; a full ring keeps the oldest and counts drops"""
    kernel_rng = XorShift64Star(seed)
    order = console_text(kernel_rng, 16 + kernel_rng.next() % 48)
    buffered_len = 4 + kernel_rng.next() % 8
    polled_len = 4 + kernel_rng.next() % 8
    handoff = console_text(kernel_rng, buffered_len + polled_len)
    extra = 1 + kernel_rng.next() % 64

    q = qemu(f"test=console-input lab=3 seed={seed}", timeout=40)
    ring = int(q.expect(r"^console-test: ring of (\d+) bytes on IRQ 4$").group(1))
    assert ring >= 16, f"a ring of {ring} bytes cannot hold one UART FIFO"
    overflow = console_text(kernel_rng, ring + extra)

    # Order: bytes typed in two bursts arrive whole and in order.
    q.expect(rf"^console-test: type {len(order)} bytes$")
    half = len(order) // 2
    q.send(order[:half])
    q.send(order[half:])
    got = expect_line(q, "console-test: received ")
    assert got == f"'{order}'", f"typed '{order}', the kernel received {got}"
    assert expect_line(q, "console-test: sleeper on the console channel woken: ") == "yes", \
        "IRQ 4 did not wake the process sleeping on the console channel"
    assert expect_line(q, "console-test: empty ring, nonblocking read -> ") == "-11", \
        "a nonblocking read of an empty ring must give -EAGAIN (-11)"

    # Handoff: bytes the IRQ buffered come before bytes the poller reads.
    q.expect(rf"^console-test: type {buffered_len} bytes, then wait$")
    q.send(handoff[:buffered_len])
    q.expect(rf"^console-test: {buffered_len} bytes buffered; polling now$")
    q.send(handoff[buffered_len:] + "\r")
    got = expect_line(q, "console-test: line ")
    assert got == f"'{handoff}'", \
        f"typed '{handoff[:buffered_len]}' (buffered) then '{handoff[buffered_len:]}' " \
        f"(polled); the polled readline returned {got}"

    # Overflow: the ring keeps the first `ring` bytes, drops and counts the rest.
    q.expect(rf"^console-test: type {ring + extra} bytes \(the ring holds {ring}\)$")
    q.send(overflow)
    counts = expect_line(q, "console-test: overflow: ")
    assert counts == f"buffered {ring}, dropped {extra}", \
        f"typed {ring + extra} bytes into a ring of {ring}: expected 'buffered {ring}, " \
        f"dropped {extra}', saw '{counts}'"
    held = expect_line(q, "console-test: held ")
    assert held == f"'{overflow[:ring]}'", \
        f"the ring should hold the first {ring} bytes typed, in order; saw {held}"
    irqs = int(q.expect(r"^console-test: (\d+) IRQs, 0 unexpected results$").group(1))
    # The UART hands over up to 14 bytes (its FIFO trigger level) per IRQ; a
    # handler that reads one byte per IRQ instead of emptying the FIFO takes
    # about one IRQ per byte.
    by_irq = len(order) + buffered_len + ring + extra
    assert 3 <= irqs < by_irq // 2, \
        f"{irqs} IRQs for {by_irq} bytes: each IRQ should empty the UART's FIFO"
    result = q.wait()
    expect_reason(result, "ok")


@pytest.mark.points(2)
def test_monitor_reads_input_with_irq4_enabled(qemu, rng):
    """the monitor still reads typed commands once lab 3's stage has IRQ 4 on"""
    word = "w%08x" % rng.randrange(1 << 32)
    status = rng.randrange(3, 60)
    q = qemu("after=monitor lab=3", timeout=15)
    q.expect(r"^boot: lab 3 stage up")
    q.expect(r"anode> ")
    q.send(f"echo {word}\r")
    q.expect(rf"echo {word}\n{word}\n")
    q.send(f"exit {status}\r")
    result = q.wait()
    assert result.kernel_status == status, result.describe()
