#!/usr/bin/env python3
"""strip - writes the student tree for one lab, or checks every marker.

    strip.py --lab N [--mode fresh|catchup] [--exercise K] [--src DIR] [--force] DEST
    strip.py --check [--src DIR]

fresh: every lab's solution becomes its stub. catchup: solutions of labs
before N are kept (for students who fell behind). --exercise K also keeps
lab N's exercises before K solved (regions marked LAB N.1 .. N.K-1): the
tree of a student about to start exercise K. The tree gets
labs/current = N, so `make grade` there grades lab N. Exit status: 0 ok,
1 a marker or file problem (reported as path:line: message), 2 bad usage.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_tree(src, dest, lab, mode, labs, exercise=None):
    """Copies src to dest, stubbing marked regions. Returns (files, regions stubbed)."""
    marked = labkit.check_tree(src, {l.number for l in labs})
    files = stubbed = 0
    for rel in labkit.source_files(src):
        if labkit.instructor_only(rel):
            continue
        s, d = os.path.join(src, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        if os.path.islink(s):
            os.symlink(os.readlink(s), d)
        elif rel in marked:
            with open(d, "w", encoding="utf-8") as f:
                f.write(labkit.transform(marked[rel], lab, mode, exercise))
            shutil.copymode(s, d)
            stubbed += sum(1 for r in marked[rel].regions if not labkit.solved(r, lab, mode, exercise))
        elif os.path.isfile(s):
            shutil.copy2(s, d)
        files += 1
    with open(os.path.join(dest, "labs", "current"), "w") as f:
        f.write(f"{lab}\n")
    return files, stubbed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("dest", nargs="?", help="directory to write (empty or new)")
    parser.add_argument("--lab", type=int, help="lab number the tree is for")
    parser.add_argument("--mode", choices=["fresh", "catchup"], default="fresh")
    parser.add_argument("--exercise", type=int, help="keep lab N's exercises before this one solved")
    parser.add_argument("--src", default=REPO, help="reference tree (default: this repository)")
    parser.add_argument("--check", action="store_true", help="only check the markers")
    parser.add_argument("--force", action="store_true", help="empty DEST first if it has files")
    args = parser.parse_args(argv)
    try:
        labs = labkit.read_labs(os.path.join(args.src, "labs", "labs.txt"))
        known = {l.number for l in labs}
        if args.check:
            marked = labkit.check_tree(args.src, known)
            per_lab = {n: sum(1 for p in marked.values() for r in p.regions if r.lab == n) for n in sorted(known)}
            print(f"markers: {sum(per_lab.values())} regions in {len(marked)} files, labs {per_lab}")
            return 0
        if args.lab is None or args.dest is None:
            parser.error("--lab N and DEST are needed (or --check)")
        if args.lab not in known:
            parser.error(f"lab {args.lab} is not in labs/labs.txt")
        labkit.check_tree(args.src, known)  # every marker valid before anything is written
        if os.path.exists(args.dest) and os.listdir(args.dest):
            if not args.force:
                print(f"strip: {args.dest} is not empty (use --force to replace it)", file=sys.stderr)
                return 1
            shutil.rmtree(args.dest)
        files, stubbed = write_tree(args.src, args.dest, args.lab, args.mode, labs, args.exercise)
        start = f", from exercise {args.exercise}" if args.exercise else ""
        print(f"strip: lab {args.lab} ({args.mode}{start}) tree in {args.dest}: {files} files, "
              f"{stubbed} stubbed regions")
        return 0
    except labkit.LabError as e:
        print(e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
