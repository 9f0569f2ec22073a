"""Reads the kernel ELF's function symbols with nm, to check that the
kernel's own backtraces name the right functions."""
import bisect
import subprocess


class SymbolTable:
    def __init__(self, elf_path, nm="nm"):
        out = subprocess.run([nm, "-n", "-S", elf_path], check=True, capture_output=True,
                             text=True).stdout
        self.starts, self.entries = [], []
        # Assembly labels have no size; they end where the next symbol of
        # any kind (kernel_text_end at the latest) begins.
        self.all_addresses = sorted({int(line.split()[0], 16) for line in out.splitlines()
                                     if len(line.split()) >= 3})
        # Every symbol by name, data and linker-script symbols included.
        self.by_name = {line.split()[-1]: int(line.split()[0], 16) for line in out.splitlines()
                        if len(line.split()) >= 3}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[2] in "TtWw":
                start, size, name = int(parts[0], 16), int(parts[1], 16), parts[3]
            elif len(parts) == 3 and parts[1] in "TtWw":
                start, size, name = int(parts[0], 16), None, parts[2]
            else:
                continue
            self.starts.append(start)
            self.entries.append((start, size, name))

    def function_at(self, address):
        """Name of the function whose code contains address, or None."""
        i = bisect.bisect_right(self.starts, address) - 1
        if i < 0:
            return None
        start, size, name = self.entries[i]
        if size:  # GNU nm omits sizes of labels, llvm-nm prints 0
            end = start + size
        else:
            j = bisect.bisect_right(self.all_addresses, start)
            end = self.all_addresses[j] if j < len(self.all_addresses) else start
        return name if start <= address < end else None

    def address_of(self, name):
        return self.by_name.get(name)
