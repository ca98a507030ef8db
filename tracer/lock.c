// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/mtree.h"
#include "lib/util.h"
#include "tracer/lock.h"
#include "tracer/trace_read.h"

#define LOCK_HEADER "# sandrun lock v1"

/* /proc/self/root/X and /proc/N/root/X are X: the sandbox has one root. */
static const char *through_proc_root(const char *p)
{
	const char *q;

	if (strncmp(p, "/proc/", 6))
		return p;
	q = strchr(p + 6, '/');
	if (!q || strncmp(q, "/root", 5) || (q[5] && q[5] != '/'))
		return p;
	return q[5] ? q + 5 : "/";
}

static bool host_path(const char *p)
{
	/* (the sandbox's own: the tree, the fresh tmpfs of /tmp, /var/tmp
	 * and /run (sandrun's recorder and sites there), the kernel's) */
	static const char *const skip[] = { "$SRC", "$TMP", "/var/tmp", "/run", "/proc",
					    "/dev", "/sys" };

	if (!*p)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++) {
		size_t l = strlen(skip[i]);

		if (!strncmp(p, skip[i], l) && (!p[l] || p[l] == '/'))
			return false;
	}
	return true;
}

/* How much an observation says: content beats a listing beats a type
 * beats absence. */
static int rank(const char *state)
{
	if (!strncmp(state, "file:", 5))
		return 3;
	if (!strncmp(state, "dir:", 4))
		return 2;
	if (strcmp(state, "absent"))
		return 1;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct lock_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return rank(y->state) - rank(x->state);	/* the best first */
}

/* Takes both strings. */
static void add(struct lock *l, size_t *cap, char *path, char *state)
{
	if (l->n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		l->v = xrealloc(l->v, *cap * sizeof(*l->v));
	}
	l->v[l->n].path = path;
	l->v[l->n].line = 0;
	l->v[l->n++].state = state;
}

static bool want(const char *line, void *ctx)
{
	(void)ctx;
	return strstr(line, "\"ev\":\"open\"") || strstr(line, "\"ev\":\"exec\"") ||
	       strstr(line, "\"ev\":\"exec-fail\"") || strstr(line, "\"ev\":\"probe\"") ||
	       strstr(line, "\"ev\":\"readdir\"") || str_has_prefix(line, "{\"state\"");
}

/* A trace path (\xHH for bytes that are not UTF-8) as a lock path: mtree's
 * escapes, so tabs and newlines in names cannot break a line. */
static char *escaped(const char *trace_path)
{
	char *raw = bytes_unescape(trace_path);
	char *e = mtree_escape(raw);

	free(raw);
	return e;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lock_from_trace(const char *trace, struct lock *ret, struct sr_error **err)
{
	struct trace_reader tr;
	struct strv changed = { 0 };
	size_t cap = 0, o = 0;
	json_t *rec;
	int k;

	memset(ret, 0, sizeof(*ret));
	if (trace_open(&tr, trace, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	ret->digest = xstrdup(jstr(tr.header, "digest"));
	while ((k = trace_next_if(&tr, want, NULL, &rec, err)) > 0) {
		const char *ev, *path, *res;

		if (k == 2)
			continue;
		/* (a digest of another form would make a lock that run --lock
		 * refuses) */
		if ((*jstr(rec, "digest") && !mtree_hex_digest(jstr(rec, "digest"), ret->digest)) ||
		    (*jstr(rec, "loader_digest") &&
		     !mtree_hex_digest(jstr(rec, "loader_digest"), ret->digest))) {
			json_decref(rec);
			k = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a digest that is not "
					  "lowercase hex of the trace's digest (%s)", trace, tr.line,
					  ret->digest);
			break;
		}
		path = through_proc_root(jstr(rec, "path"));
		/* a program's loader (its ELF interpreter), which no open of
		 * the build's reads */
		if (*jstr(rec, "loader") && !strcmp(jstr(rec, "ev"), "exec")) {
			const char *ld = through_proc_root(jstr(rec, "loader"));

			if (host_path(ld))
				add(ret, &cap, escaped(ld), *jstr(rec, "loader_digest") ?
				    xasprintf("file:%s", jstr(rec, "loader_digest")) :
				    xstrdup("file"));
		}
		/* a #! script's exec: its digest is its interpreter's, which
		 * is locked by that digest; the script by the interpreter's
		 * read of it (by its type alone if there was none) */
		if (*jstr(rec, "interp") && !strcmp(jstr(rec, "ev"), "exec")) {
			const char *ip = through_proc_root(jstr(rec, "interp"));

			if (host_path(ip) && *jstr(rec, "digest"))
				add(ret, &cap, escaped(ip),
				    xasprintf("file:%s", jstr(rec, "digest")));
			if (host_path(path))
				add(ret, &cap, escaped(path), xstrdup("file"));
			json_decref(rec);
			continue;
		}
		if (json_object_get(rec, "state")) {
			strv_push(&changed, escaped(path));
		} else if (host_path(path)) {
			char *esc = escaped(path);

			ev = jstr(rec, "ev");
			res = jstr(rec, "res");
			if (!strcmp(ev, "exec") || (!strcmp(ev, "open") && !strcmp(res, "ok") &&
						    *jstr(rec, "digest")))
				add(ret, &cap, esc, *jstr(rec, "digest") ?
				    xasprintf("file:%s", jstr(rec, "digest")) : xstrdup("file"));
			else if (!strcmp(ev, "readdir") && !strcmp(res, "ok"))
				add(ret, &cap, esc, xasprintf("dir:%s", jstr(rec, "digest")));
			else if (!strcmp(res, "ENOENT") || !strcmp(res, "ENOTDIR"))
				add(ret, &cap, esc, xstrdup("absent"));
			else if (!strcmp(res, "ok") && *jstr(rec, "type"))
				add(ret, &cap, esc, xstrdup(jstr(rec, "type")));
			else
				free(esc);
		}
		json_decref(rec);
	}
	if (k == 0)
		k = trace_require_complete(&tr, "no lock from it", err);
	trace_close(&tr);
	if (k < 0) {
		strv_free(&changed);
		lock_free(ret);
		return -1;
	}
	if (changed.n > 1)
		qsort(changed.v, changed.n, sizeof(char *), cmp_str);
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_entry);
	/* one entry a path, the most telling; none for what the run changed */
	for (size_t i = 0; i < ret->n; i++) {
		const char *p = ret->v[i].path;
		bool dup = o && !strcmp(ret->v[o - 1].path, p);

		if (dup || (changed.n && bsearch(&p, changed.v, changed.n, sizeof(char *),
						 cmp_str))) {
			free(ret->v[i].path);
			free(ret->v[i].state);
			continue;
		}
		ret->v[o++] = ret->v[i];
	}
	ret->n = o;
	strv_free(&changed);
	return 0;
}

void lock_write(FILE *f, const struct lock *l)
{
	fprintf(f, "%s digest=%s\n", LOCK_HEADER, l->digest);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s\t%s\n", l->v[i].state, l->v[i].path);
}

/* Whether s is n lowercase hex digits. */
static bool is_hex(const char *s, size_t n)
{
	size_t i = 0;

	for (; s[i] && i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == n && !s[i];
}

/* Whether state is one `sandrun lock` writes: absent, a type, or
 * file:/dir: with a digest of the lock's algorithm (hexlen digits). */
static bool valid_state(const char *state, size_t hexlen)
{
	static const char *const types[] = {
		"absent", "file", "dir", "symlink", "chardev", "blockdev", "fifo", "socket",
	};

	if (!strncmp(state, "file:", 5))
		return is_hex(state + 5, hexlen);
	if (!strncmp(state, "dir:", 4))
		return is_hex(state + 4, hexlen);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(state, types[i]))
			return true;
	return false;
}

int lock_read(const char *file, struct lock *ret, struct sr_error **err)
{
	FILE *f = input_open(file, "lock ", err);
	char *line = NULL;
	size_t cap = 0, vcap = 0, hexlen = 0;
	unsigned long lineno = 0;
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	if (!f)
		return -1;
	while ((n = text_getline(&line, &cap, f)) >= 0) {
		char *tab;

		lineno++;
		if (!n || line[n - 1] != '\n') {
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: truncated line "
				      "(no newline at its end)", file, lineno);
			goto fail;
		}
		line[--n] = '\0';
		/* (names are escaped: no raw carriage return is one's) */
		if (n && line[n - 1] == '\r') {
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a carriage return "
				      "ends the line (CRLF line ends?)", file, lineno);
			goto fail;
		}
		if (lineno == 1) {
			const char *d = str_has_prefix(line, LOCK_HEADER " digest=") ?
					line + strlen(LOCK_HEADER " digest=") : NULL;
			enum digest_algo algo;

			if (!d) {
				sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:1: not a sandrun "
					      "lock (expected '%s digest=...')", file, LOCK_HEADER);
				goto fail;
			}
			if (digest_algo_parse(d, &algo) < 0) {
				sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:1: unknown digest "
					      "'%s' (sha256 or xxh128)", file, d);
				goto fail;
			}
			hexlen = 2 * (algo == DIGEST_SHA256 ? 32 : 16);
			ret->digest = xstrdup(d);
			continue;
		}
		if (!n || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		if (!tab || tab == line || !tab[1] || memchr(line, '\0', (size_t)n)) {
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: expected "
				      "'STATE<TAB>PATH'", file, lineno);
			goto fail;
		}
		*tab = '\0';
		if (!mtree_rooted_path_ok(tab + 1)) {
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: bad path (not "
				      "absolute or under a root, not normalized, or not "
				      "escaped as sandrun lock writes it)", file, lineno);
			goto fail;
		}
		if (!valid_state(line, hexlen)) {
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: '%s' is no state "
				      "(absent, a type, file:DIGEST or dir:DIGEST of %s)",
				      file, lineno, line, ret->digest);
			goto fail;
		}
		add(ret, &vcap, xstrdup(tab + 1), xstrdup(line));
		ret->v[ret->n - 1].line = lineno;
	}
	if (n == -2) {
		sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a line longer than 1 MiB",
			      file, lineno + 1);
		goto fail;
	}
	if (ferror(f)) {
		sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read lock '%s'", file);
		goto fail;
	}
	if (lineno == 0) {
		sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: empty, not a sandrun lock", file);
		goto fail;
	}
	free(line);
	fclose(f);
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_entry);
	for (size_t i = 1; i < ret->n; i++)
		if (!strcmp(ret->v[i - 1].path, ret->v[i].path)) {
			unsigned long a = ret->v[i - 1].line, b = ret->v[i].line;

			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: '%s' is listed "
				      "twice (line %lu too)", file, a > b ? a : b,
				      ret->v[i].path, a > b ? b : a);
			lock_free(ret);
			return -1;
		}
	return 0;
fail:
	free(line);
	fclose(f);
	lock_free(ret);
	return -1;
}

/* Whether two states of a path are the same as far as both runs know:
 * a file or directory one run read (file:DIGEST, dir:DIGEST) and the
 * other only looked up (file, dir) compare by their type. */
static bool same_state(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");

	if (!strcmp(a, b))
		return true;
	return (!a[la] || !b[lb]) && la == lb && !strncmp(a, b, la);
}

size_t lock_compare(const struct lock *locked, const struct lock *now,
		    void (*report)(const char *, const char *, const char *, void *),
		    void *ctx)
{
	size_t i = 0, drift = 0;

	for (size_t j = 0; j < now->n; j++) {
		int c = 1;

		while (i < locked->n && (c = strcmp(locked->v[i].path, now->v[j].path)) < 0)
			i++;
		if (i < locked->n && c == 0) {
			if (!same_state(locked->v[i].state, now->v[j].state)) {
				report(now->v[j].path, locked->v[i].state, now->v[j].state, ctx);
				drift++;
			}
		} else {
			report(now->v[j].path, NULL, now->v[j].state, ctx);
			drift++;
		}
	}
	return drift;
}

void lock_free(struct lock *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].state);
	}
	free(l->v);
	free(l->digest);
	memset(l, 0, sizeof(*l));
}
