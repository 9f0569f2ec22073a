/*
 * parse.c - one command line into a pipeline.
 *
 * The grammar is small on purpose: words split by spaces and tabs, `|`
 * between commands (spaces around it optional), `$?` inside a word
 * replaced by the last status, and double quotes that keep spaces and `|`
 * inside one word ("a | b" is one argument; "" is an empty one). No
 * redirections, variables or escapes.
 */
#include "sh.h"

struct parser {
	struct pipeline *p;
	struct stage *stage;  /* the command being filled */
	size_t used;          /* bytes of p->words taken */
	bool in_word;         /* a word is open (maybe still empty: "") */
	bool failed;
};

static void parse_error(struct parser *ps, const char *what)
{
	if (!ps->failed)
		dprintf(2, "sh: %s\n", what);
	ps->failed = true;
}

static void parse_put(struct parser *ps, char c)
{
	if (ps->used >= sizeof(ps->p->words) - 1) {
		parse_error(ps, "line too long");
		return;
	}
	ps->p->words[ps->used++] = c;
}

static void parse_begin_word(struct parser *ps)
{
	if (ps->in_word)
		return;
	if (ps->stage->argc == SH_MAX_ARGS) {
		parse_error(ps, "too many words in a command (at most 32)");
		return;
	}
	ps->stage->argv[ps->stage->argc++] = ps->p->words + ps->used;
	ps->in_word = true;
}

static void parse_end_word(struct parser *ps)
{
	if (!ps->in_word)
		return;
	parse_put(ps, '\0');
	ps->in_word = false;
}

static void parse_status(struct parser *ps, int last_status)
{
	char digits[12];
	int n = snprintf(digits, sizeof(digits), "%d", last_status);

	parse_begin_word(ps);
	for (int i = 0; i < n; i++)
		parse_put(ps, digits[i]);
}

/* `|`: the command so far must have a word, and there is room for another. */
static void parse_next_stage(struct parser *ps)
{
	parse_end_word(ps);
	if (ps->stage->argc == 0) {
		parse_error(ps, "syntax error near '|'");
		return;
	}
	if (ps->p->count == SH_MAX_STAGES) {
		parse_error(ps, "too many commands in a pipeline (at most 8)");
		return;
	}
	ps->stage = &ps->p->stages[ps->p->count++];
	ps->stage->argc = 0;
}

int parse_line(const char *line, int last_status, struct pipeline *p)
{
	struct parser ps = { .p = p, .stage = &p->stages[0] };
	bool quoted = false;

	p->count = 1;
	p->stages[0].argc = 0;
	for (const char *s = line; *s && !ps.failed; s++) {
		if (s[0] == '$' && s[1] == '?') {
			parse_status(&ps, last_status);
			s++;
		} else if (*s == '"') {
			parse_begin_word(&ps); /* "" is a word, an empty one */
			quoted = !quoted;
		} else if (!quoted && (*s == ' ' || *s == '\t')) {
			parse_end_word(&ps);
		} else if (!quoted && *s == '|') {
			parse_next_stage(&ps);
		} else {
			parse_begin_word(&ps);
			parse_put(&ps, *s);
		}
	}
	parse_end_word(&ps);
	if (!ps.failed && quoted)
		parse_error(&ps, "missing closing '\"'");
	if (!ps.failed && ps.stage->argc == 0 && p->count > 1)
		parse_error(&ps, "syntax error near '|'");
	if (ps.failed)
		return -1;
	for (int i = 0; i < p->count; i++)
		p->stages[i].argv[p->stages[i].argc] = NULL;
	return p->stages[0].argc == 0 ? 1 : 0;
}
