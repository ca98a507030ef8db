// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <math.h>
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


/*
 * The validator (json_check): a recursive descent over one value that
 * allocates nothing.  Each function takes the text at p and returns
 * where its value ends, or NULL with c->bad at the first byte that is
 * wrong.
 */
struct jcheck {
	const char *end;	/* (never read at or past) */
	const char *bad;
	int depth;
};

/* (jansson's JSON_PARSER_MAX_DEPTH) */
#define JSON_CHECK_DEPTH 2048

static const char *fail(struct jcheck *c, const char *p)
{
	c->bad = p;
	return NULL;
}

static const char *skip_ws(const struct jcheck *c, const char *p)
{
	while (p < c->end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* The four hex digits at p, or -1. */
static int hex4(const struct jcheck *c, const char *p)
{
	int v = 0;

	if (c->end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int ch = (unsigned char)p[i], d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (ch | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* After "\u" at p: the escape's end.  As jansson: no \u0000, and
 * surrogates only in pairs. */
static const char *check_u(struct jcheck *c, const char *p)
{
	int u = hex4(c, p), lo;

	if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
		return fail(c, p);
	p += 4;
	if (u < 0xd800 || u > 0xdbff)
		return p;
	lo = c->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(c, p + 2) : -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(c, p);
	return p + 6;
}

/* p at the opening quote.  UTF-8 only, no control byte. */
static const char *check_string(struct jcheck *c, const char *p)
{
	for (p++; p < c->end;) {
		unsigned char ch = (unsigned char)*p;
		size_t n;

		if (ch == '"')
			return p + 1;
		if (ch < 0x20)
			return fail(c, p);
		if (ch >= 0x80) {
			n = utf8_len((const unsigned char *)p);
			if (!n || n > (size_t)(c->end - p))
				return fail(c, p);
			p += n;
		} else if (ch != '\\') {
			p++;
		} else if (c->end - p < 2 || !memchr("\"\\/bfnrtu", p[1], 9)) {
			return fail(c, p);
		} else if (p[1] == 'u') {
			if (!(p = check_u(c, p + 2)))
				return NULL;
		} else {
			p += 2;
		}
	}
	return fail(c, p);
}

static const char *digits(const struct jcheck *c, const char *p)
{
	while (p < c->end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* As jansson: an integer must fit in 64 bits, a real must be finite.
 * (strtoll and strtod stop where the number's grammar does: the text
 * goes on to a NUL at the latest, json_check's contract) */
static const char *check_number(struct jcheck *c, const char *p)
{
	const char *start = p, *q;
	bool real = false;
	double d;

	if (*p == '-')
		p++;
	if (p == c->end || *p < '0' || *p > '9')
		return fail(c, p);
	q = digits(c, p);
	if (*p == '0' && q - p > 1)
		return fail(c, p + 1);
	p = q;
	if (p < c->end && *p == '.') {
		real = true;
		q = digits(c, ++p);
		if (q == p)
			return fail(c, p);
		p = q;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		real = true;
		if (++p < c->end && (*p == '+' || *p == '-'))
			p++;
		q = digits(c, p);
		if (q == p)
			return fail(c, p);
		p = q;
	}
	errno = 0;
	if (!real) {
		(void)strtoll(start, NULL, 10);
		if (errno == ERANGE)
			return fail(c, start);
		return p;
	}
	d = strtod(start, NULL);
	if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
		return fail(c, start);
	return p;
}

static const char *check_value(struct jcheck *c, const char *p);

/* The hex number of the four digits at p (checked already). */
static unsigned hex4_at(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++)
		v = v * 16 + (unsigned)(p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
	return v;
}

/* A checked string's bytes as jansson decodes it, one at a time. */
struct key_iter {
	const char *p;		/* in the string, after what is read */
	unsigned char buf[4];	/* an escape's UTF-8, buf[i..n) still to give */
	int i, n;
};

/* The next byte, or -1 at the closing quote. */
static int key_byte(struct key_iter *k)
{
	unsigned u;

	if (k->i < k->n)
		return k->buf[k->i++];
	if (*k->p == '"')
		return -1;
	if (*k->p != '\\')
		return (unsigned char)*k->p++;
	k->p += 2;
	switch (k->p[-1]) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': break;
	default: return (unsigned char)k->p[-1];	/* " \ / */
	}
	u = hex4_at(k->p);
	k->p += 4;
	if (u >= 0xd800 && u <= 0xdbff) {	/* (its pair follows: checked) */
		u = 0x10000 + ((u - 0xd800) << 10) + (hex4_at(k->p + 2) - 0xdc00);
		k->p += 6;
	}
	k->i = 1;
	if (u < 0x80) {
		k->n = 0;
		return (int)u;
	}
	if (u < 0x800) {
		k->buf[0] = (unsigned char)(0xc0 | u >> 6);
		k->n = 2;
	} else if (u < 0x10000) {
		k->buf[0] = (unsigned char)(0xe0 | u >> 12);
		k->buf[1] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		k->n = 3;
	} else {
		k->buf[0] = (unsigned char)(0xf0 | u >> 18);
		k->buf[1] = (unsigned char)(0x80 | (u >> 12 & 0x3f));
		k->buf[2] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		k->n = 4;
	}
	k->buf[k->n - 1] = (unsigned char)(0x80 | (u & 0x3f));
	return k->buf[0];
}

/* Whether the checked strings at a and b (after their quotes) are the
 * same key once decoded ("a" and "\u0061" are). */
static bool same_key(const char *a, const char *b)
{
	struct key_iter x = { .p = a }, y = { .p = b };
	int ca, cb;

	do {
		ca = key_byte(&x);
		cb = key_byte(&y);
	} while (ca == cb && ca >= 0);
	return ca == cb;
}

/* The keys an object's duplicates are looked for among: a record's
 * objects have a dozen; one with more is not taken (json.h). */
#define JSON_CHECK_KEYS 32

/* p at '{'.  A key given twice is wrong, as jansson's
 * JSON_REJECT_DUPLICATES has it. */
static const char *check_object(struct jcheck *c, const char *p)
{
	const char *keys[JSON_CHECK_KEYS];
	unsigned nkeys = 0;

	if (++c->depth > JSON_CHECK_DEPTH)
		return fail(c, p);
	p = skip_ws(c, p + 1);
	if (p < c->end && *p == '}') {
		c->depth--;
		return p + 1;
	}
	for (;;) {
		const char *key = p;

		if (p == c->end || *p != '"' || !(p = check_string(c, p)))
			return p ? fail(c, p) : NULL;
		for (unsigned i = 0; i < nkeys; i++)
			/* (two first bytes neither of which escapes differ
			 * decoded too: most keys of a record) */
			if ((keys[i][0] == key[1] || keys[i][0] == '\\' || key[1] == '\\') &&
			    same_key(keys[i], key + 1))
				return fail(c, key);
		if (nkeys == JSON_CHECK_KEYS)
			return fail(c, key);
		keys[nkeys++] = key + 1;
		p = skip_ws(c, p);
		if (p == c->end || *p != ':')
			return fail(c, p);
		if (!(p = check_value(c, skip_ws(c, p + 1))))
			return NULL;
		p = skip_ws(c, p);
		if (p < c->end && *p == '}') {
			c->depth--;
			return p + 1;
		}
		if (p == c->end || *p != ',')
			return fail(c, p);
		p = skip_ws(c, p + 1);
	}
}

/* p at '[' */
static const char *check_array(struct jcheck *c, const char *p)
{
	if (++c->depth > JSON_CHECK_DEPTH)
		return fail(c, p);
	p = skip_ws(c, p + 1);
	if (p < c->end && *p == ']') {
		c->depth--;
		return p + 1;
	}
	for (;;) {
		if (!(p = check_value(c, p)))
			return NULL;
		p = skip_ws(c, p);
		if (p < c->end && *p == ']') {
			c->depth--;
			return p + 1;
		}
		if (p == c->end || *p != ',')
			return fail(c, p);
		p = skip_ws(c, p + 1);
	}
}

static const char *check_word(struct jcheck *c, const char *p, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - p) < n || memcmp(p, word, n))
		return fail(c, p);
	return p + n;
}

static const char *check_value(struct jcheck *c, const char *p)
{
	if (p == c->end)
		return fail(c, p);
	switch (*p) {
	case '{':
		return check_object(c, p);
	case '[':
		return check_array(c, p);
	case '"':
		return check_string(c, p);
	case 't':
		return check_word(c, p, "true");
	case 'f':
		return check_word(c, p, "false");
	case 'n':
		return check_word(c, p, "null");
	default:
		return check_number(c, p);
	}
}

bool json_check(const char *s, size_t n, size_t *bad)
{
	struct jcheck c = { .end = s + n };
	const char *p = check_value(&c, skip_ws(&c, s));

	if (p && (p = skip_ws(&c, p)) != c.end)
		c.bad = p;
	if (!c.bad)
		return true;
	*bad = (size_t)(c.bad - s);
	return false;
}
