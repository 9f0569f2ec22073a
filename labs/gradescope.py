#!/usr/bin/env python3
"""gradescope - the autograder bundle for Gradescope, and its last step.

    gradescope.py --lab N [--out DIR]           write DIR/anode-labN-autograder.zip
    gradescope.py --results FILE --write FILE   (inside run_autograder)

The zip holds what Gradescope runs: setup.sh (installs the Debian packages
with `make deps`), run_autograder, and source/: the *student* tree of lab
N (every solution stubbed: the bundle carries no reference). Gradescope
puts a submission in /autograder/submission; run_autograder grades it with
labs/batch.py against source/ as the trusted tree (only the student files
are taken from the submission) and writes /autograder/results/results.json.
AUTOGRADER_ROOT moves /autograder (the tests use a temporary folder).
"""
import argparse
import json
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402
import strip  # noqa: E402

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -eu
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make git
make -C /autograder/source deps
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission (in $ROOT/submission).
set -u
ROOT=${{AUTOGRADER_ROOT:-/autograder}}
work=$(mktemp -d)
mkdir -p "$work/subs" "$ROOT/results"
cp -r "$ROOT/submission" "$work/subs/submission"
python3 "$ROOT/source/labs/batch.py" "$work/subs" --lab {lab} --jobs 1 --trusted "$ROOT/source" \\
    --out "$work/out" --src "$ROOT/source" >"$work/batch.log" 2>&1
python3 "$ROOT/source/labs/gradescope.py" --results "$work/out/results.json" \\
    --write "$ROOT/results/results.json" --log "$work/batch.log"
"""


def bundle(lab, out):
    labs = labkit.read_labs(os.path.join(strip.REPO, "labs", "labs.txt"))
    if lab not in {l.number for l in labs}:
        raise SystemExit(f"gradescope: lab {lab} is not in labs/labs.txt")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"anode-lab{lab}-autograder.zip")
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "source")
        strip.write_tree(strip.REPO, tree, lab, "fresh", labs)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN.format(lab=lab))):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o100755 << 16
                z.writestr(info, text)
            for root, dirs, files in os.walk(tree):
                for f in sorted(files):
                    full = os.path.join(root, f)
                    z.write(full, os.path.join("source", os.path.relpath(full, tree)))
    print(f"gradescope: {path} (upload it as the autograder of lab {lab})")
    return path


def write_results(results, dest, log):
    """Gradescope's results.json for the one submission batch.py graded."""
    try:
        with open(results) as f:
            r = json.load(f)[0]
        output = f"{r['status']}; seed {r['seed']} (replay: make test T=... SEED={r['seed']})"
        if r["integrity"]:
            output += "\nnot used (only the student files count): " + "; ".join(r["integrity"])
        data = {"score": r["score"], "tests": r["tests"], "output": output}
        if not r["tests"]:
            data["output"] += "\n" + r.get("output", "")
    except (OSError, ValueError, IndexError, KeyError) as e:
        with open(log, errors="replace") as f:
            data = {"score": 0, "output": f"grading failed ({e}):\n{f.read()[-3000:]}"}
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    with open(dest, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--lab", type=int)
    parser.add_argument("--out", default=os.path.join(strip.REPO, "build", "gradescope"))
    parser.add_argument("--results")
    parser.add_argument("--write")
    parser.add_argument("--log", default=os.devnull)
    args = parser.parse_args(argv)
    if args.results and args.write:
        write_results(args.results, args.write, args.log)
        return 0
    if args.lab is None:
        parser.error("--lab N (or --results FILE --write FILE)")
    bundle(args.lab, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
