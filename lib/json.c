// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/sbuf.h"
#include "lib/util.h"

/* The length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void write_string(FILE *f, const char *s, bool bytes);

void json_write_string(FILE *f, const char *s)
{
	write_string(f, s, false);
}

void json_write_bytes(FILE *f, const char *s)
{
	write_string(f, s, true);
}

char *bytes_unescape(const char *in)
{
	char *out = xmalloc(strlen(in) + 1), *o = out;

	while (*in) {
		if (in[0] == '\\' && in[1] == '\\') {
			*o++ = '\\';
			in += 2;
		} else if (in[0] == '\\' && in[1] == 'x' && isxdigit((unsigned char)in[2]) &&
			   isxdigit((unsigned char)in[3])) {
			char hex[3] = { in[2], in[3], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			in += 4;
		} else {
			*o++ = *in++;
		}
	}
	*o = '\0';
	return out;
}

/* Bytes a JSON string holds as they are: printable ASCII but " and \. */
static const bool plain[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

static void put_string(struct sbuf *b, const char *s, bool bytes)
{
	const unsigned char *p = (const unsigned char *)s;

	sbuf_putc(b, '"');
	for (; *p; p++) {
		const unsigned char *q = p;

		while (plain[*q])
			q++;
		if (q > p) {	/* a run of plain characters at once */
			sbuf_add(b, p, (size_t)(q - p));
			p = q;
			if (!*p)
				break;
		}
		switch (*p) {
		case '"':
			sbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			sbuf_puts(b, bytes ? "\\\\\\\\" : "\\\\");
			break;
		case '\n':
			sbuf_add(b, "\\n", 2);
			break;
		case '\t':
			sbuf_add(b, "\\t", 2);
			break;
		case '\r':
			sbuf_add(b, "\\r", 2);
			break;
		default:
			if (*p >= 0x80) {
				size_t n = utf8_len(p);

				if (n) {
					sbuf_add(b, p, n);
					p += n - 1;
				} else if (bytes) {
					sbuf_printf(b, "\\\\x%02x", *p);
				} else {
					/* Not UTF-8: the byte as U+00XX. */
					sbuf_printf(b, "\\u%04x", *p);
				}
			} else {	/* the other control characters */
				sbuf_printf(b, "\\u%04x", *p);
			}
		}
	}
	sbuf_putc(b, '"');
}

void json_put_string(struct sbuf *b, const char *s)
{
	put_string(b, s, false);
}

void json_put_bytes(struct sbuf *b, const char *s)
{
	put_string(b, s, true);
}

static void write_string(FILE *f, const char *s, bool bytes)
{
	static __thread struct sbuf b;

	b.len = 0;
	put_string(&b, s, bytes);
	fwrite(b.p, 1, b.len, f);
}
