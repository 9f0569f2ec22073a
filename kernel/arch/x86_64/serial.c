/*
 * serial.c - driver for the 16550 UART on COM1 (lab 1, handout §2).
 *
 * The serial port is the kernel's lifeline: the grader reads everything the
 * kernel prints from it and types monitor commands into it. The driver
 * polls: no interrupts, so it works from the first line of kmain and from
 * inside a panic. From lab 3's stage on, the UART also raises IRQ 4 when a
 * byte arrives (serial_enable_receive_irq, not part of the exercise), and
 * kernel/lib/console_input.c collects input that way. Layer above:
 * kernel/lib/console.c, kernel/lib/console_input.c.
 *
 * UART registers, as offsets from the base port (PC16550D data sheet):
 *   +0 THR/RBR  transmit holding / receive buffer (DLL when LCR.DLAB=1)
 *   +1 IER      interrupt enable                  (DLM when LCR.DLAB=1)
 *   +2 FCR      FIFO control
 *   +3 LCR      line control: word length, parity, stop bits, DLAB
 *   +4 MCR      modem control: DTR, RTS, OUT2, loopback
 *   +5 LSR      line status: bit 0 data ready, bit 5 transmitter empty
 */
#include "arch/x86_64/serial.h"
#include "arch/x86_64/x86.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1 0x03         /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB 0x80        /* data+IER registers become the divisor */
#define FCR_ENABLE_CLEAR 0xc7 /* enable FIFOs, clear them, 14-byte threshold */
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the UART's interrupt line on a PC */
#define MCR_LOOPBACK 0x10
#define IER_RECEIVED_DATA 0x01 /* interrupt when a byte (or the FIFO's trigger level) arrives */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define UART_CLOCK_HZ 115200
#define SERIAL_BAUD 115200

static bool serial_present;

/* Programs COM1 for 115200 8N1 and checks, in loopback, that a UART is there. */
bool serial_init(void)
{
	// LAB 1.1 BEGIN: program COM1 (divisor, 8N1, FIFOs), test it in loopback; see handout §2
	uint16_t divisor = UART_CLOCK_HZ / SERIAL_BAUD;

	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, divisor & 0xff);
	outb(COM1 + UART_IER, divisor >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);

	/* A byte sent in loopback mode must come straight back. */
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2 | MCR_LOOPBACK);
	outb(COM1 + UART_DATA, 0xa5);
	serial_present = inb(COM1 + UART_DATA) == 0xa5;
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	// LAB 1.1 STUB
	// serial_present = false;
	// LAB 1.1 END
	return serial_present;
}

/* Sends one byte, waiting until the transmitter can take it. */
void serial_putc(char c)
{
	if (!serial_present)
		return;
	// LAB 1.1 BEGIN: wait for LSR "transmitter empty", then write the byte to THR; handout §2
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
	// LAB 1.1 STUB
	// LAB 1.1 END
}

/* Returns the next received byte, or -1 at once when none is waiting. */
int serial_getc(void)
{
	if (!serial_present)
		return -1;
	// LAB 1.1 BEGIN: if LSR says "data ready", read and return RBR, else -1; see handout §2
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
	// LAB 1.1 STUB
	// return -1;
	// LAB 1.1 END
}

/*
 * Makes COM1 raise its interrupt line (IRQ 4) when received data is
 * available; the other sources (transmitter empty, line status, modem
 * status) stay off, so reading every waiting byte is all a handler needs
 * to do to lower the line. On a PC the line reaches the PIC only while
 * MCR.OUT2 is set, so it is set again here rather than trusted to
 * serial_init. Returns false when there is no UART (nothing to receive).
 */
bool serial_enable_receive_irq(void)
{
	if (!serial_present)
		return false;
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	outb(COM1 + UART_IER, IER_RECEIVED_DATA);
	return true;
}
