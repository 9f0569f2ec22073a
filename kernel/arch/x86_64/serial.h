/* serial.h - COM1 UART driver (serial.c). */
#ifndef ANODE_SERIAL_H
#define ANODE_SERIAL_H

#include <stdbool.h>

bool serial_init(void);
void serial_putc(char c);
int serial_getc(void);
/* From lab 3's stage: COM1 raises IRQ 4 when a byte arrives; false if no UART. */
bool serial_enable_receive_irq(void);

#endif
