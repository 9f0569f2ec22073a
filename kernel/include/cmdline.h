/*
 * cmdline.h - the kernel command line (lib/cmdline.c): space-separated
 * words, each `name=value` or a bare `name`. Tests choose what the kernel
 * does through it (`make qemu CMDLINE='test=kprintf seed=7'`).
 */
#ifndef ANODE_CMDLINE_H
#define ANODE_CMDLINE_H

/*
 * Splits and checks the command line. Unknown options and malformed values
 * are reported on the console; returns how many problems were found.
 */
int cmdline_parse(const char *cmdline);

/* Returns the value of option name ("" for a bare word), or NULL if absent. */
const char *cmdline_get(const char *name);

/* Prints every known option with its help text. */
void cmdline_print_help(void);

#endif
