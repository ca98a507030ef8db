// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Splitting a run into phases around the processes that match a pattern
 * (say `*sign-file*`): before, match, after.  A kernel build's signing is
 * then three deltas: the tree before signing, what signing changed, the
 * rest.  "After" is decided by data flow: a process is after when it read
 * a file in the very version the match (or an after process) wrote.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "tracer/fold.h"
#include "tracer/trace_read.h"

const char *const phase_names[PHASE_COUNT] = { "before", "match", "after" };

struct pproc {
	char *id;
	struct strv reads, writes;	/* "path\n digest" */
	int phase;
	bool matched;			/* its own exec matched */
};

struct phases {
	struct pproc *v;
	size_t n, cap;
	struct strv ids[PHASE_COUNT];	/* sorted, for membership */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *version(const char *path, const char *digest)
{
	return xasprintf("%s\n%s", path, digest);
}

static bool exec_matches(const json_t *rec, const char *pattern)
{
	const json_t *argv = json_object_get(rec, "argv"), *a;
	char *joined = xstrdup("");
	bool m = !fnmatch(pattern, jstr(rec, "path"), 0);
	size_t i;

	json_array_foreach(argv, i, a) {
		char *next = xasprintf("%s%s%s", joined, i ? " " : "",
				       json_string_value(a) ? json_string_value(a) : "");

		free(joined);
		joined = next;
	}
	m = m || !fnmatch(pattern, joined, 0);
	free(joined);
	return m;
}

static void note(struct pproc *p, const json_t *rec, const char *pattern)
{
	const char *ev = jstr(rec, "ev");
	const json_t *after = json_object_get(rec, "after");

	if (!strcmp(ev, "exec") && exec_matches(rec, pattern))
		p->matched = true;
	else if (!strcmp(ev, "open") && *jstr(rec, "digest") && !strcmp(jstr(rec, "res"), "ok"))
		strv_push(&p->reads, version(jstr(rec, "path"), jstr(rec, "digest")));
	else if (!strcmp(ev, "wrote") && *jstr(rec, "digest"))
		strv_push(&p->writes, version(jstr(rec, "path"), jstr(rec, "digest")));
	else if (after && *jstr(after, "digest"))
		strv_push(&p->writes, version(*jstr(rec, "to") ? jstr(rec, "to") :
					      jstr(rec, "path"), jstr(after, "digest")));
}

static bool under(const char *id, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(id, root, n) && (id[n] == '\0' || id[n] == '.');
}

static void classify(struct phases *ph)
{
	struct strv tainted = { 0 };
	bool changed = true;

	for (size_t i = 0; i < ph->n; i++)
		for (size_t j = 0; j <= i; j++)
			if (ph->v[j].matched && under(ph->v[i].id, ph->v[j].id))
				ph->v[i].phase = PHASE_MATCH;
	for (size_t i = 0; i < ph->n; i++)
		for (size_t k = 0; ph->v[i].phase == PHASE_MATCH && k < ph->v[i].writes.n; k++)
			strv_push(&tainted, xstrdup(ph->v[i].writes.v[k]));
	while (changed) {
		changed = false;
		if (tainted.n > 1)
			qsort(tainted.v, tainted.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < ph->n; i++) {
			struct pproc *p = &ph->v[i];
			bool reads_tainted = false;

			if (p->phase != PHASE_BEFORE)
				continue;
			for (size_t k = 0; k < p->reads.n && !reads_tainted; k++)
				reads_tainted = tainted.n && bsearch(&p->reads.v[k], tainted.v,
						tainted.n, sizeof(char *), cmp_str);
			if (!reads_tainted)
				continue;
			p->phase = PHASE_AFTER;
			for (size_t k = 0; k < p->writes.n; k++)
				strv_push(&tainted, xstrdup(p->writes.v[k]));
			changed = true;
		}
	}
	strv_free(&tainted);
	for (size_t i = 0; i < ph->n; i++)
		strv_push(&ph->ids[ph->v[i].phase], xstrdup(ph->v[i].id));
	for (int k = 0; k < PHASE_COUNT; k++)
		if (ph->ids[k].n > 1)
			qsort(ph->ids[k].v, ph->ids[k].n, sizeof(char *), cmp_str);
}

static bool phase_member(const char *id, void *ctx)
{
	const struct strv *ids = ctx;

	return ids->n && bsearch(&id, ids->v, ids->n, sizeof(char *), cmp_str);
}

static int load(const char *trace, int copy, const char *pattern, struct phases *ph,
		struct sr_error **err)
{
	struct trace_reader tr;
	json_t *rec;
	int k;

	if (trace_reopen(&tr, trace, copy, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	while ((k = trace_next(&tr, &rec, err)) > 0) {
		if (*jstr(rec, "proc")) {
			if (ph->n == ph->cap) {
				ph->cap = ph->cap ? ph->cap * 2 : 64;
				ph->v = xrealloc(ph->v, ph->cap * sizeof(*ph->v));
			}
			memset(&ph->v[ph->n], 0, sizeof(*ph->v));
			ph->v[ph->n++].id = xstrdup(jstr(rec, "proc"));
		} else if (*jstr(rec, "p") && ph->n &&
			   !strcmp(ph->v[ph->n - 1].id, jstr(rec, "p"))) {
			note(&ph->v[ph->n - 1], rec, pattern);
		}
		json_decref(rec);
	}
	if (k == 0)
		k = trace_require_complete(&tr, "nothing to fold", err);
	trace_close(&tr);
	return k;
}

int fold_split(const char *trace, const char *pattern,
	       struct fold_result ret[PHASE_COUNT], struct sr_error **err)
{
	struct phases ph = { 0 };
	int copy, r, k = 0;

	/* (read four times: a pipe's trace is copied) */
	memset(ret, 0, PHASE_COUNT * sizeof(*ret));
	r = trace_copy_if_pipe(trace, &copy, err);
	if (r == 0)
		r = load(trace, copy, pattern, &ph, err);
	if (r == 0) {
		classify(&ph);
		if (!ph.ids[PHASE_MATCH].n)
			r = sr_error_make(err, SR_EXIT_USAGE, 0,
					  "%s: no process matches '%s'", trace, pattern);
	}
	for (k = 0; r == 0 && k < PHASE_COUNT; k++)
		r = fold_set(trace, copy, phase_member, &ph.ids[k], &ret[k], err);
	if (r < 0)
		while (k-- > 0)
			fold_free(&ret[k]);
	for (size_t i = 0; i < ph.n; i++) {
		free(ph.v[i].id);
		strv_free(&ph.v[i].reads);
		strv_free(&ph.v[i].writes);
	}
	free(ph.v);
	for (int j = 0; j < PHASE_COUNT; j++)
		strv_free(&ph.ids[j]);
	if (copy >= 0)
		close(copy);
	return r < 0 ? -1 : 0;
}
