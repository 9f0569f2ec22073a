/*
 * line.c - line editing on raw console input.
 *
 * debug: hands us every byte as typed, with no echo and no erase, so the
 * editor does what a terminal's line discipline would: it echoes what it
 * accepts, erases with "\b \b", and treats a few control bytes as commands.
 *
 * It reads ONE byte per read() on purpose. The console returns whatever has
 * been typed, and bytes typed ahead of a program's start (`cat`, then its
 * input) belong to that program: a bigger read would swallow them here.
 */
#include "sh.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_D 0x04
#define KEY_BACKSPACE 0x08
#define KEY_CTRL_U 0x15
#define KEY_ESCAPE 0x1b
#define KEY_DELETE 0x7f
#define BELL "\a"
#define ERASE_ONE "\b \b"

/* ESC [ ... final byte: what arrow and function keys send. */
enum escape_state { ESCAPE_NONE, ESCAPE_STARTED, ESCAPE_SEQUENCE };

void line_init(struct line_editor *ed, int fd, bool echo)
{
	memset(ed, 0, sizeof(*ed));
	ed->fd = fd;
	ed->echo = echo;
}

static void line_echo(const struct line_editor *ed, const char *text, size_t len)
{
	if (ed->echo)
		write_all(1, text, len);
}

static void line_erase(struct line_editor *ed, unsigned count)
{
	char wipe[3 * 32];

	while (count > 0) {
		unsigned now = count < 32 ? count : 32;

		for (unsigned i = 0; i < now; i++)
			memcpy(wipe + 3 * i, ERASE_ONE, 3);
		line_echo(ed, wipe, 3 * now);
		count -= now;
	}
}

/* Swallows an escape sequence byte by byte; true while inside one. */
static bool line_in_escape(struct line_editor *ed, unsigned char c)
{
	switch (ed->escape) {
	case ESCAPE_STARTED:
		ed->escape = (c == '[' || c == 'O') ? ESCAPE_SEQUENCE : ESCAPE_NONE;
		return true;
	case ESCAPE_SEQUENCE:
		if (c >= 0x40 && c <= 0x7e)
			ed->escape = ESCAPE_NONE;
		return true;
	}
	if (c == KEY_ESCAPE) {
		ed->escape = ESCAPE_STARTED;
		return true;
	}
	return false;
}

static void line_append(struct line_editor *ed, char c)
{
	if (ed->len == SH_LINE_MAX) {
		line_echo(ed, BELL, 1);
		return;
	}
	ed->text[ed->len++] = c;
	line_echo(ed, &c, 1);
}

static enum line_result line_finish(struct line_editor *ed)
{
	ed->text[ed->len] = '\0';
	return LINE_READY;
}

/*
 * One byte of input: -1 while the line goes on, else what line_read
 * returns. A tab becomes a space, so erasing it erases one column.
 */
static int line_take(struct line_editor *ed, unsigned char c)
{
	if (line_in_escape(ed, c))
		return -1;
	switch (c) {
	case '\n':
	case '\r':
		line_echo(ed, "\n", 1);
		return line_finish(ed);
	case KEY_BACKSPACE:
	case KEY_DELETE:
		if (ed->len > 0) {
			ed->len--;
			line_erase(ed, 1);
		}
		return -1;
	case KEY_CTRL_U:
		line_erase(ed, ed->len);
		ed->len = 0;
		return -1;
	case KEY_CTRL_C:
		line_echo(ed, "^C\n", 3);
		ed->len = 0;
		return LINE_CANCELLED;
	case KEY_CTRL_D:
		return ed->len == 0 ? LINE_END : -1;
	case '\t':
		c = ' ';
		break;
	}
	if (c >= 0x20 && c < 0x7f)
		line_append(ed, (char)c);
	return -1;
}

/*
 * Reads until a whole line, a cancel or the end. The end of the input in
 * the middle of a line still runs that line; the next call reports the end.
 */
enum line_result line_read(struct line_editor *ed)
{
	ed->len = 0;
	ed->escape = ESCAPE_NONE;
	if (ed->at_end)
		return LINE_END;
	for (;;) {
		unsigned char c;
		int result;

		if (read(ed->fd, &c, 1) != 1) {
			ed->at_end = true;
			return ed->len ? line_finish(ed) : LINE_END;
		}
		result = line_take(ed, c);
		if (result >= 0)
			return (enum line_result)result;
	}
}
