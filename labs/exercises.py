#!/usr/bin/env python3
"""exercises - proves that every exercise's tests pass right after it.

    exercises.py --check [--src DIR]
    exercises.py [--labs 1,3] [--parallel N] [--src DIR]

labs/exercises.txt lists, for each exercise k of lab n (the regions marked
LAB n.k), the tests a student runs right after it, as the pytest -k
expression of `make test T='...'`. --check is static and fast: every marked
exercise has a line, every line names a marked exercise, and the lab's
handout gives exactly that `make test` command.

Without --check, for each lab n this writes the student tree of a student
about to start exercise k (labs before n and exercises before k solved,
the rest stubbed) for k = 1 .. last + 1, into one scratch tree per worker
(build/exercises/treeK, rebuilt incrementally), and grades there:
  - exercise k's tests must all FAIL (k is still a stub), and
  - exercise k-1's tests must all PASS (everything they need is done).
A test that passes before its exercise belongs to an earlier one; a test
that fails right after its exercise needs a later one: either way the
handout would send the student the wrong way. And every test of the lab
must be in some exercise's list. Exit status 0 when every
check holds, 1 otherwise, 2 for bad usage.
"""
import argparse
import os
import queue
import re
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402
import strip  # noqa: E402
from mutants import run, sync_tree  # noqa: E402

LINE_RE = re.compile(r"^(\d+)\.(\d+)\s+(\S.*)$")


def read_exercises(path):
    """{(lab, k): (expression, line number)} from labs/exercises.txt."""
    found = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            m = LINE_RE.match(text)
            if not m:
                raise labkit.LabError(path, lineno, "expected 'LAB.K  pytest -k expression'")
            key = (int(m.group(1)), int(m.group(2)))
            if key in found:
                raise labkit.LabError(path, lineno, f"exercise {key[0]}.{key[1]} listed twice "
                                      f"(first at line {found[key][1]})")
            found[key] = (m.group(3).strip(), lineno)
    return found


def marked_exercises(marked):
    """{lab: sorted exercise numbers} of every marked region."""
    per_lab = {}
    for parsed in marked.values():
        for r in parsed.regions:
            if r.lab != labkit.REFERENCE_LAB:
                per_lab.setdefault(r.lab, set()).add(r.exercise)
    return {lab: sorted(ks) for lab, ks in per_lab.items()}


def make_test_command(expression):
    """The command the handout shows for an expression."""
    return f"make test T='{expression}'" if " " in expression else f"make test T={expression}"


def exercise_text(handout, k):
    """The handout from exercise k's bold heading to exercise k+1's (or the end)."""
    start = re.search(rf"\*\*Exercise {k}[.:]", handout)
    if not start:
        return ""
    end = re.search(rf"\*\*Exercise {k + 1}[.:]", handout[start.end():])
    return handout[start.start(): start.end() + end.start()] if end else handout[start.start():]


def check(src):
    """Static checks; returns a list of 'path:line: problem' strings."""
    labs = labkit.read_labs(os.path.join(src, "labs", "labs.txt"))
    marked = labkit.check_tree(src, {l.number for l in labs})
    path = os.path.join(src, "labs", "exercises.txt")
    listed = read_exercises(path)
    rel = os.path.relpath(path, src)
    problems = []
    for lab, ks in sorted(marked_exercises(marked).items()):
        if ks != list(range(1, len(ks) + 1)):
            problems.append(f"lab {lab}: exercises are numbered {ks}; expected 1..{len(ks)} without gaps")
        handout = os.path.join(src, "handouts", f"lab{lab}-{labs[lab - 1].name}.md")
        text = labkit.read_text(handout) if os.path.isfile(handout) else ""
        for k in ks:
            if (lab, k) not in listed:
                problems.append(f"{rel}: exercise {lab}.{k} is marked in the source but has no line")
                continue
            expression, lineno = listed[(lab, k)]
            command = make_test_command(expression)
            if f"`{command}`" not in exercise_text(text, k):
                problems.append(f"{os.path.relpath(handout, src)}: exercise {k} should give "
                                f"`{command}` between its '**Exercise {k}' paragraph and the "
                                f"next exercise ({rel}:{lineno})")
    for (lab, k), (_, lineno) in sorted(listed.items()):
        if k not in marked_exercises(marked).get(lab, []):
            problems.append(f"{rel}:{lineno}: exercise {lab}.{k} has no marked region")
    return problems


def outcomes(tree, lab, expression, junit, log):
    """{test name: passed?} for the tests of lab `lab` the expression selects."""
    if os.path.exists(junit):
        os.remove(junit)
    # WERROR=1 as in the build: other flags would rebuild the whole tree.
    run(["make", "--no-print-directory", "grade", "WERROR=1", f"LAB={lab}", "JOBS=1", f"JUNIT={junit}",
         f"PYTESTFLAGS=-k '{expression}'"], tree, log)
    if not os.path.exists(junit):
        return None
    result = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        bad = any(case.find(tag) is not None for tag in ("failure", "error", "skipped"))
        result[case.get("name")] = not bad
    return result


def verify_lab(src, labs, lab, listed, tree, work, say):
    """Checks every exercise of one lab; returns a list of problems."""
    ks = sorted(k for (n, k) in listed if n == lab)
    problems, listed_tests = [], set()
    for k in range(1, len(ks) + 2):
        t = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            fresh = os.path.join(tmp, "tree")
            strip.write_tree(src, fresh, lab, "catchup", labs, exercise=k)
            sync_tree(fresh, tree)
        name = f"lab{lab}-before-{k}"
        log = os.path.join(work, f"{name}-build.log")
        if run(["make", "--no-print-directory", "-j1", "WERROR=1", "all"], tree, log) != 0:
            problems.append(f"lab {lab} with exercises < {k} solved does not build (log {log})")
            continue
        notes = []
        for exercise, want in ((k, False), (k - 1, True)):
            if (lab, exercise) not in listed:
                continue
            expression = listed[(lab, exercise)][0]
            junit = os.path.join(work, f"{name}-ex{exercise}.xml")
            got = outcomes(tree, lab, expression, junit, os.path.join(work, f"{name}-ex{exercise}.log"))
            if not got:
                problems.append(f"exercise {lab}.{exercise}: '{expression}' selects no test of lab {lab}")
                continue
            listed_tests.update(got)
            wrong = sorted(t for t, passed in got.items() if passed != want)
            notes.append(f"{lab}.{exercise} {len(got) - len(wrong)}/{len(got)} "
                         f"{'pass' if want else 'fail'}")
            for test in wrong:
                if want:
                    problems.append(f"exercise {lab}.{exercise}: {test} fails right after it "
                                    f"(it needs a later exercise)")
                else:
                    problems.append(f"exercise {lab}.{exercise}: {test} passes before it "
                                    f"(it belongs to an earlier exercise)")
        say(f"lab {lab}, exercises < {k} solved: {', '.join(notes)}  ({time.monotonic() - t:.0f} s)")
    # Every test of the lab is some exercise's: the handout sends the student to each.
    everything = outcomes(tree, lab, "test", os.path.join(work, f"lab{lab}-all.xml"),
                          os.path.join(work, f"lab{lab}-all.log")) or {}
    for test in sorted(set(everything) - listed_tests):
        problems.append(f"lab {lab}: {test} is in no exercise's list (labs/exercises.txt)")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--src", default=strip.REPO)
    parser.add_argument("--check", action="store_true", help="only the static checks")
    parser.add_argument("--labs", help="comma-separated lab numbers (default: all)")
    parser.add_argument("--parallel", type=int, default=2, help="labs checked at once (one QEMU each)")
    args = parser.parse_args(argv)
    src = os.path.abspath(args.src)
    try:
        labs = labkit.read_labs(os.path.join(src, "labs", "labs.txt"))
        problems = check(src)
        listed = read_exercises(os.path.join(src, "labs", "exercises.txt"))
    except labkit.LabError as e:
        print(e, file=sys.stderr)
        return 1
    if args.check:
        for p in problems:
            print(p, file=sys.stderr)
        if not problems:
            print(f"exercises: {len(listed)} exercises listed, each marked and given in its handout")
        return 1 if problems else 0
    chosen = [l.number for l in labs if not args.labs or str(l.number) in args.labs.split(",")]
    work = os.path.join(src, "build", "exercises")
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(work):   # logs of an earlier run; the trees stay (incremental)
        if not name.startswith("tree"):
            os.remove(os.path.join(work, name))
    start = time.monotonic()
    pending = queue.Queue()
    for lab in sorted(chosen, key=lambda n: -sum(1 for (m, _) in listed if m == n)):
        pending.put(lab)   # the lab with most exercises first: it takes longest
    lock = threading.Lock()

    def say(text):
        with lock:
            print(text, flush=True)

    def worker(tree):
        while True:
            try:
                lab = pending.get_nowait()
            except queue.Empty:
                return
            found = verify_lab(src, labs, lab, listed, tree, work, say)
            with lock:
                problems.extend(found)

    threads = [threading.Thread(target=worker, args=(os.path.join(work, f"tree{i}"),))
               for i in range(max(1, args.parallel))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for p in problems:
        print(f"  {p}")
    verdict = "FAILED" if problems else "ok"
    print(f"exercises: {verdict}: {len(problems)} problems, labs {chosen}, "
          f"in {time.monotonic() - start:.0f} s (logs in {work})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
