/*
 * pit.c - the 8254 programmable interval timer, channel 0, as the
 * scheduler's tick: TIMER_HZ interrupts a second on IRQ 0. Under ICOUNT=1
 * QEMU derives time from the instruction count, so ticks fall at the same
 * guest instruction on every run. Layer above: proc/sched.c.
 */
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/x86.h"

#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
#define PIT_RATE_GENERATOR 0x34 /* channel 0, low then high byte, mode 2 */
#define PIT_INPUT_HZ 1193182

void pit_init(void)
{
	uint16_t divisor = PIT_INPUT_HZ / TIMER_HZ;

	outb(PIT_COMMAND, PIT_RATE_GENERATOR);
	outb(PIT_CHANNEL0, divisor & 0xff);
	outb(PIT_CHANNEL0, divisor >> 8);
	pic_unmask(IRQ_TIMER);
}
