/*
 * vga.c - the 80x25 VGA text screen, for `make qemu` with a window.
 *
 * The screen is an array of 16-bit cells (character + colour attribute) at
 * physical 0xb8000; the blinking cursor is moved through the CRT controller's
 * index/data ports. Writing here when QEMU has no display is harmless.
 * Layer above: kernel/lib/console.c.
 */
#include <stdint.h>

#include "arch/x86_64/vga.h"
#include "arch/x86_64/x86.h"
#include "memlayout.h"

#define VGA_PHYS 0xb8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700 /* light grey on black */
#define CRTC_INDEX 0x3d4
#define CRTC_DATA 0x3d5
#define CRTC_CURSOR_HIGH 0x0e
#define CRTC_CURSOR_LOW 0x0f

static volatile uint16_t *vga_cells;
static int vga_row, vga_col;

static void vga_move_cursor(void)
{
	uint16_t pos = (uint16_t)(vga_row * VGA_COLS + vga_col);

	outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
	outb(CRTC_DATA, pos >> 8);
	outb(CRTC_INDEX, CRTC_CURSOR_LOW);
	outb(CRTC_DATA, pos & 0xff);
}

static void vga_scroll(void)
{
	for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		vga_cells[i] = vga_cells[i + VGA_COLS];
	for (int i = (VGA_ROWS - 1) * VGA_COLS; i < VGA_ROWS * VGA_COLS; i++)
		vga_cells[i] = VGA_ATTR | ' ';
	vga_row = VGA_ROWS - 1;
}

void vga_init(void)
{
	vga_cells = P2V(VGA_PHYS);
	for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga_cells[i] = VGA_ATTR | ' ';
	vga_row = vga_col = 0;
	vga_move_cursor();
}

void vga_putc(char c)
{
	if (!vga_cells)
		return;
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else if (c == '\b') {
		if (vga_col > 0)
			vga_cells[vga_row * VGA_COLS + --vga_col] = VGA_ATTR | ' ';
	} else if (c != '\r') {
		vga_cells[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS)
		vga_scroll();
	vga_move_cursor();
}
