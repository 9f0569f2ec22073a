/*
 * kprintf.c - printf for the kernel (lab 1, handout §3).
 *
 * One formatting engine, kformat(), writes into a "sink": either the
 * console (kprintf) or a bounded buffer (ksnprintf). It walks the format
 * string, parses each conversion into a struct format_spec, fetches the
 * argument with the right C type and hands numbers to format_number(),
 * the part students write. Layer below: console.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "console.h"
#include "kprintf.h"
#include "kstring.h"

/* Where formatted characters go; counts every character, even dropped ones. */
struct kprintf_sink {
	bool to_console; /* else write into buf */
	char *buf;
	size_t size;     /* buffer size, including the final NUL */
	size_t count;    /* characters produced so far */
};

/* One parsed conversion such as "%-08lx". */
struct format_spec {
	bool left_align;  /* '-' */
	bool zero_pad;    /* '0' */
	bool plus_sign;   /* '+' */
	bool space_sign;  /* ' ' */
	bool alternate;   /* '#': 0x for hex, leading 0 for octal */
	int width;        /* minimum field width, 0 if none */
	int precision;    /* minimum digits / maximum string length, -1 if none */
	int length;       /* 0 = int, 1 = long, 2 = long long, 'z' = size_t */
	char conversion;  /* d i u x X o c s p */
};

static void sink_putc(struct kprintf_sink *out, char c)
{
	if (out->to_console)
		console_putc(c);
	else if (out->count + 1 < out->size)
		out->buf[out->count] = c;
	out->count++;
}

static void sink_repeat(struct kprintf_sink *out, char c, int n)
{
	for (; n > 0; n--)
		sink_putc(out, c);
}

static void sink_write(struct kprintf_sink *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sink_putc(out, s[i]);
}

/*
 * Formats one integer. magnitude is its absolute value and negative its
 * sign (the caller did the two's-complement work, INT64_MIN included).
 * Output, in order: left padding spaces, sign or prefix ("-", "+", " ",
 * "0x"), zeros (from the precision or from the '0' flag), digits, right
 * padding spaces. C rules: a precision turns off the '0' flag, and value 0
 * with precision 0 prints no digits.
 */
static void format_number(struct kprintf_sink *out, const struct format_spec *spec,
			  uint64_t magnitude, bool negative, unsigned base)
{
	// LAB 1.2 BEGIN: digits in base, sign/prefix, precision zeros, width padding; handout §3
	const char *digit_chars = spec->conversion == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[64]; /* reversed: least significant digit first */
	int ndigits = 0;
	bool is_zero = magnitude == 0;
	bool is_signed = spec->conversion == 'd' || spec->conversion == 'i';
	const char *prefix = "";
	int zeros, pad;

	while (magnitude > 0) {
		digits[ndigits++] = digit_chars[magnitude % base];
		magnitude /= base;
	}
	if (ndigits == 0 && spec->precision != 0)
		digits[ndigits++] = '0';

	if (negative)
		prefix = "-";
	else if (is_signed && spec->plus_sign) /* C ignores '+' and ' ' for unsigned */
		prefix = "+";
	else if (is_signed && spec->space_sign)
		prefix = " ";
	else if (spec->alternate && base == 16 && !is_zero)
		prefix = spec->conversion == 'X' ? "0X" : "0x";
	else if (spec->alternate && base == 8 && (!is_zero || ndigits == 0) &&
		 spec->precision <= ndigits) /* unless the digits already start with 0 */
		prefix = "0";

	zeros = spec->precision > ndigits ? spec->precision - ndigits : 0;
	pad = spec->width - (int)strlen(prefix) - zeros - ndigits;
	if (spec->zero_pad && !spec->left_align && spec->precision < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!spec->left_align)
		sink_repeat(out, ' ', pad);
	sink_write(out, prefix, strlen(prefix));
	sink_repeat(out, '0', zeros);
	while (ndigits > 0)
		sink_putc(out, digits[--ndigits]);
	if (spec->left_align)
		sink_repeat(out, ' ', pad);
	// LAB 1.2 STUB
	// sink_write(out, "<lab 1: format_number>", 22);
	// LAB 1.2 END
}

static void format_string(struct kprintf_sink *out, const struct format_spec *spec, const char *s)
{
	size_t len;
	int pad;

	if (!s)
		s = "(null)";
	len = spec->precision >= 0 ? strnlen(s, (size_t)spec->precision) : strlen(s);
	pad = spec->width - (int)len;
	if (!spec->left_align)
		sink_repeat(out, ' ', pad);
	sink_write(out, s, len);
	if (spec->left_align)
		sink_repeat(out, ' ', pad);
}

/* Reads flags, width, precision and length; returns the conversion's end. */
static const char *parse_spec(const char *p, struct format_spec *spec, va_list *ap)
{
	memset(spec, 0, sizeof(*spec));
	spec->precision = -1;
	for (;; p++) {
		if (*p == '-')
			spec->left_align = true;
		else if (*p == '0')
			spec->zero_pad = true;
		else if (*p == '+')
			spec->plus_sign = true;
		else if (*p == ' ')
			spec->space_sign = true;
		else if (*p == '#')
			spec->alternate = true;
		else
			break;
	}
	if (*p == '*') {
		spec->width = va_arg(*ap, int);
		if (spec->width < 0) {
			spec->left_align = true;
			spec->width = -spec->width;
		}
		p++;
	}
	while (*p >= '0' && *p <= '9')
		spec->width = spec->width * 10 + (*p++ - '0');
	if (*p == '.') {
		p++;
		spec->precision = 0;
		if (*p == '*') {
			spec->precision = va_arg(*ap, int);
			p++;
		}
		while (*p >= '0' && *p <= '9')
			spec->precision = spec->precision * 10 + (*p++ - '0');
	}
	for (; *p == 'l'; p++)
		spec->length++;
	if (*p == 'z') {
		spec->length = 'z';
		p++;
	}
	spec->conversion = *p;
	return p;
}

static int64_t fetch_signed(const struct format_spec *spec, va_list *ap)
{
	if (spec->length == 0)
		return va_arg(*ap, int);
	if (spec->length == 1)
		return va_arg(*ap, long);
	if (spec->length == 'z')
		return (int64_t)va_arg(*ap, size_t);
	return va_arg(*ap, long long);
}

static uint64_t fetch_unsigned(const struct format_spec *spec, va_list *ap)
{
	if (spec->length == 0)
		return va_arg(*ap, unsigned int);
	if (spec->length == 1)
		return va_arg(*ap, unsigned long);
	if (spec->length == 'z')
		return va_arg(*ap, size_t);
	return va_arg(*ap, unsigned long long);
}

static void format_signed(struct kprintf_sink *out, const struct format_spec *spec, int64_t v)
{
	/* -v overflows for INT64_MIN; negate in unsigned arithmetic instead. */
	uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	format_number(out, spec, magnitude, v < 0, 10);
}

static void format_one(struct kprintf_sink *out, struct format_spec *spec, va_list *ap)
{
	switch (spec->conversion) {
	case 'd':
	case 'i':
		format_signed(out, spec, fetch_signed(spec, ap));
		break;
	case 'u':
		format_number(out, spec, fetch_unsigned(spec, ap), false, 10);
		break;
	case 'x':
	case 'X':
		format_number(out, spec, fetch_unsigned(spec, ap), false, 16);
		break;
	case 'o':
		format_number(out, spec, fetch_unsigned(spec, ap), false, 8);
		break;
	case 'p':
		/* Always 0x and 16 digits: kernel addresses line up in dumps. */
		sink_write(out, "0x", 2);
		spec->precision = 16;
		format_number(out, spec, (uint64_t)va_arg(*ap, void *), false, 16);
		break;
	case 'c':
		sink_putc(out, (char)va_arg(*ap, int));
		break;
	case 's':
		format_string(out, spec, va_arg(*ap, const char *));
		break;
	case '%':
		sink_putc(out, '%');
		break;
	default:
		/* Unknown conversion: show it rather than guess what was meant. */
		sink_putc(out, '%');
		if (spec->conversion)
			sink_putc(out, spec->conversion);
		break;
	}
}

static int kformat(struct kprintf_sink *out, const char *fmt, va_list ap)
{
	struct format_spec spec;
	va_list args;

	/* A va_list copy can be passed by address portably; ap itself cannot. */
	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			sink_putc(out, *p);
			continue;
		}
		p = parse_spec(p + 1, &spec, &args);
		format_one(out, &spec, &args);
		if (!*p)
			break;
	}
	va_end(args);
	if (!out->to_console && out->size > 0)
		out->buf[out->count < out->size ? out->count : out->size - 1] = '\0';
	return (int)out->count;
}

/* Returns the length the full output would have (snprintf semantics). */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct kprintf_sink out = { .buf = buf, .size = size };

	return kformat(&out, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int kprintf(const char *fmt, ...)
{
	struct kprintf_sink out = { .to_console = true };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kformat(&out, fmt, ap);
	va_end(ap);
	return n;
}
