/*
 * cmdline.h - the kernel command line (lib/cmdline.c): space-separated
 * words, each `name=value` or a bare `name`. Tests choose what the kernel
 * does through it (`make qemu CMDLINE='test=kprintf seed=7'`). Words
 * starting with `init.` and every word after a lone `--` are not the
 * kernel's: they are passed through to user space unchecked
 * (`init.run=sh -- -v` gives user space "init.run=sh -v").
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

/*
 * The words for user space, space-separated in command-line order ("" if
 * none; the `--` itself is not included), and how many there are.
 */
const char *cmdline_user_words(void);
int cmdline_user_word_count(void);

/* Prints every known option with its help text. */
void cmdline_print_help(void);

#endif
