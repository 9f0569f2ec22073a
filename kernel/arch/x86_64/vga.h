/* vga.h - VGA text-mode screen (vga.c). */
#ifndef ANODE_VGA_H
#define ANODE_VGA_H

void vga_init(void);
void vga_putc(char c);

#endif
