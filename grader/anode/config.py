"""Where things are, taken from the environment the Makefile sets up
(grader/Makefrag), with defaults that work from the repository root."""
import os
from dataclasses import dataclass


@dataclass
class Config:
    root: str
    build: str
    qemu: str
    nm: str
    gdb: str
    icount: bool

    @property
    def kernel_image(self):
        return os.path.join(self.build, "kernel", "kernel.img")

    @property
    def kernel_elf(self):
        return os.path.join(self.build, "kernel", "kernel.elf")

    @property
    def log_root(self):
        return os.path.join(self.build, "grade-logs")


def from_environment():
    here = os.path.dirname(os.path.abspath(__file__))          # grader/anode
    root = os.environ.get("ANODE_ROOT") or os.path.dirname(os.path.dirname(here))
    return Config(
        root=root,
        build=os.environ.get("ANODE_BUILD") or os.path.join(root, "build"),
        qemu=os.environ.get("ANODE_QEMU", "qemu-system-x86_64"),
        nm=os.environ.get("ANODE_NM", "nm"),
        gdb=os.environ.get("ANODE_GDB", "gdb"),
        icount=os.environ.get("ICOUNT") == "1",
    )
