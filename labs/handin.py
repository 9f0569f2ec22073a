#!/usr/bin/env python3
"""handin - packs this branch's committed work for submission.

    handin.py [--force] [--out DIR]

Writes DIR/handin-labN-COMMIT.tar.gz (default DIR: build/handin): the
committed tree of HEAD (git archive: never build/, never uncommitted
changes) under anode-labN/, plus HANDIN-MANIFEST (lab, commit, date). A
tree with uncommitted changes is refused, since they would not be in the
tarball; --force packs HEAD anyway and lists what was left out. Exit status
0, 1 (refused or failed), 2 (bad usage).
"""
import argparse
import datetime
import io
import os
import subprocess
import sys
import tarfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], check=True, capture_output=True).stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--force", action="store_true", help="pack HEAD despite uncommitted changes")
    parser.add_argument("--out", default=os.path.join(REPO, "build", "handin"))
    args = parser.parse_args(argv)
    try:
        commit = git("rev-parse", "HEAD").decode().strip()
        dirty = [l for l in git("status", "--porcelain").decode().splitlines() if l.strip()]
    except (subprocess.CalledProcessError, FileNotFoundError):
        print("handin: this is not a git checkout with a commit (git init, then commit your work)",
              file=sys.stderr)
        return 1
    if dirty and not args.force:
        print("handin: uncommitted changes would not be handed in:\n  " + "\n  ".join(dirty) +
              "\ncommit them (git commit -a), or run make handin FORCE=1 to hand in HEAD as it is",
              file=sys.stderr)
        return 1
    try:
        with open(os.path.join(REPO, "labs", "current")) as f:
            lab = int(f.read().strip())
    except (OSError, ValueError):
        print("handin: labs/current is missing: this is not a student branch", file=sys.stderr)
        return 1
    prefix = f"anode-lab{lab}"
    manifest = (f"lab {lab}\ncommit {commit}\ndate {datetime.datetime.now().astimezone().isoformat()}\n"
                + (f"left out (uncommitted): {', '.join(l[3:] for l in dirty)}\n" if dirty else ""))
    archive = git("archive", "--format=tar", f"--prefix={prefix}/", "HEAD")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"handin-lab{lab}-{commit[:12]}.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(archive)) as src, tarfile.open(path, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo(f"{prefix}/HANDIN-MANIFEST")
        info.size = len(manifest.encode())
        info.mtime = int(datetime.datetime.now().timestamp())
        dst.addfile(info, io.BytesIO(manifest.encode()))
    if dirty:
        print("handin: warning: uncommitted changes left out:\n  " + "\n  ".join(dirty))
    print(f"handin: lab {lab}, commit {commit[:12]}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
