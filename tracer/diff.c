// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun diff`'s engine: the analysis of two matched runs, from their
 * facts to root causes (diff_causes.c) and the outputs they reach
 * (diff_reach.c); see diff.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "tracer/diff_priv.h"
#include "tracer/trace_read.h"

/* --- analysis ------------------------------------------------------- */



/* The contents a read saw, from its fact's value ("ok file DIGEST": the
 * third word; more than one joined by " | "), as writer content hashes;
 * n = 0 when none is known (a failed open, a directory). */
struct seen {
	uint64_t vh[8];
	size_t n;
};

static void seen_digests(const char *val, struct seen *ret)
{
	ret->n = 0;
	while (*val && ret->n < ARRAY_SIZE(ret->vh)) {
		const char *end = strstr(val, " | ");
		size_t len = end ? (size_t)(end - val) : strlen(val);
		const char *sp = memrchr(val, ' ', len);

		if (sp && memchr(val, ' ', (size_t)(sp - val)))
			ret->vh[ret->n++] = diff_content_hash(sp + 1, len - (size_t)(sp + 1 - val));
		val += len + (end ? 3 : 0);
	}
}

/* Could this write have produced what was read? */
static bool wrote_seen(const struct writer *w, const struct seen *s)
{
	if (!s || w->vh == VH_ANY)
		return true;
	for (size_t i = 0; i < s->n; i++)
		if (w->vh == s->vh[i])
			return true;
	return false;
}

/* Does a differing process of either run explain a read of key h that
 * saw seen[side] (NULL: anything)?  Only writers of the path whose
 * content was what was read: a later rewrite explains nothing.  (Not
 * writers of the same content under another name: a copy has its
 * source's content, and would explain its source.)  Their causes become
 * self's. */
static bool explained_by_writers(struct engine *e, uint64_t h, struct proc *self,
				 const struct seen *seen[2], bool *changed)
{
	struct writer_it it = { 0 };
	bool found = false;

	while (diff_next_writer(e, h, &it)) {
		struct proc *w = diff_owner(&e->d, it.r, it.r->w[it.i].proc);

		if (w == self || !(w->flags & (D_CONTENT | D_ONLY)) ||
		    !wrote_seen(&it.r->w[it.i], seen[it.side]) ||
		    (e->strict && !w->causes.count && !w->weak.count))
			continue;
		found = true;
		*changed |= diff_union_into(self, w);
	}
	return found;
}

/* Did the process itself write what it read, before it first read it
 * (seq: the read's event; a shell that lists d, then makes files in it,
 * did not make what it listed)? */
static bool self_wrote(const struct run *r, uint64_t h, int self, const struct seen *s,
		       unsigned seq)
{
	size_t lo, hi;

	diff_writers(r->w, r->nw, h, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (r->w[i].proc == self && r->w[i].seq < seq && wrote_seen(&r->w[i], s))
			return true;
	return false;
}

static const char *fact_path(const struct fact *f)
{
	const char *t = strchr(f->key, '\t');

	return t ? t + 1 : f->key;
}

bool diff_next_outcome(const char **p, const char **s, size_t *n)
{
	const char *sep;

	if (!*p)
		return false;
	sep = strstr(*p, " | ");
	*s = *p;
	*n = sep ? (size_t)(sep - *p) : strlen(*p);
	*p = sep ? sep + 3 : NULL;
	return true;
}

bool diff_found(const char *v)
{
	const char *s;
	size_t n;

	while (diff_next_outcome(&v, &s, &n))
		if (n >= 2 && !memcmp(s, "ok", 2))
			return true;
	return false;
}

/* Whether outcome (len bytes) is one of v's. */
static bool has_outcome(const char *v, const char *outcome, size_t len)
{
	const char *s;
	size_t n;

	while (diff_next_outcome(&v, &s, &n))
		if (n == len && !memcmp(s, outcome, len))
			return true;
	return false;
}

/* Whether each of a's outcomes that is a failure or a type found is b's
 * too, a bare "ok" of b's (a probe that tells no type: access) standing
 * for any type found. */
static bool outcomes_within(const char *a, const char *b)
{
	bool b_bare = has_outcome(b, "ok", 2);
	const char *s;
	size_t n;

	while (diff_next_outcome(&a, &s, &n)) {
		if (n == 2 && !memcmp(s, "ok", 2))
			continue;
		if (!has_outcome(b, s, n) && !(b_bare && n > 3 && !memcmp(s, "ok ", 3)))
			return false;
	}
	return true;
}

/* Two sides' lookups of a path that found the same (the same failures,
 * the same types) however often or by which call: how the process
 * looked differs, not what it was given (a compiler driver that stopped
 * at a failed step looked less). */
static bool probes_alike(const struct fact *f, const struct fact *g)
{
	/* (found at all on both sides or on neither: a bare "ok" on one side
	 * is not a failure's match on the other) */
	return !strncmp(f->key, "probe\t", 6) && diff_found(f->val) == diff_found(g->val) &&
	       outcomes_within(f->val, g->val) && outcomes_within(g->val, f->val);
}

static bool is_ancestor(const struct run *r, int anc, int i)
{
	while (i >= 0 && i != anc)
		i = r->p[i].parent;
	return i == anc && anc >= 0;
}

/* A differing file a process left that a differing descendant wrote too
 * (an fd shared: `sh -c 'cmd > out'` closes out after cmd wrote it, or
 * `(cmd; echo) > out` adds to it): the descendant's causes are the
 * process's.  The content need not match: the shell's close sees all
 * the writes, the child's only its own. */
static bool written_below(struct engine *e, int ia, const struct fact *f, bool *changed)
{
	const char *path = fact_path(f);
	uint64_t h = diff_hash(path, strlen(path));
	bool found = false;

	for (int side = 0; side < 2; side++) {
		struct run *r = side ? &e->d.b : &e->d.a;
		int self = side ? e->d.a.p[ia].match : ia;
		size_t lo, hi;

		diff_writers(r->w, r->nw, h, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			struct proc *w = diff_owner(&e->d, r, r->w[i].proc);

			if (r->w[i].proc == self || !is_ancestor(r, self, r->w[i].proc) ||
			    !(w->flags & (D_CONTENT | D_ONLY)))
				continue;
			found = true;
			*changed |= diff_union_into(&e->d.a.p[ia], w);
		}
	}
	return found;
}

/* A differing child exit status is an input of its parent (make stops). */
static void kids_status(struct engine *e, struct proc *x, bool *changed)
{
	for (size_t k = 0; k < x->nkids; k++) {
		struct proc *kid = &e->d.a.p[x->kids[k]];
		const struct proc *other = kid->match >= 0 ? &e->d.b.p[kid->match] : NULL;

		if (!other || !kid->status || !other->status || !strcmp(kid->status, other->status))
			continue;
		x->inputs_differ = true;
		*changed |= diff_union_into(x, kid);
	}
}

/* Each process that wrote into x's stdin pipe, on either side (the A-side
 * process that carries it), but x itself: fn(e, x, w, arg). */
static void each_pipe_writer(struct engine *e, struct proc *x,
			     void (*fn)(struct engine *, struct proc *, struct proc *, void *),
			     void *arg)
{
	const struct proc *y = &e->d.b.p[x->match];

	for (int side = 0; side < 2; side++) {
		struct run *r = side ? &e->d.b : &e->d.a;
		uint64_t h = side ? y->pipe_in : x->pipe_in;
		size_t lo, hi;

		if (!h)
			continue;
		diff_writers(r->w, r->nw, h, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			struct proc *w = diff_owner(&e->d, r, r->w[i].proc);

			if (w != x)
				fn(e, x, w, arg);
		}
	}
}

static void take_writer_causes(struct engine *e, struct proc *x, struct proc *w, void *arg)
{
	(void)e;
	if (!(w->flags & (D_CONTENT | D_ONLY)) && !w->causes.count)
		return;
	x->inputs_differ = true;
	*(bool *)arg |= diff_union_into(x, w);
}

/* What came down the pipe on its stdin: the writers' causes are its.
 * For every matched process, differing or not: the middle of a
 * pipeline passes on what it was given without a trace of it. */
static void pipe_input(struct engine *e, struct proc *x, bool *changed)
{
	each_pipe_writer(e, x, take_writer_causes, changed);
}

/* One pass over a matched pair's facts; returns whether sets grew. */
static bool visit_pair(struct engine *e, int ia, bool *behaviour)
{
	struct proc *x = &e->d.a.p[ia], *y = &e->d.b.p[x->match];
	struct proc *up = x->parent >= 0 ? &e->d.a.p[x->parent] : NULL;
	size_t i = 0, j = 0;
	bool changed = false;

	diff_env_causes(e, x, y, &changed);
	kids_status(e, x, &changed);
	*behaviour = false;
	while (i < x->nfacts || j < y->nfacts) {
		int c = i == x->nfacts ? 1 : j == y->nfacts ? -1 :
			strcmp(x->facts[i].key, y->facts[j].key);
		struct fact *f = c <= 0 ? &x->facts[i] : &y->facts[j];
		struct fact *g = c == 0 ? &y->facts[j] : NULL;

		i += c <= 0;
		j += c >= 0;
		if (g && !strcmp(f->val, g->val))
			continue;
		if (g && probes_alike(f, g)) {
			*behaviour = true;
			continue;
		}
		if (f->side == OUT || f->side == BEHAVIOUR) {
			if (f->side == OUT && g && !strncmp(f->key, "wrote\t", 6) &&
			    written_below(e, ia, f, &changed))
				continue;
			if (f->side == OUT)
				x->outputs_differ = true;
			else
				*behaviour = true;
			continue;
		}
		if (f->side == RANDOM)
			continue;
		if (!g) {		/* looked at on one side only */
			*behaviour = true;
			continue;
		}
		x->inputs_differ = true;
		if (f->kind == CAUSE_ARGV) {
			struct proc *ep = diff_exec_parent(e, x);

			if (up && (up->flags & D_CONTENT)) {
				up->spawned_differently = true;
				changed |= diff_union_into(x, up);
			} else if (ep && (ep->flags & D_ENV) && (x->weak.count || ep->causes.count)) {
				/* made by a parent whose inputs differ only
				 * in the environment it passed on: that
				 * difference is the cause (make's recipes
				 * from KCFLAGS), or what made it differ
				 * (a sub-make's from a variable given on
				 * its parent's command line, passed down
				 * in MAKEFLAGS) */
				changed |= diff_cset_union(&x->causes, &x->weak);
				changed |= diff_union_into(x, ep);
			} else {
				const char *what = strchr(f->key, '\t') + 1;

				changed |= diff_add_to_set(x, diff_add_cause(e, CAUSE_ARGV, what, f->val,
								   g->val, x));
				x->rooted = true;
			}
			continue;
		}
		{
			const char *path = fact_path(f);
			uint64_t h = f->kind == CAUSE_LISTING ?
				diff_hash(path, strlen(path)) ^ 1 : diff_hash(path, strlen(path));
			struct seen sa, sb;
			const struct seen *seen[2] = { NULL, NULL };

			if (f->kind == CAUSE_CONTENT) {
				seen_digests(f->val, &sa);
				seen_digests(g->val, &sb);
				if (sa.n && sb.n) {
					seen[0] = &sa;
					seen[1] = &sb;
				}
			}
			/* (whether a file was there when a process created
			 * it is never explained by its own writes after) */
			if (strncmp(f->key, "exists\t", 7) &&
			    (self_wrote(&e->d.a, h, ia, seen[0], f->seq) ||
			     self_wrote(&e->d.b, h, x->match, seen[1], g->seq)))
				continue;
			if (explained_by_writers(e, h, x, seen, &changed))
				continue;
			changed |= diff_add_to_set(x, diff_add_cause(e, f->kind, path, f->val, g->val, x));
			x->rooted = true;
		}
	}
	return changed;
}

static void subtree_random(const struct run *r, int top, int i, char ***v, size_t *n)
{
	const struct proc *p = &r->p[i];

	for (size_t k = 0; k < p->nrandom; k++) {
		char *s = i == top ? xstrdup(p->random[k]) :
			xasprintf("%s (by %s %s)", p->random[k], p->id, p->exe);

		diff_add_str(v, n, s);
		free(s);
	}
	for (size_t k = 0; k < p->nkids; k++)
		subtree_random(r, top, p->kids[k], v, n);
}

static void nondet_cause(struct engine *e, struct proc *x)
{
	int c = diff_add_cause(e, CAUSE_NONDET, x->id, "", "", x);
	struct diff_cause *dc = &e->res->causes[c];

	/* pipes are not traced: what its children drew counts too */
	for (int side = 0; side < 2; side++) {
		struct run *r = side ? &e->d.b : &e->d.a;
		int top = side ? x->match : (int)(x - e->d.a.p);

		if (top >= 0)
			subtree_random(r, top, top, &dc->random, &dc->nrandom);
	}
	diff_add_to_set(x, c);
	x->rooted = true;
}

static void name_writer_nondet(struct engine *e, struct proc *x, struct proc *w, void *arg)
{
	(void)x;
	if (w->match < 0 || w->causes.count || w->weak.count || w->inputs_differ)
		return;
	nondet_cause(e, w);
	*(bool *)arg = true;
}

/*
 * x differs with identical inputs, but its stdin is a pipe, whose data no
 * trace has: a writer of it that saw identical inputs too (find, whose
 * listing's order is not recorded, into xargs) is where the difference
 * came from, as far as the traces tell.  Whether any was named so.
 */
static bool pipe_writers_nondet(struct engine *e, struct proc *x)
{
	bool named = false;

	each_pipe_writer(e, x, name_writer_nondet, &named);
	return named;
}

/* Pairs pass 1 told apart by their events' text that the comparison of
 * their facts found alike in every way it counts (a lookup made twice,
 * or by another call, or reads in another order: no difference) are no
 * differing processes. */
static void same_after_all(struct engine *e, const bool *behaviour)
{
	struct run *a = &e->d.a, *b = &e->d.b;

	for (size_t i = 0; i < a->n; i++) {
		struct proc *x = &a->p[i], *y;
		bool kids_differ = false;

		if (x->match < 0 || !(x->flags & D_CONTENT) || !(x->flags & D_LOAD) ||
		    x->outputs_differ || x->inputs_differ || behaviour[i] || x->causes.count ||
		    x->weak.count || x->spawned_differently)
			continue;
		y = &b->p[x->match];
		for (size_t k = 0; k < x->nkids; k++)
			kids_differ |= (a->p[x->kids[k]].flags & D_ONLY) != 0;
		for (size_t k = 0; k < y->nkids; k++)
			kids_differ |= (b->p[y->kids[k]].flags & D_ONLY) != 0;
		if (kids_differ || strcmp(x->key, y->key))
			continue;
		/* (loaded for that alone, unless its environment differs) */
		x->flags &= ~(unsigned)(D_CONTENT | (x->flags & D_ENV ? 0 : D_LOAD));
		y->flags = x->flags;
	}
}

static void analyze(struct engine *e)
{
	struct run *a = &e->d.a, *b = &e->d.b;
	bool *behaviour = xcalloc(a->n + 1, sizeof(bool));

	for (;;) {
		bool changed = true, added = false;

		while (changed) {
			changed = false;
			for (size_t i = 0; i < a->n; i++) {
				struct proc *x = &a->p[i];

				if (x->match >= 0 && (x->pipe_in || b->p[x->match].pipe_in))
					pipe_input(e, x, &changed);
				if (x->match >= 0 && (x->flags & D_LOAD))
					changed |= visit_pair(e, (int)i, &behaviour[i]);
				else if ((x->flags & D_ONLY) && x->parent >= 0)
					changed |= diff_union_into(x, &a->p[x->parent]);
			}
			for (size_t i = 0; i < b->n; i++) {
				struct proc *y = &b->p[i];

				if ((y->flags & D_ONLY) && y->parent >= 0)
					changed |= diff_union_into(y, diff_owner(&e->d, b, y->parent));
			}
		}
		/* different outputs or behaviour, with no cause upstream */
		for (size_t i = 0; i < a->n; i++) {
			struct proc *x = &a->p[i];
			bool kids_differ = false;

			/* nondeterministic: identical inputs only (a step whose
			 * inputs differ waits for its writers' causes) */
			if (x->match < 0 || x->causes.count || x->weak.count || x->inputs_differ)
				continue;
			for (size_t k = 0; k < x->nkids; k++)
				kids_differ |= (a->p[x->kids[k]].flags & D_ONLY) != 0;
			for (size_t k = 0; k < b->p[x->match].nkids; k++)
				kids_differ |= (b->p[b->p[x->match].kids[k]].flags & D_ONLY) != 0;
			if (x->outputs_differ || behaviour[i] || kids_differ ||
			    x->spawned_differently) {
				/* (the writers' causes are its own at the
				 * next round) */
				if (!pipe_writers_nondet(e, x))
					nondet_cause(e, x);
				added = true;
			}
		}
		/* Reads explained only by writers that no cause reached, which
		 * are explained in turn by them (a shell that created d/list
		 * and the ls it runs into it, whose listing of d differs):
		 * nothing upstream, so the reads themselves are the causes. */
		for (size_t i = 0; !added && i < a->n; i++) {
			struct proc *x = &a->p[i];

			if (x->match < 0 || !(x->flags & D_LOAD) || !x->inputs_differ ||
			    x->causes.count || x->weak.count)
				continue;
			e->strict = true;
			added = visit_pair(e, (int)i, &behaviour[i]);
			e->strict = false;
		}
		if (!added)
			break;
	}
	same_after_all(e, behaviour);
	free(behaviour);
}

/* Causes that reach outputs first, then in the order they were found
 * (the first process's tree order). */
static int cmp_cause(const void *x, const void *y)
{
	const struct diff_cause *a = x, *b = y;

	if (!a->nreaches != !b->nreaches)
		return a->nreaches ? -1 : 1;
	if ((a->kind == CAUSE_NONDET) != (b->kind == CAUSE_NONDET))
		return a->kind == CAUSE_NONDET ? 1 : -1;
	return 0;
}

/* The result refers to process names; they outlive the runs. */
static void own_refs(struct diff_proc_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].id = xstrdup(v[i].id);
		v[i].exe = xstrdup(v[i].exe);
		v[i].cmd = xstrdup(v[i].cmd);
	}
}

static void free_refs(struct diff_proc_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)v[i].id);
		free((char *)v[i].exe);
		free((char *)v[i].cmd);
	}
	free(v);
}

static void unmatched(struct run *r, struct diff_proc_ref **ret, size_t *n)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->p[i].flags & D_ONLY) {
			*ret = xrealloc(*ret, (*n + 1) * sizeof(**ret));
			diff_ref_of(&r->p[i], &(*ret)[(*n)++]);
		}
	own_refs(*ret, *n);
}

/* A pass over both runs at once: two traces, two cores. */
struct pass_job {
	struct run *r;
	int (*fn)(struct run *, struct sr_error **);
	struct sr_error *err;
	int rc;
};

static void *pass_thread(void *arg)
{
	struct pass_job *j = arg;

	j->rc = j->fn(j->r, &j->err);
	return NULL;
}

static int both_runs(int (*fn)(struct run *, struct sr_error **), struct run *a,
		     struct run *b, struct sr_error **err)
{
	struct pass_job ja = { .r = a, .fn = fn }, jb = { .r = b, .fn = fn };
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, pass_thread, &jb) == 0;

	pass_thread(&ja);
	if (threaded)
		pthread_join(t, NULL);
	else
		pass_thread(&jb);
	if (ja.rc < 0) {	/* A's error first, whichever finished first */
		*err = ja.err;
		sr_error_free(jb.err);
		return -1;
	}
	if (jb.rc < 0) {
		*err = jb.err;
		return -1;
	}
	return 0;
}

int diff_traces(const char *pa, const char *pb, struct diff_result *res,
		struct sr_error **err)
{
	struct engine e = { .res = res };
	struct run *a = &e.d.a, *b = &e.d.b;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	a->path = pa;
	b->path = pb;
	/* (pass 2 reads each trace again: a pipe's is copied) */
	b->copy = -1;
	if (trace_copy_if_pipe(a->path, &a->copy, err) < 0 ||
	    trace_copy_if_pipe(b->path, &b->copy, err) < 0)
		goto out;
	if (both_runs(diff_pass1, a, b, err) < 0)
		goto out;
	if (strcmp(a->digest, b->digest)) {
		sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s and %s use different digests "
			      "(%s, %s): record both with the same --digest", pa, pb,
			      a->digest, b->digest);
		goto out;
	}
	if (!a->n || !b->n) {
		sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: the trace has no processes",
			      a->n ? pb : pa);
		goto out;
	}
	diff_index_writers(a);
	diff_index_writers(b);
	diff_match(&e.d, 0, 0);
	for (int side = 0; side < 2; side++) {
		struct run *r = side ? b : a;

		for (size_t i = 0; i < r->n; i++) {
			struct proc *p = &r->p[i];
			unsigned pf = p->parent >= 0 ? r->p[p->parent].flags : 0;

			if (p->match < 0)
				p->flags |= D_ONLY | D_LOAD;
			if (p->flags & D_CONTENT || ((p->flags & D_ENV) && !(pf & D_ENV)))
				p->flags |= D_LOAD;
		}
	}
	/* a pair is loaded on both sides when either side needs it */
	for (size_t i = 0; i < a->n; i++)
		if (a->p[i].match >= 0 && (a->p[i].flags & D_LOAD))
			b->p[a->p[i].match].flags |= D_LOAD;
	if (both_runs(diff_pass2, a, b, err) < 0)
		goto out;
	for (size_t i = 0; i < a->n; i++)
		diff_sort_facts(&a->p[i]);
	for (size_t i = 0; i < b->n; i++)
		diff_sort_facts(&b->p[i]);
	analyze(&e);
	diff_outputs(&e);
	if (res->ncauses > 1)	/* qsort is not stable: keep found order in ties */
		for (size_t i = 1; i < res->ncauses; i++)
			for (size_t k = i; k > 0 && cmp_cause(&res->causes[k - 1],
							       &res->causes[k]) > 0; k--) {
				struct diff_cause t = res->causes[k];

				res->causes[k] = res->causes[k - 1];
				res->causes[k - 1] = t;
			}
	for (size_t i = 0; i < res->ncauses; i++)
		own_refs(res->causes[i].procs, res->causes[i].nprocs);
	unmatched(a, &res->only_a, &res->nonly_a);
	unmatched(b, &res->only_b, &res->nonly_b);
	res->processes_a = a->n;
	res->processes_b = b->n;
	res->exit_a = a->exit;
	res->exit_b = b->exit;
	res->digest = xstrdup(a->digest);
	for (size_t i = 0; i < a->n; i++) {
		const struct proc *x = &a->p[i];

		if (x->match < 0 || !x->flags)
			continue;
		res->differing++;
		if (!(x->flags & D_CONTENT))
			res->env_only++;
		else if (!x->rooted)
			res->downstream++;
	}
	res->equivalent = !res->differing && !res->nonly_a && !res->nonly_b &&
			  !res->noutputs && a->exit == b->exit;
	rc = 0;
out:
	if (a->copy >= 0)
		close(a->copy);
	if (b->copy >= 0)
		close(b->copy);
	diff_run_free(a);
	diff_run_free(b);
	return rc;
}

void diff_free(struct diff_result *r)
{
	for (size_t i = 0; i < r->ncauses; i++) {
		struct diff_cause *c = &r->causes[i];

		free(c->what);
		free(c->a);
		free(c->b);
		free_refs(c->procs, c->nprocs);
		diff_free_strs(c->random, c->nrandom);
		diff_free_strs(c->reaches, c->nreaches);
		diff_free_strs(c->via, c->nvia);
		diff_free_strs(c->chains, c->nchains);
	}
	free(r->causes);
	for (size_t i = 0; i < r->noutputs; i++) {
		free(r->outputs[i].path);
		free(r->outputs[i].a);
		free(r->outputs[i].b);
	}
	free(r->outputs);
	free_refs(r->only_a, r->nonly_a);
	free_refs(r->only_b, r->nonly_b);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

const char *cause_kind_name(enum cause_kind k)
{
	switch (k) {
	case CAUSE_CONTENT: return "content";
	case CAUSE_FOUND: return "found";
	case CAUSE_LISTING: return "listing";
	case CAUSE_ENV: return "env";
	case CAUSE_ARGV: return "argv";
	case CAUSE_NET: return "net";
	case CAUSE_NONDET: return "nondeterministic";
	}
	return "?";
}
