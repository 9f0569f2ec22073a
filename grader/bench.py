#!/usr/bin/env python3
"""make bench: boot-time and guest instruction counts (README.md, "Measurements").

Boots the kernel several times with `after=exit` and reports the wall time
from starting QEMU to the banner and to QEMU's exit, then boots once under
-icount shift=0,sleep=off, where the guest's time-stamp counter counts
guest instructions, and reports the kernel's own counts. Later labs add
user/bench's results to the same table.
"""
import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from anode import config as anode_config  # noqa: E402
from anode.runner import Qemu, expect_reason  # noqa: E402


def time_one_boot(cfg, log_dir, memory="128M"):
    with Qemu(cfg, "after=exit", log_dir=log_dir, timeout=20, memory=memory) as q:
        q.expect(r"^Anode \S+ \(x86_64\)")
        banner = time.monotonic() - q.started
        result = q.wait()
    expect_reason(result, "ok")
    return banner, result.seconds


def count_instructions(cfg, log_dir, memory="128M"):
    """Guest instructions at kmain, at the banner and with every stage up."""
    cfg.icount = True
    with Qemu(cfg, "after=exit", log_dir=log_dir, timeout=60, memory=memory) as q:
        result = q.wait()
    cfg.icount = False
    expect_reason(result, "ok")
    m = re.search(r"^boot: tsc (\d+) at kmain, (\d+) at banner$", result.output, re.M)
    up = re.search(r"^boot: tsc (\d+) when up$", result.output, re.M)
    if not m or not up:
        raise SystemExit("bench: the kernel did not print its 'boot: tsc' lines")
    return int(m.group(1)), int(m.group(2)), int(up.group(1))


def boot_to_init(cfg, log_dir, icount=False):
    """Lab 5: a boot through bootstrap to init's first line. Returns the wall
    time to that line and the Result (its tsc lines count instructions)."""
    image = os.path.join(cfg.build, "initfs.img")
    with Qemu(cfg, "init.run=nop", log_dir=log_dir, timeout=60, icount=icount,
              initrd=image) as q:
        q.expect(r"^init: pid 1")
        to_init = time.monotonic() - q.started
        result = q.wait()
    return to_init, result


def print_init_bench(cfg, log_dir, runs):
    """Lab 5 on: boot to init's first line, and fork+fexec+wait from initfs:."""
    try:
        times = [boot_to_init(cfg, log_dir)[0] for _ in range(runs)]
        _, result = boot_to_init(cfg, log_dir, icount=True)
    except Exception as e:  # a tree before lab 5: no bootstrap to reach init
        print(f"boot to init: not available ({str(e).splitlines()[0]})")
        return
    kmain = re.search(r"^boot: tsc (\d+) at kmain", result.output, re.M)
    init = re.search(r"^init: pid 1, lab \d+, tsc (\d+)$", result.output, re.M)
    wall = "QEMU start to init's first line, wall (median of %d)" % runs
    print(f"{wall:<52} {statistics.median(times):>12.3f} s")
    if kmain and init:
        label = "guest instructions, kmain to init's first line"
        print(f"{label:<52} {int(init.group(1)) - int(kmain.group(1)):>14,}")
    with Qemu(cfg, "init.run=bench -- initfs", log_dir=log_dir, timeout=60, icount=True,
              initrd=os.path.join(cfg.build, "initfs.img")) as q:
        result = q.wait()
    print_bench_lines(result.output)


def print_shell_bench(cfg, log_dir, runs):
    """Lab 6 on: boot to the shell's prompt; chan: and shm: through ipcd."""
    image = os.path.join(cfg.build, "initfs.img")
    times = []
    try:
        for _ in range(runs):
            with Qemu(cfg, "", log_dir=log_dir, timeout=60, initrd=image) as q:
                q.expect(r"anode\$ $")
                times.append(time.monotonic() - q.started)
                q.kill()
        with Qemu(cfg, "", log_dir=log_dir, timeout=60, icount=True, initrd=image) as q:
            q.expect(r"anode\$ $")
            output = q._text
            q.kill()
    except Exception as e:  # a tree before lab 6: no shell
        print(f"boot to the shell: not available ({str(e).splitlines()[0]})")
        return
    wall = "QEMU start to the shell's prompt, wall (median of %d)" % runs
    print(f"{wall:<52} {statistics.median(times):>12.3f} s")
    kmain = re.search(r"^boot: tsc (\d+) at kmain", output, re.M)
    shell = re.search(r"^init: starting the shell, tsc (\d+)$", output, re.M)
    if kmain and shell:
        label = "guest instructions, kmain to init starting the shell"
        print(f"{label:<52} {int(shell.group(1)) - int(kmain.group(1)):>14,}")
    with Qemu(cfg, "init.run=bench -- ipc", log_dir=log_dir, timeout=60, icount=True,
              initrd=image) as q:
        result = q.wait()
    print_bench_lines(result.output)


def print_bench_lines(output):
    for line in output.splitlines():
        m = re.match(r"bench: (.*) (\d+) instructions(.*)", line)
        if m:
            print(f"{m.group(1) + m.group(3):<52} {int(m.group(2)):>14,}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed boots (default 5)")
    args = parser.parse_args()
    cfg = anode_config.from_environment()
    log_dir = os.path.join(cfg.build, "bench-logs")
    print(f"{'measure':<52} {'value':>14}")
    for memory in ("128M", "4G"):
        times = [time_one_boot(cfg, log_dir, memory) for _ in range(args.runs)]
        at_kmain, at_banner, at_up = count_instructions(cfg, log_dir, memory)
        print(f"{'[-m %s] boot to banner, wall (median of %d)' % (memory, args.runs):<52} "
              f"{statistics.median(t[0] for t in times):>12.3f} s")
        print(f"{'[-m %s] boot to exit, wall (median of %d)' % (memory, args.runs):<52} "
              f"{statistics.median(t[1] for t in times):>12.3f} s")
        print(f"{'[-m %s] guest instructions, reset to kmain' % memory:<52} {at_kmain:>14,}")
        print(f"{'[-m %s] guest instructions, kmain to banner' % memory:<52} "
              f"{at_banner - at_kmain:>14,}")
        print(f"{'[-m %s] guest instructions, kmain to all stages up' % memory:<52} "
              f"{at_up - at_kmain:>14,}")
    print_user_bench(cfg, log_dir)
    print_init_bench(cfg, log_dir, args.runs)
    print_shell_bench(cfg, log_dir, args.runs)
    return 0


def print_user_bench(cfg, log_dir):
    """Runs user/bench/bench.c (lab 3 on) and prints its counts."""
    with Qemu(cfg, "run=bench", log_dir=log_dir, timeout=60, icount=True) as q:
        result = q.wait()
    if "run: no program called 'bench'" in result.output or result.reason != "ok":
        print(f"user bench: not available ({result.reason})")
        return
    print_bench_lines(result.output)


if __name__ == "__main__":
    sys.exit(main())
