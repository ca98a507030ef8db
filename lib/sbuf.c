// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbuf.h"
#include "lib/util.h"

/* A buffer this large is grown into pages mapped in at once (prefault). */
#define PREFAULT_MIN (64u << 10)

void sbuf_grow(struct sbuf *b, size_t n)
{
	size_t want = b->len + n + 1;

	if (want < b->len)
		die_oom();
	if (b->cap >= want)
		return;
	b->cap = b->cap ? b->cap : 256;
	while (b->cap < want)
		b->cap *= 2;
	if (b->cap < PREFAULT_MIN) {
		b->p = xrealloc(b->p, b->cap);
	} else {
		/* not realloc: its copy would fault the new pages in */
		char *p = xmalloc(b->cap);

		prefault(p, b->cap);
		if (b->len)
			memcpy(p, b->p, b->len);
		free(b->p);
		b->p = p;
	}
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_oom();
	if ((size_t)n >= b->cap - b->len) {
		sbuf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void sbuf_putd(struct sbuf *b, long long v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	do
		*--q = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--q = '-';
	sbuf_add(b, q, (size_t)(e - q));
}

void sbuf_puto(struct sbuf *b, unsigned long long v, int digits)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;

	do
		*--q = (char)('0' + (v & 7));
	while ((v >>= 3) || e - q < digits);
	sbuf_add(b, q, (size_t)(e - q));
}

void sbuf_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
