/*
 * console.c - where kernel text goes and where typed text comes from.
 *
 * Output is copied to the serial port (the grader reads it) and to the VGA
 * screen; input comes from the serial port only, polled here (from lab 3's
 * stage on, IRQ 4 may have buffered some already: console_input.c). Layers
 * below: arch/x86_64/serial.c, vga.c, lib/console_input.c. Layer above:
 * kprintf.c, monitor.c.
 */
#include <stdbool.h>

#include "arch/x86_64/serial.h"
#include "arch/x86_64/vga.h"
#include "arch/x86_64/x86.h"
#include "console.h"
#include "console_input.h"

#define KEY_BACKSPACE 0x08
#define KEY_DELETE 0x7f
#define KEY_CTRL_U 0x15

void console_init(void)
{
	serial_init();
	vga_init();
}

void console_putc(char c)
{
	/* Terminals want CR LF; the grader strips the CR. */
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	vga_putc(c);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		console_putc(s[i]);
}

/*
 * Waits for one input byte by polling, with interrupts off (the monitor;
 * lab 1 has no interrupts at all). Bytes the IRQ 4 handler already put in
 * the ring are older than any still in the UART, so they come first.
 */
int console_getc(void)
{
	int c;

	while ((c = console_input_pop()) < 0 && (c = serial_getc()) < 0)
		cpu_relax();
	return c;
}

static void console_erase_char(void)
{
	console_write("\b \b", 3);
}

/*
 * Reads one line with echo and simple editing (backspace, ^U) into buf,
 * NUL-terminated, without the newline. Returns its length.
 */
size_t console_readline(char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		int c = console_getc();

		if (c == '\r' || c == '\n') {
			console_putc('\n');
			break;
		} else if (c == KEY_BACKSPACE || c == KEY_DELETE) {
			if (len > 0) {
				len--;
				console_erase_char();
			}
		} else if (c == KEY_CTRL_U) {
			while (len > 0) {
				len--;
				console_erase_char();
			}
		} else if (c >= ' ' && c < KEY_DELETE && len + 1 < size) {
			buf[len++] = (char)c;
			console_putc((char)c);
		}
	}
	buf[len] = '\0';
	return len;
}
