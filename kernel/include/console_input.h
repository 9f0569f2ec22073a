/*
 * console_input.h - console input by interrupt (lib/console_input.c).
 *
 * Until lab 3's stage calls console_input_init, input is polled (the lab 1
 * monitor). From then on COM1's IRQ 4 fills a ring of CONSOLE_INPUT_BYTES
 * and wakes processes sleeping on console_input_channel(). Every function
 * here expects interrupts off, as all kernel code runs (proc.h).
 */
#ifndef ANODE_CONSOLE_INPUT_H
#define ANODE_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ring capacity, in bytes (a power of two); more unread input is dropped. */
#define CONSOLE_INPUT_BYTES 256

/* Lab 3's stage, after pic_init: switch console input to IRQ 4. */
void console_input_init(void);
/* True once console_input_init has switched input to the interrupt. */
bool console_input_irq_enabled(void);

/* trap.c, on IRQ 4: move every byte the UART holds into the ring, wake readers. */
void console_input_irq(void);

/*
 * Reads up to len bytes, oldest first. Returns how many (at least one; 0
 * only when len is 0); when nothing is waiting: -EAGAIN if nonblocking,
 * else waits (the running process sleeps on console_input_channel(); with
 * no process the CPU halts until an interrupt; before console_input_init
 * the UART is polled). -EINTR if the sleeping process was killed.
 */
int console_input_read(char *buf, size_t len, bool nonblocking);

/* The oldest buffered byte, or -1 if the ring is empty; never waits. */
int console_input_pop(void);

/* The channel readers sleep on (sched_sleep) until input arrives. */
const void *console_input_channel(void);

/* Diagnostics: bytes buffered now, bytes dropped because the ring was full, IRQs taken. */
size_t console_input_buffered(void);
uint64_t console_input_dropped(void);
uint64_t console_input_irq_count(void);

/* Lab 6: the foreground process, which Ctrl-C (0x03) kills; 0: none. */
void console_input_set_foreground(int pid);
int console_input_foreground(void);
/* A process exits: it is no longer the foreground. */
void console_input_forget(int pid);

#endif
