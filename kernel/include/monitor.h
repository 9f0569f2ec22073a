/* monitor.h - the interactive kernel monitor on the serial console (monitor.c). */
#ifndef ANODE_MONITOR_H
#define ANODE_MONITOR_H

#include "compiler.h"

NORETURN void monitor_run(void);

#endif
