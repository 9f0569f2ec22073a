/*
 * sh - Anode's shell (lab 6): reads command lines from the console and
 * runs them. init starts it with fds 0-2 on debug: and sys:power as fd 3,
 * and starts a new one whenever it exits.
 *
 *   sh             interactive when stdin is the console: a prompt, echo
 *                  and line editing; otherwise reads lines quietly, so
 *                  `echo "ls | wc" | sh` works too
 *   sh -c WORDS    runs the words as one command line and exits with its status
 *
 * The pieces: sh.h lists the files and what each does.
 */
#include "sh.h"

struct shell {
	int last_status; /* $? */
	bool interactive;
};

static bool stdin_is_console(void)
{
	char path[16];
	long n = fpath(0, path, sizeof(path) - 1);

	return n >= 6 && memcmp(path, "debug:", 6) == 0;
}

static void shell_run_line(struct shell *sh, const char *line)
{
	static struct pipeline p; /* about 1 KiB: off the stack */
	int parsed = parse_line(line, sh->last_status, &p), status;

	if (parsed > 0)
		return; /* nothing but blanks: $? stays */
	if (parsed < 0) {
		sh->last_status = SH_STATUS_USAGE;
		return;
	}
	if (p.count == 1 && builtin_run(&p.stages[0], sh->last_status, &status)) {
		fflush_stdout();
		sh->last_status = status;
		return;
	}
	sh->last_status = run_pipeline(&p);
}

/* sh -c WORDS...: the words joined by spaces are the line. */
static int shell_run_words(struct shell *sh, int argc, char **argv)
{
	char line[SH_LINE_MAX + 1];
	size_t len = 0;

	line[0] = '\0';
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 1 > SH_LINE_MAX) {
			dprintf(2, "sh: -c: line too long (at most %d bytes)\n", SH_LINE_MAX);
			return SH_STATUS_USAGE;
		}
		if (i > 0)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n + 1);
		len += n;
	}
	shell_run_line(sh, line);
	return sh->last_status;
}

int main(int argc, char **argv)
{
	static struct line_editor editor;
	struct shell sh = { .last_status = 0, .interactive = stdin_is_console() };

	if (argc > 1 && strcmp(argv[1], "-c") != 0) {
		dprintf(2, "usage: sh [-c COMMAND...]\n");
		return SH_STATUS_USAGE;
	}
	if (sh.interactive)
		foreground_open();
	if (argc > 1)
		return shell_run_words(&sh, argc - 2, argv + 2);
	line_init(&editor, 0, sh.interactive);
	for (;;) {
		if (sh.interactive)
			write_all(1, SH_PROMPT, sizeof(SH_PROMPT) - 1);
		switch (line_read(&editor)) {
		case LINE_READY:
			shell_run_line(&sh, editor.text);
			break;
		case LINE_CANCELLED:
			break;
		case LINE_END:
			if (!sh.interactive)
				return sh.last_status;
			write_all(1, "\n", 1); /* leave the prompt's line for whoever comes next */
			return 0;
		}
	}
}
