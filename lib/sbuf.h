/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SBUF_H
#define SR_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A growable byte buffer for text built on a hot path (the canonical
 * trace's lines): appends are inline and never lock or check a stream;
 * a line goes to its FILE with one fwrite.  Not NUL-terminated but by
 * sbuf_cstr().
 */
struct sbuf {
	char *p;
	size_t len, cap;
};

/* Room for n more bytes and a NUL. */
void sbuf_grow(struct sbuf *b, size_t n);
__attribute__((format(printf, 2, 3))) void sbuf_printf(struct sbuf *b, const char *fmt, ...);
void sbuf_free(struct sbuf *b);

static inline void sbuf_add(struct sbuf *b, const void *s, size_t n)
{
	if (!n)
		return;
	if (b->cap - b->len <= n)
		sbuf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static inline void sbuf_putc(struct sbuf *b, char c)
{
	if (b->cap - b->len <= 1)
		sbuf_grow(b, 1);
	b->p[b->len++] = c;
}

/* The text so far as a C string (valid until the next append). */
static inline const char *sbuf_cstr(struct sbuf *b)
{
	if (b->cap - b->len < 1)
		sbuf_grow(b, 1);
	b->p[b->len] = '\0';
	return b->p;
}

/* A number in decimal, or in octal with at least `digits` digits. */
void sbuf_putd(struct sbuf *b, long long v);
void sbuf_puto(struct sbuf *b, unsigned long long v, int digits);

#endif
