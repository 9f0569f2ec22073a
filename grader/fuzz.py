"""Runs the system-call fuzzer (user/fuzz/) for some seeds and says
how each run ended. `make fuzz SEEDS="1 2 3" CALLS=n` and `make fuzz-check`
(grader/Makefrag) call this; it also runs alone from the repository root:

    python3 grader/fuzz.py --seeds "1 2" --calls 20000 [--jobs 2] [--options nt]

Each seed boots QEMU once (anode/runner.py) with `run=fuzz arg=SEED/CALLS`
and a timeout that grows with CALLS. A run ends in one of: ok, invariant
failure (a `fuzz: INVARIANT:` line), panic, hang (the timeout: the kernel
stopped answering), triple fault, leak (the kernel's closing check found
frames or heap blocks missing: `(LEAK)`), pid 1 killed, or failed (pid 1
exited with an error, or the run ended before the summary line). Every
failure comes with the command that reproduces it. The last line is
`N passed, M failed`; the exit status is 0 only if every seed passed.
"""
import argparse
import concurrent.futures
import os
import re
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from anode import config as anode_config  # noqa: E402
from anode.runner import Qemu, RunError  # noqa: E402

# Measured: about 0.5 s per 1000 calls with two QEMUs on two cores. A run
# is a hang when the harness's heartbeat (a progress line every 1000
# calls) stops for HANG_SECONDS, or when the whole run takes ten times
# longer than it should.
HANG_SECONDS = 20
TIMEOUT_BASE_SECONDS = 30
TIMEOUT_SECONDS_PER_1000_CALLS = 5

SUMMARY = re.compile(r"fuzz: seed (\d+), (\d+) calls, (\d+) workers, (\d+) blocked, "
                     r"(\d+) invariant failures")
HEARTBEAT = r"fuzz: progress: |" + SUMMARY.pattern
REPLAY_BLOCKED = re.compile(r"fuzz: worker (\d+) replay blocked again")
LEAK = re.compile(r"run: .*\(LEAK\)")


@dataclass
class Outcome:
    seed: int
    verdict: str                 # ok, or how the run failed
    seconds: float
    calls: str = "?"
    details: list = field(default_factory=list)
    log: str = ""

    @property
    def passed(self):
        return self.verdict == "ok"


def last_call_of(lines, worker, before):
    """The last `fuzz: worker W call K: ...` line of worker W before line `before`."""
    prefix = f"fuzz: worker {worker} call "
    for line in reversed(lines[:before]):
        at = line.find(prefix)
        if at >= 0:
            return line[at + len("fuzz: "):]
    return None


def blocked_calls(lines):
    found = []
    for i, line in enumerate(lines):
        m = REPLAY_BLOCKED.search(line)
        if m:
            call = last_call_of(lines, m.group(1), i)
            found.append(f"blocked (not a failure): {call or 'worker ' + m.group(1)}")
    return found


def lines_matching(lines, pattern, limit=3):
    """Up to limit lines matching pattern, each from its match on (fuzzed
    writes can leave dots or stray bytes in front of a line)."""
    regex = re.compile(pattern)
    found = []
    for line in lines:
        m = regex.search(line)
        if m:
            found.append(line[m.start():] if m.start() and line[m.start() - 1] != " " else line)
    return found[:limit]


def tail(lines, n=6):
    kept = [line for line in lines if line.strip(".")]
    return kept[-n:]


def judge(seed, result, traced=False):
    """Turns a runner Result into an Outcome (traced: the `trace` option was on)."""
    lines = result.lines
    out = Outcome(seed, "ok", result.seconds, log=os.path.join(result.log_dir, "serial.log"))
    summary = next((SUMMARY.search(line) for line in reversed(lines) if SUMMARY.search(line)),
                   None)
    if summary:
        out.calls = summary.group(2)
    invariants = lines_matching(lines, r"fuzz: INVARIANT:")
    if result.reason == "timeout":
        out.verdict = "hang"
        progress = lines_matching(lines[::-1], r"fuzz: progress: ", 1)
        out.calls = f"{progress[0].split()[2]}+" if progress else "?"
        out.details = ["the harness stopped making progress; the last lines:"] + tail(lines)
    elif result.reason in ("panic", "triple fault", "qemu error"):
        out.verdict = result.reason
        out.details = lines_matching(lines, r"PANIC|EXCEPTION|rip=|^  #\d", 8) or tail(lines)
    elif invariants:
        out.verdict = "invariant failure"
        out.details = invariants
    elif lines_matching(lines, r"run: pid 1 was killed"):
        out.verdict = "pid 1 killed"
        out.details = lines_matching(lines, r"run: pid 1 was killed|proc 1 ") + tail(lines, 3)
    elif lines_matching(lines, LEAK.pattern):
        out.verdict = "leak"
        out.details = lines_matching(lines, LEAK.pattern)
    elif result.reason != "ok" or not summary:
        out.verdict = "failed"
        out.details = [f"run ended: {result.reason} (kernel status {result.kernel_status})"] + \
            tail(lines)
    # With the `trace` option every call is printed first: the crash is in the last one.
    started = lines_matching(lines[::-1], r"fuzz: worker \S+ call \d+: ", 1)
    if started and traced and out.verdict in ("hang", "panic", "triple fault"):
        out.details.append(f"last call started: {started[0][started[0].find('worker'):]}")
    strace = lines_matching(lines[::-1], r"strace: pid ", 1)
    if strace and not out.passed:
        out.details.append(f"last call the kernel finished: {strace[0]}")
    if out.passed:
        out.details = blocked_calls(lines)
    return out


def boot_and_watch(cfg, cmdline, log_dir, timeout):
    """Boots and waits for the end, or for HANG_SECONDS without a heartbeat
    (the harness prints one every 1000 calls): returns (Result, silent)."""
    with Qemu(cfg, cmdline, log_dir=log_dir, timeout=timeout) as q:
        while True:
            try:
                m = q.expect(HEARTBEAT, timeout=HANG_SECONDS)
            except RunError:
                break               # the run ended, or went silent
            if SUMMARY.search(m.group(0)):
                return q.wait(), False
        silent = q.proc.poll() is None
        q.kill()
        return q.wait(), silent


def run_seed(cfg, seed, args):
    word = f"{seed}/{args.calls}" + (f"/{args.options}" if args.options else "")
    cmdline = f"run=fuzz arg={word}" + (" strace" if args.strace else "")
    timeout = TIMEOUT_BASE_SECONDS + TIMEOUT_SECONDS_PER_1000_CALLS * args.calls / 1000
    log_dir = os.path.join(cfg.build, "fuzz-logs", f"seed-{seed}")
    result, silent = boot_and_watch(cfg, cmdline, log_dir, timeout)
    if silent:
        result.reason = "timeout"
    return judge(seed, result, traced="trace" in args.options.split(","))


def reproduce_command(seed, args):
    extra = "".join([f" FUZZOPTS={args.options}" if args.options else "",
                     " ICOUNT=1" if os.environ.get("ICOUNT") == "1" else ""])
    return f"make fuzz SEEDS={seed} CALLS={args.calls}{extra}"


def report(outcome, args):
    head = f"seed {outcome.seed}: {outcome.verdict}, {outcome.calls} calls, " \
           f"{outcome.seconds:.1f} s"
    print(head if outcome.passed else head.replace(outcome.verdict, outcome.verdict.upper(), 1))
    for line in outcome.details:
        print(f"    {line}")
    if not outcome.passed:
        print(f"    log: {outcome.log}")
        crashed = outcome.verdict in ("hang", "panic", "triple fault")
        hint = "  (add FUZZOPTS=trace to print each call before it is made)" \
            if crashed and "trace" not in args.options else ""
        print(f"    reproduce: {reproduce_command(outcome.seed, args)}{hint}")
    sys.stdout.flush()


def parse_args(argv):
    p = argparse.ArgumentParser(description="boot the system-call fuzzer for some seeds")
    p.add_argument("--seeds", default="1 2 3 4 5", help='seeds, e.g. "1 2 3" (default 1-5)')
    p.add_argument("--calls", type=int, default=10000, help="calls per seed (default 10000)")
    p.add_argument("--jobs", type=int, default=2, help="QEMUs at once (default 2)")
    p.add_argument("--options", default="", help="fuzzer options, comma-separated: nt df trace")
    p.add_argument("--strace", action="store_true", help="boot with strace (every call)")
    args = p.parse_args(argv)
    args.seeds = [int(s) for s in args.seeds.replace(",", " ").split()]
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = anode_config.from_environment()
    if not os.path.exists(cfg.kernel_image):
        print(f"fuzz: no kernel image at {cfg.kernel_image}: run `make` first", file=sys.stderr)
        return 2
    seeds = f"{len(args.seeds)} seed" + ("s" if len(args.seeds) != 1 else "")
    print(f"fuzz: {seeds} x {args.calls} calls, {args.jobs} at a time"
          + (f", options {args.options}" if args.options else ""))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        futures = [pool.submit(run_seed, cfg, seed, args) for seed in args.seeds]
        outcomes = []
        for future in futures:  # in seed order, each as soon as it and those before are done
            outcomes.append(future.result())
            report(outcomes[-1], args)
    failed = sum(not o.passed for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
