/* serial.h - COM1 UART driver (serial.c). */
#ifndef ANODE_SERIAL_H
#define ANODE_SERIAL_H

#include <stdbool.h>

bool serial_init(void);
void serial_putc(char c);
int serial_getc(void);

#endif
