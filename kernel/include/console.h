/* console.h - the kernel console: serial always, VGA text too (console.c). */
#ifndef ANODE_CONSOLE_H
#define ANODE_CONSOLE_H

#include <stddef.h>

void console_init(void);
void console_putc(char c);
void console_write(const char *s, size_t len);
int console_getc(void);
size_t console_readline(char *buf, size_t size);

#endif
