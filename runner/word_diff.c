// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A word diff for people (runner/word_diff.h): the longest common
 * subsequence of the two strings' words, between their common first and
 * last words, by the textbook table; past WORDS_TABLE cells (two long
 * command lines that differ all through) the whole middle is one place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "runner/word_diff.h"

#define CONTEXT 2
#define WORDS_TABLE (4u << 20)

struct word {
	const char *s;
	int len;
};

static size_t split(const char *s, struct word **out)
{
	size_t n = 0, cap = 16;
	struct word *w = xmalloc(cap * sizeof(*w));

	for (const char *p = s; *p;) {
		size_t len;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " ");
		if (n == cap)
			w = xrealloc(w, (cap *= 2) * sizeof(*w));
		w[n++] = (struct word){ p, (int)len };
		p += len;
	}
	*out = w;
	return n;
}

static bool same(const struct word *x, const struct word *y)
{
	return x->len == y->len && !memcmp(x->s, y->s, (size_t)x->len);
}

/* op per word of the edit: '=' both, '-' A's only, '+' B's only. */
struct edit {
	char op;
	const struct word *w;
};

/* The edit turning a[0..na) into b[0..nb): the LCS's, or all of A out
 * and all of B in where the table would be too large. */
static size_t edit_middle(const struct word *a, size_t na, const struct word *b, size_t nb,
			  struct edit *out)
{
	size_t k = 0;

	if (na && nb && (na + 1) * (nb + 1) <= WORDS_TABLE) {
		uint32_t *t = xmalloc((na + 1) * (nb + 1) * sizeof(*t));
		size_t i, j;

#define T(i, j) t[(i) * (nb + 1) + (j)]
		for (i = na + 1; i-- > 0;)
			for (j = nb + 1; j-- > 0;)
				T(i, j) = i == na || j == nb ? 0 :
					  same(&a[i], &b[j]) ? T(i + 1, j + 1) + 1 :
					  T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
		for (i = 0, j = 0; i < na || j < nb;) {
			if (i < na && j < nb && same(&a[i], &b[j])) {
				out[k++] = (struct edit){ '=', &a[i] };
				i++, j++;
			} else if (j == nb || (i < na && T(i + 1, j) >= T(i, j + 1))) {
				out[k++] = (struct edit){ '-', &a[i++] };
			} else {
				out[k++] = (struct edit){ '+', &b[j++] };
			}
		}
#undef T
		free(t);
		return k;
	}
	for (size_t i = 0; i < na; i++)
		out[k++] = (struct edit){ '-', &a[i] };
	for (size_t j = 0; j < nb; j++)
		out[k++] = (struct edit){ '+', &b[j] };
	return k;
}

static void put_word(FILE *f, const struct edit *e, bool *first)
{
	fputs(*first ? "" : " ", f);
	*first = false;
	if (e->op == '=')
		fprintf(f, "%.*s", e->w->len, e->w->s);
	else
		fprintf(f, e->op == '-' ? "[-%.*s-]" : "{+%.*s+}", e->w->len, e->w->s);
}

size_t word_diff(FILE *f, const char *indent, const char *as, const char *bs)
{
	struct word *a, *b;
	size_t na = split(as, &a), nb = split(bs, &b), pre = 0, suf = 0, n, places = 0;
	struct edit *e;

	while (pre < na && pre < nb && same(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && same(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	e = xmalloc((na + nb + 1) * sizeof(*e));
	n = 0;
	for (size_t i = 0; i < pre; i++)
		e[n++] = (struct edit){ '=', &a[i] };
	n += edit_middle(a + pre, na - pre - suf, b + pre, nb - pre - suf, e + n);
	for (size_t i = na - suf; i < na; i++)
		e[n++] = (struct edit){ '=', &a[i] };
	/* each place: its changed words and CONTEXT words either side; places
	 * whose contexts touch are one */
	for (size_t i = 0; i < n;) {
		size_t last = i, from, to;
		bool first = true;

		if (e[i].op == '=') {
			i++;
			continue;
		}
		for (size_t j = i + 1; j < n && j - last <= 2 * CONTEXT; j++)
			if (e[j].op != '=')
				last = j;
		from = i > CONTEXT ? i - CONTEXT : 0;
		to = last + 1 + CONTEXT < n ? last + 1 + CONTEXT : n;
		fprintf(f, "%s%s", indent, from ? "... " : "");
		for (size_t k = from; k < to; k++)
			put_word(f, &e[k], &first);
		fprintf(f, "%s\n", to < n ? " ..." : "");
		places++;
		i = to;
	}
	free(e);
	free(a);
	free(b);
	return places;
}
