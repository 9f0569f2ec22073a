/* pit.h - the timer tick (pit.c). */
#ifndef ANODE_PIT_H
#define ANODE_PIT_H

#define TIMER_HZ 250
#define NSEC_PER_TICK (1000000000UL / TIMER_HZ)

void pit_init(void);

#endif
