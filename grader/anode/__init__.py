"""Support library for Anode's pytest grader: boot QEMU, read the kernel's
symbols, mirror the kernel's seeded self-test data, and score results."""
