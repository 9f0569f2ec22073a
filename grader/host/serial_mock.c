/*
 * serial_mock.c - host harness for grader/test_lab1_host.py: runs the
 * kernel's UART driver (kernel/arch/x86_64/serial.c, compiled for the host
 * with grader/host/mock/arch/x86_64/x86.h in front of the real header)
 * against a model of a 16550 on COM1, driven by a script on stdin.
 *
 * Commands, one per line:
 *   absent                 from now on no UART answers: reads give 0xff
 *   init                   serial_init(); prints its result and the registers
 *   putc BYTE BUSY DR      the transmitter stays busy (LSR.THRE clear) for the
 *                          next BUSY LSR reads, LSR.DR = DR meanwhile (a byte
 *                          waiting) and 0 afterwards; then serial_putc(BYTE)
 *   rx BYTE                a byte arrives on the line
 *   getc THRE              serial_getc() with LSR.THRE = THRE; prints the result
 * Numbers are decimal. Every result and every violation of the data sheet
 * (THR written while busy, a port outside the UART) is printed; a driver
 * that polls the LSR (with no UART: reads any port) 10000 times in one call
 * is reported as hung and the harness exits with status 3.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/serial.h"
#include "arch/x86_64/x86.h"

#define COM1 0x3f8
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define POLL_LIMIT 10000

static struct {
	bool absent;
	uint8_t dll, dlm, ier, lcr, mcr, fcr;
	int fcr_writes;
	bool loop_full;       /* loopback: a byte written to THR waits in RBR */
	uint8_t loop_byte;
	int loop_writes, loop_reads;
	int busy;             /* LSR reads left with THRE clear */
	bool busy_dr;         /* LSR.DR while busy */
	int tx_count;         /* bytes sent on the line in this command */
	uint8_t tx[8];
	uint8_t rx[64];       /* received bytes not yet read */
	int nrx;
	uint8_t stale;        /* RBR with nothing received: the last byte again */
	bool getc_thre;       /* LSR.THRE during getc */
	bool in_getc;
	long lsr_reads;
	const char *command;
} u;

static bool dlab(void)
{
	return u.lcr & 0x80;
}

static bool loopback(void)
{
	return u.mcr & 0x10;
}

static void hung(void)
{
	printf("error hang: %s read %s %d times without finishing\n", u.command,
	       u.absent ? "the ports" : "LSR", POLL_LIMIT);
	fflush(stdout);
	exit(3);
}

void cpu_relax(void)
{
}

void outl(uint16_t port, uint32_t value)
{
	printf("error port: outl 0x%x to port 0x%x\n", value, port);
}

void outb(uint16_t port, uint8_t value)
{
	if (u.absent)
		return;
	switch (port - COM1) {
	case 0:
		if (dlab()) {
			u.dll = value;
		} else if (loopback()) {
			u.loop_byte = value;
			u.loop_full = true;
			u.loop_writes++;
		} else {
			if (u.busy > 0)
				printf("error busy: wrote 0x%02x to THR while LSR said the transmitter "
				       "was busy (THRE clear)\n", value);
			if (u.tx_count < (int)sizeof(u.tx))
				u.tx[u.tx_count] = value;
			u.tx_count++;
		}
		break;
	case 1:
		if (dlab())
			u.dlm = value;
		else
			u.ier = value;
		break;
	case 2:
		u.fcr = value;
		u.fcr_writes++;
		break;
	case 3:
		u.lcr = value;
		break;
	case 4:
		u.mcr = value;
		break;
	default:
		printf("error port: outb 0x%02x to port 0x%x\n", value, port);
	}
}

static uint8_t lsr(void)
{
	uint8_t v = 0;

	if (++u.lsr_reads > POLL_LIMIT)
		hung();
	if (u.in_getc) {
		v |= u.nrx > 0 ? LSR_DR : 0;
		v |= u.getc_thre ? LSR_THRE | LSR_TEMT : 0;
	} else if (u.busy > 0) {
		u.busy--;
		v |= u.busy_dr ? LSR_DR : 0;
	} else {
		v |= LSR_THRE | LSR_TEMT;
	}
	if (loopback())
		v = (v & ~LSR_DR) | (u.loop_full ? LSR_DR : 0);
	return v;
}

uint8_t inb(uint16_t port)
{
	if (u.absent) {
		if (++u.lsr_reads > POLL_LIMIT)
			hung();
		return 0xff;
	}
	switch (port - COM1) {
	case 0:
		if (dlab())
			return u.dll;
		if (loopback()) {
			if (!u.loop_full)
				return u.stale;
			u.loop_full = false;
			u.loop_reads++;
			return u.loop_byte;
		}
		if (u.nrx > 0) {
			u.stale = u.rx[0];
			memmove(u.rx, u.rx + 1, (size_t)--u.nrx);
		}
		return u.stale;
	case 1:
		return dlab() ? u.dlm : u.ier;
	case 2:
		return 0xc1; /* IIR: FIFOs enabled, no interrupt pending */
	case 3:
		return u.lcr;
	case 4:
		return u.mcr;
	case 5:
		return lsr();
	case 6:
		return 0xb0; /* MSR: CTS, DSR, DCD */
	case 7:
		return 0;
	default:
		printf("error port: inb from port 0x%x\n", port);
		return 0xff;
	}
}

int main(void)
{
	char line[128], cmd[16];
	int a, b, c;

	u.stale = 0x5a;
	while (fgets(line, sizeof(line), stdin)) {
		a = b = c = 0;
		if (sscanf(line, "%15s %d %d %d", cmd, &a, &b, &c) < 1)
			continue;
		u.command = cmd;
		u.lsr_reads = 0;
		u.tx_count = 0;
		if (strcmp(cmd, "absent") == 0) {
			u.absent = true;
		} else if (strcmp(cmd, "init") == 0) {
			int ok = serial_init();

			printf("init %d lcr=%d dll=%d dlm=%d ier=%d fcr=%d fcr_writes=%d mcr=%d "
			       "loop_writes=%d loop_reads=%d tx=%d\n", ok, u.lcr, u.dll, u.dlm, u.ier,
			       u.fcr, u.fcr_writes, u.mcr, u.loop_writes, u.loop_reads, u.tx_count);
		} else if (strcmp(cmd, "putc") == 0) {
			u.busy = b;
			u.busy_dr = c;
			serial_putc((char)a);
			printf("putc %d sent=%d", a, u.tx_count);
			for (int i = 0; i < u.tx_count && i < (int)sizeof(u.tx); i++)
				printf(" %d", u.tx[i]);
			printf(" busy_left=%d\n", u.busy);
			u.busy = 0;
		} else if (strcmp(cmd, "rx") == 0) {
			if (u.nrx < (int)sizeof(u.rx))
				u.rx[u.nrx++] = (uint8_t)a;
		} else if (strcmp(cmd, "getc") == 0) {
			int got;

			u.getc_thre = a;
			u.in_getc = true;
			got = serial_getc();
			u.in_getc = false;
			printf("getc %d waiting=%d\n", got, u.nrx);
		} else {
			printf("error script: unknown command '%s'\n", cmd);
		}
		fflush(stdout);
	}
	return 0;
}
