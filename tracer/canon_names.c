// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "tracer/canon_priv.h"

/* Roots and temp names in canonical strings. */

static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '+';
}

/* What ends a path in an argv word or an environment value. */
#define SEPARATORS " =:,;\"'\t\n"

/*
 * Rewrite every occurrence of a root's path that is a whole path or its
 * beginning: in paths, and in argv words and environment values such as
 * -I/src/inc, --sysroot=/src, PWD=/src, PATH=/src/bin:/usr/bin.  Not
 * inside another path (/tmp in /src/.tmp_1/tmp stays).
 */
bool canon_put_rooted(const struct canon_opts *o, struct sbuf *out, const char *s)
{
	bool tmp = false;

	while (*s) {
		/* outside a path, up to where one may start: only at a '/' */
		size_t n = strcspn(s, "/");

		sbuf_add(out, s, n);
		s += n;
		if (!*s)
			break;
		for (size_t i = 0; i < o->nroots; i++) {
			const char *rp = o->roots[i].path;
			size_t rn = strlen(rp);

			if (s[1] != rp[1] || strncmp(s, rp, rn) || path_char(s[rn]))
				continue;
			sbuf_puts(out, o->roots[i].name);
			tmp |= !strcmp(o->roots[i].name, "$TMP");
			s += rn;
			break;
		}
		/* in a path (rewritten or not) until a separator ends it */
		n = strcspn(s, SEPARATORS);
		sbuf_add(out, s, n);
		s += n;
		if (*s)
			sbuf_putc(out, *s++);
	}
	return tmp;
}

char *canon_rewrite_roots(const struct canon_opts *o, const char *s)
{
	struct sbuf b = { 0 };

	canon_put_rooted(o, &b, s);
	sbuf_cstr(&b);
	return b.p;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Names the build itself created directly under $TMP, exclusively
 * (mkstemp, O_EXCL) or as directories (mkdtemp): their names may be
 * random.  Each is written as {N}, numbered in output order; in sort keys
 * as {} so that ordering never depends on them.
 */
void canon_note_temp(struct canon *c, const struct event *ev)
{
	const char *name, *end;
	bool created = ev->result >= 0 &&
		       ((ev->kind == EV_OPEN && (ev->flags & O_CREAT) &&
			 (ev->flags & O_EXCL)) || ev->kind == EV_MKDIR);

	if (!created || !ev->path || !str_has_prefix(ev->path, "/tmp/"))
		return;
	name = ev->path + 5;
	end = strchr(name, '/');
	/* (directly: a name made deeper, as in a source tree below /tmp,
	 * does not make the directory above it a temporary one) */
	if (!*name || end)
		return;
	strv_push(&c->temp_set, xstrdup(name));
}

static bool is_temp(const struct canon *c, const char *name, size_t len)
{
	char buf[256];
	char *key = buf;

	if (!c->temp_set.n || len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return bsearch(&key, c->temp_set.v, c->temp_set.n, sizeof(char *), cmp_strp) != NULL;
}

static char *rewrite_temps(struct canon *c, const char *s, bool for_key)
{
	char *out = xstrdup(s);
	size_t pos = 0;
	char *p;

	while ((p = strstr(out + pos, "$TMP/"))) {
		char *name = p + 5, *end = name, *repl, *next;
		size_t k;

		while (*end && path_char(*end))
			end++;
		if (!is_temp(c, name, (size_t)(end - name))) {
			pos = (size_t)(name - out);
			continue;
		}
		c->keyed = c->temp_put = true;	/* the key form differs */
		if (for_key) {
			repl = xstrdup("{}");
		} else {
			for (k = 0; k < c->temps.n; k++)
				if (strlen(c->temps.v[k]) == (size_t)(end - name) &&
				    !strncmp(c->temps.v[k], name, (size_t)(end - name)))
					break;
			if (k == c->temps.n)
				strv_push(&c->temps, strndup(name, (size_t)(end - name)));
			repl = xasprintf("{%zu}", k + 1);
		}
		next = xasprintf("%.*s%s%s", (int)(name - out), out, repl, end);
		pos = (size_t)(name - out) + strlen(repl);
		free(repl);
		free(out);
		out = next;
	}
	return out;
}

const char *canon_str(struct canon *c, const char *s, bool for_key)
{
	const char *r;
	bool tmp;
	char *t;

	if (!s) {		/* the tracer always gives one: a damaged spool */
		c->bad = true;
		s = "";
	}
	c->scratch.len = 0;
	tmp = canon_put_rooted(c->opts, &c->scratch, s);
	r = sbuf_cstr(&c->scratch);
	/* ($TMP/ is there only if /tmp was rewritten, or was there) */
	if (!c->temp_set.n || (!tmp && !strchr(s, '$')) || !strstr(r, "$TMP/"))
		return r;
	t = rewrite_temps(c, r, for_key);
	c->scratch.len = 0;
	sbuf_puts(&c->scratch, t);
	free(t);
	return sbuf_cstr(&c->scratch);
}

void canon_sort_temps(struct canon *c)
{
	if (c->temp_set.n > 1)
		qsort(c->temp_set.v, c->temp_set.n, sizeof(char *), cmp_strp);
}
