/*
 * cmdline.c - parses the kernel command line against a table of known
 * options. Every option the kernel understands is listed here once, with
 * the values it accepts, so a typo is reported instead of silently ignored.
 *
 * Some words are not the kernel's: every word starting with `init.` and
 * every word after a lone `--` belong to user space (lab 5's init reads
 * them through the `sys:cmdline` file). They are kept aside, in order and
 * unchecked, for cmdline_user_words. Layer below: the loader's copy of the
 * command line (bootinfo.h); layer above: main.c, monitor.c, later sys:.
 */
#include <stdbool.h>

#include "bootinfo.h"
#include "cmdline.h"
#include "compiler.h"
#include "kprintf.h"
#include "kstring.h"

#define CMDLINE_WORD_BYTES 64
#define CMDLINE_USER_PREFIX "init."   /* words for user space, wherever they stand */
#define CMDLINE_USER_SEPARATOR "--"   /* every word after this one is for user space */
/* The user words are a subset of the loader's command line, so they fit in as many bytes. */
#define CMDLINE_USER_BYTES BOOT_CMDLINE_BYTES

struct cmdline_option {
	const char *name;
	const char *help;
	bool (*valid)(const char *value); /* NULL: any value */
	char value[CMDLINE_WORD_BYTES];
	bool present;
};

static bool cmdline_valid_number(const char *value)
{
	uint64_t unused;

	return str_to_u64(value, &unused) == 0;
}

static bool cmdline_valid_after(const char *value)
{
	return strcmp(value, "monitor") == 0 || strcmp(value, "halt") == 0 ||
	       strcmp(value, "exit") == 0;
}

static bool cmdline_valid_lab(const char *value)
{
	uint64_t lab;

	return str_to_u64(value, &lab) == 0 && lab >= 1 && lab <= ANODE_LAB;
}

static struct cmdline_option cmdline_options[] = {
	{ .name = "seed", .help = "seed=N       seed for self-test data (decimal or 0x hex)",
	  .valid = cmdline_valid_number },
	{ .name = "test", .help = "test=NAME    run a kernel self-test, then exit with its status" },
	{ .name = "after", .help = "after=WHAT   after booting: monitor (default), halt or exit",
	  .valid = cmdline_valid_after },
	{ .name = "lab", .help = "lab=N        bring up only what labs 1..N built (default: all)",
	  .valid = cmdline_valid_lab },
	{ .name = "run", .help = "run=NAME     start embedded user program NAME as pid 1 (lab 3)" },
	{ .name = "arg", .help = "arg=WORD     its argv[1]" },
	{ .name = "strace", .help = "strace       print every system call (lab 3)" },
};

/* The user-space words, space-separated, in command-line order. */
static char cmdline_user[CMDLINE_USER_BYTES];
static size_t cmdline_user_len;
static int cmdline_user_count;

static bool cmdline_word_is(const char *word, size_t len, const char *what)
{
	return strlen(what) == len && strncmp(word, what, len) == 0;
}

static bool cmdline_is_user_word(const char *word, size_t len)
{
	size_t prefix_len = strlen(CMDLINE_USER_PREFIX);

	return len >= prefix_len && strncmp(word, CMDLINE_USER_PREFIX, prefix_len) == 0;
}

/* Appends one word to the user words; returns 1 (a problem) if it does not fit. */
static int cmdline_keep_user_word(const char *word, size_t len)
{
	size_t space = cmdline_user_len > 0;

	if (cmdline_user_len + space + len + 1 > sizeof(cmdline_user)) {
		kprintf("cmdline: no room for user word '%.*s' (dropped)\n", (int)len, word);
		return 1;
	}
	if (space)
		cmdline_user[cmdline_user_len++] = ' ';
	memcpy(cmdline_user + cmdline_user_len, word, len);
	cmdline_user_len += len;
	cmdline_user[cmdline_user_len] = '\0';
	cmdline_user_count++;
	return 0;
}

static struct cmdline_option *cmdline_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_options); i++)
		if (strlen(cmdline_options[i].name) == len &&
		    strncmp(cmdline_options[i].name, name, len) == 0)
			return &cmdline_options[i];
	return NULL;
}

/* Handles one word (not NUL-terminated); returns 1 if it was a problem. */
static int cmdline_parse_word(const char *word, size_t len)
{
	const char *eq = word;
	struct cmdline_option *opt;
	char value[CMDLINE_WORD_BYTES];
	size_t name_len, value_len;

	while (eq < word + len && *eq != '=')
		eq++;
	name_len = (size_t)(eq - word);
	value_len = eq < word + len ? len - name_len - 1 : 0;
	opt = cmdline_find(word, name_len);
	if (!opt) {
		kprintf("cmdline: unknown option '%.*s' (ignored; try the monitor's 'cmdline')\n",
			(int)len, word);
		return 1;
	}
	if (value_len >= CMDLINE_WORD_BYTES) {
		kprintf("cmdline: value of '%s' is too long\n", opt->name);
		return 1;
	}
	/* Check the value before storing it: a bad one must not replace a good one. */
	memcpy(value, eq + (eq < word + len), value_len);
	value[value_len] = '\0';
	if (opt->valid && !opt->valid(value)) {
		kprintf("cmdline: bad value '%s' for option '%s' (ignored)\n", value, opt->name);
		return 1;
	}
	strlcpy(opt->value, value, sizeof(opt->value));
	opt->present = true;
	return 0;
}

int cmdline_parse(const char *cmdline)
{
	int problems = 0;
	bool after_separator = false;
	const char *p = cmdline;

	while (*p) {
		const char *start;
		size_t len;

		while (*p == ' ')
			p++;
		start = p;
		while (*p && *p != ' ')
			p++;
		len = (size_t)(p - start);
		if (len == 0)
			continue;
		/* Only the first lone -- separates: a later one is a user word like any other. */
		if (after_separator || cmdline_is_user_word(start, len))
			problems += cmdline_keep_user_word(start, len);
		else if (cmdline_word_is(start, len, CMDLINE_USER_SEPARATOR))
			after_separator = true;
		else
			problems += cmdline_parse_word(start, len);
	}
	return problems;
}

const char *cmdline_get(const char *name)
{
	struct cmdline_option *opt = cmdline_find(name, strlen(name));

	return opt && opt->present ? opt->value : NULL;
}

const char *cmdline_user_words(void)
{
	return cmdline_user;
}

int cmdline_user_word_count(void)
{
	return cmdline_user_count;
}

void cmdline_print_help(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_options); i++)
		kprintf("  %s\n", cmdline_options[i].help);
	kprintf("  init.NAME=V  for user space (lab 5's init), like every word after a lone --\n");
}
