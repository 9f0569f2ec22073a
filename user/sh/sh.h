/*
 * sh.h - the shell (lab 6): what its files share.
 *
 *   main.c        the loop: prompt, read a line, parse it, run it, remember $?
 *   line.c        line editing on the console's raw input (the shell echoes)
 *   parse.c       a line into a pipeline: words, `|`, `$?`, double quotes
 *   builtin.c     exit, help, poweroff: run inside the shell itself
 *   foreground.c  the console's control handle: whom Ctrl-C kills
 *   run.c         the pipeline runner: pipe2, fork, dup2, fexec, waitpid
 *
 * The console gives raw bytes: no echo, no line discipline, no signals.
 * Everything a Unix terminal driver would do (echo, erase, ^C, ^D) is the
 * shell's job here, except killing the foreground program on Ctrl-C, which
 * the kernel does because the shell is not reading then.
 */
#ifndef ANODE_SH_H
#define ANODE_SH_H

#include <stdbool.h>

#include "anode.h"

#define SH_PROMPT "anode$ "
#define SH_LINE_MAX 256  /* bytes of one command line; more ring the bell */
#define SH_MAX_STAGES 8  /* commands in one pipeline */
#define SH_MAX_ARGS 32   /* words in one command */
/* A `$?` of 2 bytes grows to at most 3 digits, and each word ends in a NUL:
 * twice the line always fits. */
#define SH_WORDS_BYTES (2 * SH_LINE_MAX + 16)

/* init opens sys:power and hands it to the shell as this fd (its `poweroff`). */
#define SH_POWER_FD 3

/* Exit statuses the shell makes up itself, as POSIX shells do. */
#define SH_STATUS_USAGE 2      /* a line that does not parse, a builtin's bad argument */
#define SH_STATUS_CANNOT_RUN 126
#define SH_STATUS_NOT_FOUND 127
#define SH_STATUS_SIGNAL_BASE 128 /* + the signal that killed the last command */

/* One command of a pipeline: argv[argc] is NULL. */
struct stage {
	int argc;
	char *argv[SH_MAX_ARGS + 1];
};

/* A parsed line: count stages, each reading what the one before writes.
 * The argv pointers point into words. */
struct pipeline {
	int count;
	struct stage stages[SH_MAX_STAGES];
	char words[SH_WORDS_BYTES];
};

/* line.c */
enum line_result {
	LINE_READY,     /* a line is in the editor's text, NUL-terminated */
	LINE_CANCELLED, /* Ctrl-C: the line is dropped; prompt again */
	LINE_END,       /* Ctrl-D on an empty line, or the end of the input */
};

struct line_editor {
	int fd;             /* where the bytes come from (0) */
	bool echo;          /* a console: echo, erase on screen */
	bool at_end;        /* the input ended after a last unfinished line */
	int escape;         /* where we are in an ESC [ ... sequence (arrow keys) */
	unsigned len;
	char text[SH_LINE_MAX + 1];
};

void line_init(struct line_editor *ed, int fd, bool echo);
enum line_result line_read(struct line_editor *ed);

/* parse.c: 0 and a pipeline of at least one stage; 1 for a line with no
 * words; -1 after printing why the line is wrong. */
int parse_line(const char *line, int last_status, struct pipeline *p);

/* builtin.c: runs s if it names a builtin, setting *status; false if not. */
bool builtin_run(const struct stage *s, int last_status, int *status);

/* foreground.c: without the kernel's control handle these do nothing, and
 * Ctrl-C while a program runs reaches the program as a byte instead. */
void foreground_open(void);
void foreground_set(int pid);
void foreground_clear(void);
/* The control handle's fd, or -1: a program must not inherit it. */
int foreground_fd(void);

/* run.c: runs every stage of p; returns what $? becomes. */
int run_pipeline(struct pipeline *p);

#endif
