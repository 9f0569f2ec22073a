# GDB setup for Anode: `make qemu-gdb` (or qemu-nox-gdb) in one terminal,
# `make gdb` in another. `make gdb` runs `gdb -nx -x .gdbinit`, so nothing
# in ~/.gdbinit needs changing.
#
# The architecture must be set before the ELF64 kernel is loaded and before
# connecting: QEMU starts the CPU in 16/32-bit mode but always sends 64-bit
# register sets, which GDB would otherwise reject ("Remote 'g' packet reply
# is too long").
set architecture i386:x86-64
set confirm off
set pagination off
set disassembly-flavor intel

python
import os
kernel = os.environ.get("ANODE_KERNEL", "build/kernel/kernel.elf")
port = os.environ.get("GDBPORT") or str(os.getuid() % 5000 + 25000)
gdb.execute("file " + kernel)
print("anode: connecting to QEMU on localhost:" + port)
gdb.execute("target remote localhost:" + port)
end

# QEMU's stub handles breakpoints itself, so `break kmain` works even
# before paging is on. Try: break kmain, continue, bt, info registers.
echo anode: try 'break kmain' then 'continue'\n
