/*
 * Host stand-in for kernel/arch/x86_64/x86.h, used only by the grader's
 * host harness (grader/host/serial_mock.c): compiling serial.c with
 * -Igrader/host/mock first makes its port I/O call the UART model there
 * instead of executing in/out instructions. Same include guard as the real
 * header, so only one of the two is ever seen.
 */
#ifndef ANODE_X86_H
#define ANODE_X86_H

#include <stdint.h>

void outb(uint16_t port, uint8_t value);
uint8_t inb(uint16_t port);
void outl(uint16_t port, uint32_t value);
void cpu_relax(void);

#endif
