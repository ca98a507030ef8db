// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun diff`'s causes: the table of root causes, each process's set
 * of them (a bitset, and from whom each came), and the causes a pair's
 * differing environments make (see diff.c for the analysis around them).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "tracer/diff_priv.h"

void diff_ref_of(const struct proc *p, struct diff_proc_ref *ret)
{
	ret->id = p->id;
	ret->exe = p->exe;
	ret->cmd = p->cmd;
}

/* (a cause's sides: NULL is a variable that is not set) */
static bool str_same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static int find_cause(struct engine *e, enum cause_kind kind, const char *what,
		      const char *a, const char *b)
{
	for (size_t i = 0; i < e->res->ncauses; i++) {
		struct diff_cause *c = &e->res->causes[i];

		if (c->kind == kind && !strcmp(c->what, what) && str_same(c->a, a) &&
		    str_same(c->b, b))
			return (int)i;
	}
	return -1;
}

int diff_add_cause(struct engine *e, enum cause_kind kind, const char *what,
		     const char *a, const char *b, const struct proc *p)
{
	int i = find_cause(e, kind, what, a, b);
	struct diff_cause *c;
	struct diff_result *r = e->res;

	if (i < 0) {
		r->causes = xrealloc(r->causes, (r->ncauses + 1) * sizeof(*r->causes));
		c = &r->causes[r->ncauses];
		memset(c, 0, sizeof(*c));
		c->kind = kind;
		c->what = xstrdup(what);
		c->a = a ? xstrdup(a) : NULL;
		c->b = b ? xstrdup(b) : NULL;
		i = (int)r->ncauses++;
	}
	c = &r->causes[i];
	for (size_t k = 0; k < c->nprocs; k++)
		if (!strcmp(c->procs[k].id, p->id))
			return i;
	c->procs = xrealloc(c->procs, (c->nprocs + 1) * sizeof(*c->procs));
	diff_ref_of(p, &c->procs[c->nprocs++]);
	return i;
}

static void cset_grow(struct cset *s, size_t words)
{
	size_t nw = words > 2 * s->nw ? words : 2 * s->nw;

	if (words <= s->nw)
		return;
	s->w = xrealloc(s->w, nw * sizeof(*s->w));
	memset(s->w + s->nw, 0, (nw - s->nw) * sizeof(*s->w));
	s->nw = nw;
}

static bool cset_add(struct cset *s, int x)
{
	size_t word = (size_t)x / 64;
	uint64_t bit = 1ull << (x % 64);

	cset_grow(s, word + 1);
	if (s->w[word] & bit)
		return false;
	s->w[word] |= bit;
	s->count++;
	return true;
}

bool diff_cset_union(struct cset *to, const struct cset *from)
{
	bool changed = false;

	if (!from->count)
		return false;
	for (size_t i = 0; i < from->nw; i++) {
		uint64_t add = from->w[i] & ~(i < to->nw ? to->w[i] : 0);

		if (!add)
			continue;
		cset_grow(to, i + 1);
		to->w[i] |= add;
		changed = true;
	}
	if (changed) {
		to->count = 0;
		for (size_t i = 0; i < to->nw; i++)
			to->count += (size_t)__builtin_popcountll(to->w[i]);
	}
	return changed;
}

bool diff_add_to_set(struct proc *p, int cause)
{
	return cset_add(&p->causes, cause);
}

/* Remember from whom each new cause came: the chain to an output. */
static void note_links(struct proc *to, const struct proc *from)
{
	for (size_t i = 0; i < from->causes.nw; i++) {
		uint64_t add = from->causes.w[i] & ~(i < to->causes.nw ? to->causes.w[i] : 0);

		while (add) {
			int bit = __builtin_ctzll(add);

			add &= add - 1;
			to->links = xrealloc(to->links, (to->nlinks + 1) * sizeof(*to->links));
			to->links[to->nlinks++] = (struct link){ (int)(i * 64) + bit,
								 (struct proc *)from };
		}
	}
}

bool diff_union_into(struct proc *to, const struct proc *from)
{
	bool a;

	note_links(to, from);
	a = diff_cset_union(&to->causes, &from->causes);
	bool b = diff_cset_union(&to->weak, &from->weak);

	return a || b;
}

/* The A-side process that carries the analysis of run r's process i. */
struct proc *diff_owner(struct diff *d, const struct run *r, int i)
{
	if (r == &d->a || d->b.p[i].match < 0)
		return &((struct run *)r)->p[i];
	return &d->a.p[d->b.p[i].match];
}

bool diff_next_writer(struct engine *e, uint64_t h, struct writer_it *it)
{
	if (it->begun)
		it->i++;
	else
		it->side = -1;
	it->begun = true;
	while (!it->r || it->i >= it->hi) {
		if (++it->side == 2)
			return false;
		it->r = it->side ? &e->d.b : &e->d.a;
		diff_writers(it->r->w, it->r->nw, h, &it->i, &it->hi);
	}
	return true;
}

static const char *env_value(const struct proc *p, const char *name, size_t nlen)
{
	for (size_t i = 0; i < p->nenv; i++)
		if (!strncmp(p->env[i], name, nlen) && p->env[i][nlen] == '=')
			return p->env[i] + nlen + 1;
	return NULL;
}

/* The nearest ancestor of p that exec'd (a subshell forked without an
 * exec has its parent's environment, and none of its own in a trace). */
struct proc *diff_exec_parent(struct engine *e, const struct proc *p)
{
	struct proc *q = p->parent >= 0 ? &e->d.a.p[p->parent] : NULL;

	while (q && !q->has_exec && q->parent >= 0)
		q = &e->d.a.p[q->parent];
	return q;
}

/*
 * Environment differences of a pair: root causes where they start,
 * inherited below (the same difference in an ancestor), or caused by a
 * differing parent that set them.  One that starts below a parent whose
 * environment differs too was made by that parent from its own (make
 * deriving KBUILD_CFLAGS from KCFLAGS for its recipes): what explains
 * the differences it inherited explains it, and it is a root cause only
 * where nothing was inherited.
 */
void diff_env_causes(struct engine *e, struct proc *x, struct proc *y, bool *changed)
{
	struct proc *up = diff_exec_parent(e, x);
	struct pending { char *name; const char *va, *vb; } *made = NULL;
	size_t nmade = 0;

	for (int side = 0; side < 2; side++) {
		struct proc *p = side ? y : x, *q = side ? x : y;

		for (size_t i = 0; i < p->nenv; i++) {
			const char *eq = strchr(p->env[i], '=');
			size_t nlen = eq ? (size_t)(eq - p->env[i]) : strlen(p->env[i]);
			const char *pv = eq ? eq + 1 : "", *qv = env_value(q, p->env[i], nlen);
			const char *va, *vb;
			char *name;
			int c = -1;

			if (qv && (side || !strcmp(pv, qv)))
				continue;	/* the same, or already seen from A */
			x->inputs_differ = true;
			va = side ? qv : pv;	/* (NULL: not set) */
			vb = side ? pv : qv;
			name = strndup(p->env[i], nlen);
			if (!name)
				die_oom();
			struct proc *top = NULL, *from = up;

			for (struct proc *anc = up; anc && c < 0 && (anc->flags & D_ENV);
			     anc = diff_exec_parent(e, anc)) {
				c = find_cause(e, CAUSE_ENV, name, va, vb);
				top = anc;
			}
			if (c < 0 && top && diff_exec_parent(e, top) &&
			    (diff_exec_parent(e, top)->flags & D_CONTENT))
				from = diff_exec_parent(e, top);	/* set where it started */
			if (c >= 0) {
				*changed |= cset_add(&x->weak, c);	/* inherited */
			} else if (from && (from->flags & D_CONTENT)) {
				*changed |= diff_union_into(x, from);	/* set by a differing parent */
			} else if (up && (up->flags & D_ENV)) {
				made = xrealloc(made, (nmade + 1) * sizeof(*made));
				made[nmade++] = (struct pending){ name, va, vb };
				continue;
			} else {
				c = diff_add_cause(e, CAUSE_ENV, name, va, vb, x);
				*changed |= diff_add_to_set(x, c);
				x->rooted = true;
			}
			free(name);
		}
	}
	bool explained = x->weak.count || x->causes.count;

	for (size_t i = 0; i < nmade; i++) {
		if (!explained) {
			int c = find_cause(e, CAUSE_ENV, made[i].name, made[i].va, made[i].vb);

			if (c < 0)
				c = diff_add_cause(e, CAUSE_ENV, made[i].name, made[i].va, made[i].vb, x);
			*changed |= diff_add_to_set(x, c);
			x->rooted = true;
		}
		free(made[i].name);
	}
	free(made);
}
