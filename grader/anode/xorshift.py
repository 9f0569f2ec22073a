"""The kernel's self-test generator (kernel/lib/random.c), in Python."""

MASK = (1 << 64) - 1
DEFAULT_STATE = 0x9E3779B97F4A7C15


class XorShift64Star:
    def __init__(self, seed):
        self.state = seed & MASK or DEFAULT_STATE

    def next(self):
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & MASK
        x ^= x >> 27
        self.state = x
        return (x * 0x2545F4914F6CDD1D) & MASK
