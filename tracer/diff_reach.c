// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun diff`'s outputs: the paths whose final states differ between
 * the runs, and which causes reach each (through the processes that
 * wrote it), with the chain of processes each came down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "tracer/diff_priv.h"

/* By path, a path's start before its end. */
static int cmp_state(const void *x, const void *y)
{
	const struct state *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	if (c || a->before != b->before)
		return c ? c : (int)b->before - (int)a->before;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The states of path at *i on (r's start and end, NULL where the trace
 * has none), *i past them. */
static void path_states(const struct run *r, size_t *i, const char *path,
			const char **start, const char **end)
{
	*start = *end = NULL;
	for (; *i < r->nst && !strcmp(r->st[*i].path, path); ++*i)
		*(r->st[*i].before ? start : end) = r->st[*i].val;
}

static void add_output(struct diff_result *r, const char *path, const char *va,
		       const char *vb)
{
	r->outputs = xrealloc(r->outputs, (r->noutputs + 1) * sizeof(*r->outputs));
	r->outputs[r->noutputs++] = (struct diff_output){ xstrdup(path), xstrdup(va),
							  xstrdup(vb) };
}

static const struct proc *link_from(const struct proc *p, int cause)
{
	for (size_t i = 0; i < p->nlinks; i++)
		if (p->links[i].cause == cause)
			return p->links[i].from;
	return NULL;
}

/* "1.3.3 cc1 > 1.3.4 as > 1.3.5.1 ld": from the process the cause came
 * from first to the writer w; "" when w saw it itself. */
static char *chain_text(const struct proc *w, int cause)
{
	const struct proc *steps[16];
	size_t n = 0, len = 0;
	char *out, *q;

	for (const struct proc *p = w; p && n < ARRAY_SIZE(steps); p = link_from(p, cause))
		steps[n++] = p;
	if (n < 2)
		return xstrdup("");
	for (size_t i = 0; i < n; i++)
		len += strlen(steps[i]->id) + strlen(steps[i]->exe) + 4;
	out = q = xmalloc(len + 8);
	*q = '\0';
	if (n == ARRAY_SIZE(steps))
		q = stpcpy(q, "... > ");
	for (size_t i = n; i-- > 0;) {
		const char *base = strrchr(steps[i]->exe, '/');

		q += sprintf(q, "%s%s %s", i + 1 < n ? " > " : "", steps[i]->id,
			     base ? base + 1 : steps[i]->exe);
	}
	return out;
}

/* Each cause in the set of w (who, in its own run, side) reaches out. */
static void credit(struct engine *e, const struct proc *w, const struct proc *who, int side,
		   const char *out)
{
	const struct cset *set = w->causes.count ? &w->causes : &w->weak;

	for (size_t k = 0; k < set->nw * 64; k++) {
		struct diff_cause *c;
		size_t before;

		if (!(set->w[k / 64] & (1ull << (k % 64))))
			continue;
		c = &e->res->causes[k];
		before = c->nreaches;

		diff_add_str(&c->reaches, &c->nreaches, out);
		if (c->nreaches > before) {
			char *v = xasprintf("%s (%s)%s", who->id, *who->cmd ? who->cmd : who->exe,
					    side ? " in B" : "");

			c->via = xrealloc(c->via, (c->nvia + 1) * sizeof(char *));
			c->via[c->nvia++] = v;
			c->chains = xrealloc(c->chains, (c->nchains + 1) * sizeof(char *));
			c->chains[c->nchains++] = chain_text(w, (int)k);
		}
	}
}

static void reach(struct engine *e, const char *path)
{
	uint64_t h = diff_hash(path, strlen(path));
	struct writer_it it = { 0 };

	while (diff_next_writer(e, h, &it)) {
		/* (named as it is in its own run: a B process's match in A
		 * carries its causes, but did not write this) */
		credit(e, diff_owner(&e->d, it.r, it.r->w[it.i].proc),
		       &it.r->p[it.r->w[it.i].proc], it.side, path);
	}
}

/* Whether key is "PATH (xattr NAME)" of the path last, whose final state
 * on a side is then its extended attributes': a file renamed away or
 * removed has none (sed -i's temporary file, renamed over its input,
 * took the input's ACL). */
static bool xattr_of(const char *key, const char *last)
{
	size_t n = last ? strlen(last) : 0;

	return last && !strncmp(key, last, n) && str_has_prefix(key + n, " (xattr ");
}

void diff_outputs(struct engine *e)
{
	struct run *a = &e->d.a, *b = &e->d.b;
	const char *last = NULL, *la = NULL, *lb = NULL;
	size_t i = 0, j = 0;

	if (a->nst > 1)
		qsort(a->st, a->nst, sizeof(*a->st), cmp_state);
	if (b->nst > 1)
		qsort(b->st, b->nst, sizeof(*b->st), cmp_state);
	/* A path's final state on each side: its end's, else its start's
	 * (it was looked at, not changed), else, when only the other run
	 * touched it, that run's start (both start from the same tree: a
	 * file one run deletes is still there after the other). */
	while (i < a->nst || j < b->nst) {
		int c = i == a->nst ? 1 : j == b->nst ? -1 : strcmp(a->st[i].path, b->st[j].path);
		const char *path = c <= 0 ? a->st[i].path : b->st[j].path;
		const char *sa = NULL, *ea = NULL, *sb = NULL, *eb = NULL, *fa, *fb;

		if (c <= 0)
			path_states(a, &i, path, &sa, &ea);
		if (c >= 0)
			path_states(b, &j, path, &sb, &eb);
		fa = ea ? ea : sa ? sa : sb ? sb : "absent";
		fb = eb ? eb : sb ? sb : sa ? sa : "absent";
		/* (a path sorts just before its attributes: nothing but
		 * bytes below ' ', which a trace escapes, comes between) */
		if (xattr_of(path, last)) {
			fa = strcmp(la, "absent") ? fa : "absent";
			fb = strcmp(lb, "absent") ? fb : "absent";
		} else {
			last = path;
			la = fa;
			lb = fb;
		}
		if (!strcmp(fa, fb))
			continue;
		add_output(e->res, path, strcmp(fa, "absent") ? fa : "",
			   strcmp(fb, "absent") ? fb : "");
	}
	for (size_t k = 0; k < e->res->noutputs; k++)
		reach(e, e->res->outputs[k].path);
	/* The command's exit status is an output too, of the command's
	 * process, which a child's status reaches (make stopping). */
	if (a->exit != b->exit && a->n)
		credit(e, diff_owner(&e->d, a, 0), &a->p[0], 0, DIFF_EXIT_OUTPUT);
}
