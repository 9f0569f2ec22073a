#!/usr/bin/env python3
"""mutants - tests the tests: plausible student bugs must lose points.

    mutants.py [--labs 1,3] [--only NAME] [--parallel N] [--jobs N] [--write-hints]

A mutant is labs/mutants/labN/NAME.patch: a small unified diff (git diff
format, `-U1` context is plenty) that puts one bug a student could make
inside one of lab N's marked regions, after one line of description and
optionally the test that killed it last time (written by --write-hints;
it runs first, so most mutants cost one build and one boot):

    Description: kprintf ignores the precision of %d
    Killed-by: test_kprintf_matches_the_c_library
    --- a/kernel/lib/kprintf.c
    +++ b/kernel/lib/kprintf.c
    @@ ...

For every mutant this applies the patch to a scratch copy of the reference
(build/mutants/treeK, synced from the tracked files and rebuilt
incrementally; --parallel trees judge mutants side by side), builds it with -Werror, grades lab N only (pinning keeps
earlier labs' tests off lab N code), stopping at the first failing test,
and undoes the patch. A mutant is KILLED when a test of lab N fails and
SURVIVED when the lab still scores full marks. A patch that no longer
applies, changes lines outside lab N's regions, or does not build is an
ERROR: the mutant must be fixed, not counted. Exit status 0 only if every
mutant was killed; 1 otherwise; 2 for bad arguments.
"""
import argparse
import difflib
import glob
import os
import subprocess
import queue
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MutantError(Exception):
    """A mutant that cannot be judged (does not apply, build, or stay in its lab)."""


def read_mutant(path):
    """Returns (description, killed-by hint or None, patch text)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise MutantError(f"{path}: cannot read it: {e.strerror}")
    lines = text.split("\n")
    if not lines[0].startswith("Description: ") or not lines[0][13:].strip():
        raise MutantError(f"{path}:1: the first line must be 'Description: what the bug is'")
    hint = lines[1][11:].strip() if len(lines) > 1 and lines[1].startswith("Killed-by: ") else None
    return lines[0][13:].strip(), hint, text


def write_hint(path, test):
    """Records the killing test as the patch's second line (--write-hints)."""
    with open(path) as f:
        lines = f.read().split("\n")
    if len(lines) > 1 and lines[1].startswith("Killed-by: "):
        lines[1] = f"Killed-by: {test}"
    else:
        lines.insert(1, f"Killed-by: {test}")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def patched_paths(patch):
    """The files a patch changes (its +++ lines)."""
    paths = []
    for line in patch.split("\n"):
        if line.startswith("+++ "):
            path = line[4:].strip()
            paths.append(path[2:] if path.startswith("b/") else path)
    return paths


def changed_lines(before, after):
    """0-based indexes of the lines of `before` that differ in `after`. A
    pure insertion counts as touching the line before it. Computed from the
    files themselves, so a patch git applied at an offset (code moved above
    the region since the patch was written) is judged where it landed."""
    touched = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            touched.extend(range(i1, i2))
        elif tag == "insert":
            touched.append(i1 - 1)
    return touched


def check_in_regions(originals, tree, lab, known_labs):
    """Raises MutantError unless every line the applied patch changed lies
    inside a lab `lab` solution. originals: {path: text before the patch}."""
    for path, before in originals.items():
        parsed = labkit.parse(path, before, known_labs)
        spans = [(r.begin, r.stub if r.stub is not None else r.end)
                 for r in parsed.regions if r.lab == lab]
        after = labkit.read_text(os.path.join(tree, path))
        for i in changed_lines(before.split("\n"), after.split("\n")):
            if not any(begin < i < end for begin, end in spans):
                raise MutantError(f"changes {path}:{i + 1}, outside every lab {lab} "
                                  "solution region")


def sync_tree(src, dest):
    """Makes dest hold the tracked files of src; unchanged files keep their
    time stamps, so the build in dest stays incremental."""
    wanted = set(labkit.source_files(src))
    for rel in wanted:
        a, b = os.path.join(src, rel), os.path.join(dest, rel)
        if os.path.islink(a) or not os.path.isfile(a):
            continue
        with open(a, "rb") as f:
            data = f.read()
        if os.path.isfile(b):
            with open(b, "rb") as f:
                if f.read() == data:
                    continue
        os.makedirs(os.path.dirname(b), exist_ok=True)
        with open(b, "wb") as f:
            f.write(data)
    for root, dirs, files in os.walk(dest):
        dirs[:] = [d for d in dirs if d != "build"]
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), dest)
            if rel not in wanted:
                os.remove(os.path.join(root, name))


def run(cmd, cwd, log):
    with open(log, "w") as f:
        return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT).returncode


def apply_patch(tree, patch, reverse, name):
    cmd = ["git", "apply", "--whitespace=nowarn"] + (["-R"] if reverse else []) + ["-"]
    # The scratch tree lies inside this repository's build/: stop git from
    # finding that repository, or it would take paths relative to its root.
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.abspath(tree)))
    p = subprocess.run(cmd, cwd=tree, input=patch.encode(), capture_output=True, env=env)
    if p.returncode != 0:
        raise MutantError(f"the patch does not {'revert' if reverse else 'apply'}: "
                          f"{p.stderr.decode().strip()}")


def first_failure(junit):
    """The first failed test's name in a JUnit file, or None."""
    if not os.path.exists(junit):
        return None
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            return case.get("name")
    return None


def ran_any(junit):
    """True if the JUnit file records at least one test."""
    return os.path.exists(junit) and any(True for _ in ET.parse(junit).getroot().iter("testcase"))


def grade(tree, lab, jobs, junit, log, only=None):
    """Grades lab `lab` in tree, stopping at the first failure; returns the
    first failing test's name, or None when every test (of `only`) passed."""
    if os.path.exists(junit):
        os.remove(junit)
    flags = "PYTESTFLAGS=-x" + (f" -k {only}" if only else "")
    # WERROR=1 as in the build: other flags would rebuild the whole tree.
    status = run(["make", "--no-print-directory", "grade", "WERROR=1", f"LAB={lab}", f"JOBS={jobs}",
                  f"JUNIT={junit}", flags], tree, log)
    if only and not ran_any(junit):
        return None  # a stale Killed-by hint (a renamed test): grade everything instead
    failed = first_failure(junit)
    if status != 0 and failed is None:
        raise MutantError(f"grading failed without a failing test (log {log})")
    return failed


def judge(tree, work, lab, name, patch, jobs, hint, make_jobs, known_labs):
    """Applies, builds and grades one mutant; returns (verdict, detail).
    The test that killed it last time (its Killed-by line) runs first: most
    mutants then cost one build and one boot."""
    build_log = os.path.join(work, f"{name}-build.log")
    grade_log = os.path.join(work, f"{name}-grade.log")
    junit = os.path.join(work, f"{name}-junit.xml")
    originals = {}
    for path in patched_paths(patch):
        if not os.path.isfile(os.path.join(tree, path)):
            raise MutantError(f"patches {path}, which does not exist")
        originals[path] = labkit.read_text(os.path.join(tree, path))
    apply_patch(tree, patch, False, name)
    try:
        check_in_regions(originals, tree, lab, known_labs)
        if run(["make", "--no-print-directory", make_jobs, "WERROR=1", "all"], tree, build_log) != 0:
            raise MutantError(f"does not build with -Werror (log {build_log})")
        failed = grade(tree, lab, jobs, junit, grade_log, only=hint) if hint else None
        if failed is None:
            failed = grade(tree, lab, jobs, junit, grade_log)
        if failed is None:
            return "SURVIVED", f"lab {lab} still scores full marks (log {grade_log})"
        return "killed", failed
    finally:
        apply_patch(tree, patch, True, name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--labs", help="comma-separated lab numbers (default: every lab with mutants)")
    parser.add_argument("--only", help="run only mutants whose name contains this")
    parser.add_argument("--parallel", type=int, default=2,
                        help="mutants judged at once, each in its own scratch tree with one QEMU "
                             "(default 2: one per core of the reference machine)")
    parser.add_argument("--jobs", type=int, default=1, help="QEMUs per mutant while grading")
    parser.add_argument("--work", default=os.path.join(REPO, "build", "mutants"))
    parser.add_argument("--write-hints", action="store_true",
                        help="record each killing test as the patch's Killed-by line")
    args = parser.parse_args(argv)
    args.work = os.path.abspath(args.work)
    try:
        known = {lab.number for lab in labkit.read_labs(os.path.join(REPO, "labs", "labs.txt"))}
        labs = sorted(int(n) for n in args.labs.split(",")) if args.labs else sorted(known)
    except (labkit.LabError, ValueError) as e:
        print(f"mutants: {e}", file=sys.stderr)
        return 2
    mutants = [(lab, path) for lab in labs
               for path in sorted(glob.glob(os.path.join(REPO, "labs", "mutants", f"lab{lab}", "*.patch")))
               if not args.only or args.only in os.path.basename(path)]
    if not mutants:
        print("mutants: no mutants match", file=sys.stderr)
        return 2
    start = time.monotonic()
    trees = [os.path.join(args.work, f"tree{i}") for i in range(max(1, args.parallel))]
    make_jobs = "-j1" if len(trees) > 1 else "-j2"
    pending = queue.Queue()
    for item in mutants:
        pending.put(item)
    counts = {"killed": 0, "SURVIVED": 0, "ERROR": 0}
    lock = threading.Lock()

    def worker(tree):
        """One scratch tree: build the reference once, then judge mutants from the queue."""
        os.makedirs(tree, exist_ok=True)
        sync_tree(REPO, tree)
        log = os.path.join(args.work, f"{os.path.basename(tree)}-reference-build.log")
        if run(["make", "--no-print-directory", make_jobs, "WERROR=1", "all"], tree, log) != 0:
            with lock:
                print(f"mutants: the reference does not build (log {log})", flush=True)
                counts["ERROR"] += 1
            return
        while True:
            try:
                lab, path = pending.get_nowait()
            except queue.Empty:
                return
            name = f"lab{lab}/{os.path.basename(path)[:-6]}"
            t = time.monotonic()
            description = ""
            try:
                description, hint, patch = read_mutant(path)
                verdict, detail = judge(tree, args.work, lab, name.replace("/", "-"), patch,
                                        args.jobs, hint, make_jobs, known)
                if verdict == "killed" and args.write_hints and detail != hint:
                    write_hint(path, detail)
            except (MutantError, labkit.LabError) as e:
                verdict, detail = "ERROR", f"{name}: {e}"
            with lock:
                counts[verdict] += 1
                print(f"{verdict:<9}{name:<40}{time.monotonic() - t:5.1f} s  {description}"
                      + (f"\n{'':9}{detail}" if verdict != "killed" else f"  [by {detail}]"),
                      flush=True)

    threads = [threading.Thread(target=worker, args=(tree,)) for tree in trees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"mutants: {counts['killed']} killed, {counts['SURVIVED']} survived, {counts['ERROR']} "
          f"errors, in {time.monotonic() - start:.0f} s")
    print(f"{counts['killed']} passed, {counts['SURVIVED'] + counts['ERROR']} failed")
    return 0 if counts["SURVIVED"] == counts["ERROR"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
