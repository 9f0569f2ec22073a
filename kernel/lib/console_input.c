/*
 * console_input.c - console input by interrupt, from lab 3's stage on.
 *
 * Labs 1 and 2 poll the UART for input (console.c's console_getc, the
 * monitor). Lab 3's stage brings up the 8259 PIC and calls
 * console_input_init: from then on COM1 raises IRQ 4 when bytes arrive,
 * console_input_irq moves every waiting byte into a ring buffer and wakes
 * the processes sleeping on the console channel, and readers take bytes
 * from the ring with console_input_read (later: lab 4's blocking `debug:`
 * read, lab 6's shell).
 *
 * Who gets a byte when both paths exist. The interrupt only runs while
 * interrupts are on (user mode, the scheduler's idle halt, a wait in
 * cpu_wait_for_interrupt); all other kernel code, the monitor included, runs
 * with them off and polls. A byte is taken out of the UART exactly once,
 * by whichever path runs first, and bytes in the ring are always older
 * than bytes still in the UART. So a poller (console_getc) empties the
 * ring before it polls the UART, and a reader sees every byte once and in
 * the order it was typed, whichever path carried it.
 *
 * Layers below: arch/x86_64/serial.c (the UART), arch/x86_64/pic.c
 * (IRQ 4), proc/sched.c (sleep and wakeup). Layers above: trap.c (calls
 * console_input_irq), console.c (console_getc), later the `debug:` scheme.
 */
#include "arch/x86_64/pic.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/x86.h"
#include "console_input.h"
#include "errno.h"
#include "proc.h"

_Static_assert((CONSOLE_INPUT_BYTES & (CONSOLE_INPUT_BYTES - 1)) == 0,
	       "CONSOLE_INPUT_BYTES must be a power of two: free-running indices wrap cleanly");

/*
 * One producer (the IRQ handler) and one consumer (readers). head and tail
 * count bytes ever stored and ever taken; they only grow (wrapping at 2^32,
 * which unsigned subtraction survives), so head - tail is the fill and
 * neither side writes the other's index.
 */
struct console_input_ring {
	uint8_t bytes[CONSOLE_INPUT_BYTES];
	uint32_t head;    /* written by the IRQ handler only */
	uint32_t tail;    /* written by readers only */
	uint64_t dropped; /* bytes thrown away because the ring was full */
	uint64_t irqs;    /* IRQ 4s handled, including ones that found nothing */
	bool enabled;     /* console_input_init switched input to IRQ 4 */
};

static struct console_input_ring console_input;

/* Lab 6: the process Ctrl-C kills (debug:'s "fg" handle sets it), or 0. */
static int console_foreground;

#define CONSOLE_INTERRUPT 0x03 /* Ctrl-C */

void console_input_set_foreground(int pid)
{
	console_foreground = pid;
}

int console_input_foreground(void)
{
	return console_foreground;
}

void console_input_forget(int pid)
{
	if (console_foreground == pid)
		console_foreground = 0;
}

/* Ctrl-C with a foreground process kills it, and the byte goes no
 * further; with none, it is input like any byte (the shell's cancel). */
static bool console_input_interrupt(uint8_t byte)
{
	if (byte != CONSOLE_INTERRUPT || console_foreground <= 1)
		return false;
	proc_kill(console_foreground);
	console_foreground = 0;
	return true;
}

void console_input_init(void)
{
	/* Without a UART there is nothing to receive: stay on the polled path. */
	if (!serial_enable_receive_irq())
		return;
	console_input.enabled = true;
	pic_unmask(IRQ_COM1);
}

bool console_input_irq_enabled(void)
{
	return console_input.enabled;
}

const void *console_input_channel(void)
{
	return &console_input;
}

size_t console_input_buffered(void)
{
	return console_input.head - console_input.tail;
}

uint64_t console_input_dropped(void)
{
	return console_input.dropped;
}

uint64_t console_input_irq_count(void)
{
	return console_input.irqs;
}

/*
 * Overflow policy: when the ring is full, the newest byte is dropped and
 * counted. The bytes already buffered are the start of what was typed (a
 * command line, a line a reader is halfway through), so they are kept
 * intact and in order; what is lost is a contiguous tail the user can see
 * was not taken and type again. Dropping the oldest instead would cut the
 * front off a line and would have the IRQ handler move the readers' index.
 */
static bool console_input_store(uint8_t byte)
{
	if (console_input_buffered() == CONSOLE_INPUT_BYTES) {
		console_input.dropped++;
		return false;
	}
	console_input.bytes[console_input.head % CONSOLE_INPUT_BYTES] = byte;
	console_input.head++;
	return true;
}

/*
 * IRQ 4. The UART's FIFO may hold several bytes, and the PIC line is
 * edge-triggered: a byte left behind would keep the UART's line high with
 * no new edge, and input would stop for good. So read until LSR says no
 * more data; at 115200 baud bytes arrive far slower than this loop runs,
 * so it ends. The dropped bytes are read too: that is what empties the FIFO.
 */
void console_input_irq(void)
{
	bool stored = false;
	int c;

	console_input.irqs++;
	while ((c = serial_getc()) >= 0)
		if (!console_input_interrupt((uint8_t)c))
			stored |= console_input_store((uint8_t)c);
	pic_end_of_interrupt(IRQ_COM1);
	if (stored)
		sched_wakeup(console_input_channel());
}

int console_input_pop(void)
{
	uint8_t byte;

	if (console_input_buffered() == 0)
		return -1;
	byte = console_input.bytes[console_input.tail % CONSOLE_INPUT_BYTES];
	console_input.tail++;
	return byte;
}

/* Before console_input_init there is no ring: one UART poll, -EAGAIN if nothing. */
static int console_input_read_polled(char *buf, bool nonblocking)
{
	int c;

	while ((c = serial_getc()) < 0) {
		if (nonblocking)
			return -EAGAIN;
		cpu_relax();
	}
	buf[0] = (char)c;
	return 1;
}

int console_input_read(char *buf, size_t len, bool nonblocking)
{
	size_t n = 0;

	if (len == 0)
		return 0;
	if (!console_input.enabled)
		return console_input_read_polled(buf, nonblocking);
	/*
	 * Interrupts are off here (kernel code), so no byte can arrive between
	 * the emptiness check and the sleep: the wakeup cannot be missed.
	 */
	while (console_input_buffered() == 0) {
		if (nonblocking)
			return -EAGAIN;
		if (proc_current()) {
			if (!sched_sleep(console_input_channel(), 0))
				return -EINTR;
		} else {
			cpu_wait_for_interrupt();
		}
	}
	/* The ring holds at most CONSOLE_INPUT_BYTES, so n fits in an int. */
	while (n < len && console_input_buffered() > 0)
		buf[n++] = (char)console_input_pop();
	return (int)n;
}
