#!/usr/bin/env python3
"""verify - proves the lab kit right: every lab's stub tree builds, boots,
scores full marks on the labs before it and zero on its own, and carries
no line of a solution it stubs and no reference-only text.

    verify.py [--src DIR] [--labs 1,2] [--keep]

For each lab N: writes the catch-up tree (solutions of labs < N kept) to
build/verify/labN, builds it with -Werror, runs `make grade-all` there and
reads the per-lab scores. The reference itself must score full marks on
every lab. Prints a table; exits 1 if any cell is wrong (a lab test that
passes on its stub is a broken test), keeping the trees for a look.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402
import strip  # noqa: E402


def make(tree, log, *targets):
    with open(log, "w") as f:
        return subprocess.run(["make", "--no-print-directory", "-C", tree, *targets],
                              stdout=f, stderr=subprocess.STDOUT).returncode


def tail(path, n=25):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-n:])


def grade(tree, work, name, lab=None):
    """Builds and grades tree; returns ({lab: (score, max)}, problem or None)."""
    log = os.path.join(work, f"{name}-build.log")
    if make(tree, log, "-j2", "WERROR=1", "all") != 0:
        return {}, f"build failed, log {log}:\n{tail(log)}"
    summary = os.path.join(work, f"{name}-summary.json")
    targets = ["grade-all", f"SUMMARY={summary}"] + ([f"LAB={lab}"] if lab else [])
    make(tree, os.path.join(work, f"{name}-grade.log"), *targets)
    if not os.path.exists(summary):
        return {}, f"grading wrote no summary, log {os.path.join(work, name + '-grade.log')}"
    with open(summary) as f:
        labs = json.load(f)["labs"]
    return {int(k): (v["score"], v["max"]) for k, v in labs.items()}, None


# Solution lines shorter than this are too common to mean a leak ("return 0;").
LEAK_MIN_CHARS = 24


def leaked_lines(src, tree, lab, mode, known):
    """Lines a student tree of `lab` must not contain but does: the solution
    lines of every region it stubs, and every reference-only line, that the
    reference does not also use outside its regions. Returns "path: line"s."""
    marked = labkit.check_tree(src, known)
    secret, public = set(), set()
    for rel, parsed in marked.items():
        inside = set()
        for r in parsed.regions:
            stubbed = r.lab == labkit.REFERENCE_LAB or mode == "fresh" or r.lab >= lab
            end = r.stub if r.stub is not None else r.end
            for i in range(r.begin, r.end + 1):
                inside.add(i)
            if stubbed:
                secret.update(l.strip() for l in parsed.lines[r.begin + 1:end]
                              if len(l.strip()) >= LEAK_MIN_CHARS)
        public.update(l.strip() for i, l in enumerate(parsed.lines) if i not in inside)
    for rel in labkit.source_files(src):
        if rel not in marked and not labkit.instructor_only(rel) and os.path.isfile(os.path.join(src, rel)):
            public.update(l.strip() for l in (labkit.read_text(os.path.join(src, rel)) or "").split("\n"))
    secret -= public
    found = []
    for rel in labkit.source_files(tree) if os.path.isdir(os.path.join(tree, ".git")) else \
            [os.path.relpath(os.path.join(root, f), tree) for root, dirs, files in os.walk(tree)
             if "build" not in os.path.relpath(root, tree).split(os.sep) for f in files]:
        text = labkit.read_text(os.path.join(tree, rel)) if os.path.isfile(os.path.join(tree, rel)) else None
        for line in (text or "").split("\n"):
            if line.strip() in secret:
                found.append(f"{rel}: {line.strip()}")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--src", default=strip.REPO)
    parser.add_argument("--labs", help="comma-separated lab numbers (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the trees in build/verify")
    args = parser.parse_args(argv)
    try:
        labs = labkit.read_labs(os.path.join(args.src, "labs", "labs.txt"))
        labkit.check_tree(args.src, {l.number for l in labs})
    except labkit.LabError as e:
        print(e, file=sys.stderr)
        return 1
    chosen = [l for l in labs if not args.labs or str(l.number) in args.labs.split(",")]
    work = os.path.join(os.path.abspath(args.src), "build", "verify")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rows, problems = [], []

    scores, problem = grade(args.src, work, "reference")
    cells = []
    for lab in labs:
        score, maximum = scores.get(lab.number, (0, 0))
        ok = maximum > 0 and score == maximum
        cells.append(f"{score}/{maximum} {'ok' if ok else 'FAIL'}")
        if not ok:
            problems.append(f"reference: lab {lab.number} scored {score}/{maximum}, expected full marks")
    rows.append(("reference", cells))
    if problem:
        problems.append(f"reference: {problem}")

    for lab in chosen:
        tree = os.path.join(work, f"lab{lab.number}")
        strip.write_tree(args.src, tree, lab.number, "catchup", labs)
        scores, problem = grade(tree, work, f"lab{lab.number}", lab.number)
        cells = []
        for earlier in labs[: lab.number]:
            score, maximum = scores.get(earlier.number, (0, 0))
            if earlier.number < lab.number:
                ok = maximum > 0 and score == maximum
                expect = "full marks"
            else:
                ok = maximum > 0 and score == 0
                expect = "zero on its own stubs"
            cells.append(f"{score}/{maximum} {'ok' if ok else 'FAIL'}")
            if not ok:
                problems.append(f"lab {lab.number} tree: lab {earlier.number} scored {score}/{maximum}, expected {expect}")
        rows.append((f"lab{lab.number} catchup", cells))
        if problem:
            problems.append(f"lab {lab.number} tree: {problem}")
        for leak in leaked_lines(args.src, tree, lab.number, "catchup", {l.number for l in labs}):
            problems.append(f"lab {lab.number} tree: solution or reference-only text survives: {leak}")

    print(f"{'tree':<16}" + "".join(f"{'lab' + str(l.number):<16}" for l in labs))
    for name, cells in rows:
        print(f"{name:<16}" + "".join(f"{c:<16}" for c in cells))
    if problems:
        print("\nverify-labs FAILED:\n  " + "\n  ".join(problems))
        print(f"trees and logs kept in {work}")
        return 1
    if not args.keep:
        for lab in chosen:
            shutil.rmtree(os.path.join(work, f"lab{lab.number}"), ignore_errors=True)
    print("verify-labs: every stub tree scores zero on its lab and full marks before it, "
          "and carries no solution or reference-only text")
    return 0


if __name__ == "__main__":
    sys.exit(main())
