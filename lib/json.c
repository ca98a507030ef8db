// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
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

static void write_string(FILE *f, const char *s, bool bytes)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		const unsigned char *q = p;

		while (*q >= 0x20 && *q < 0x7f && *q != '"' && *q != '\\')
			q++;
		if (q > p) {	/* a run of plain characters at once */
			fwrite(p, 1, (size_t)(q - p), f);
			p = q;
			if (!*p)
				break;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs(bytes ? "\\\\\\\\" : "\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p >= 0x80) {
				size_t n = utf8_len(p);

				if (n) {
					fwrite(p, 1, n, f);
					p += n - 1;
				} else if (bytes) {
					fprintf(f, "\\\\x%02x", *p);
				} else {
					/* Not UTF-8: the byte as U+00XX. */
					fprintf(f, "\\u%04x", *p);
				}
			} else if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else {
				fputc(*p, f);
			}
		}
	}
	fputc('"', f);
}
