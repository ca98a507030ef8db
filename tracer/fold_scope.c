// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun fold --process`, `--subtree` and the phases of `--split-at`:
 * a set of processes' delta, replayed from their own events where other
 * processes changed a path too, the run's states where the set alone did
 * (docs/delta-format.md).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/mtree.h"
#include "lib/util.h"
#include "tracer/fold.h"
#include "tracer/fold_priv.h"
#include "tracer/trace_read.h"

static int cmp_entry_path(const void *a, const void *b)
{
	return strcmp(((const struct fsentry *)a)->path,
		      ((const struct fsentry *)b)->path);
}

struct change {
	struct fsentry e;
	size_t seq;
	bool known_absent;	/* the scope saw the path absent first */
	bool changed;		/* a change, not only an observation */
	bool tree;		/* a rename's: what was below it moved too */
	bool derived;		/* below such a rename (moved_below): known
				 * only from the run's states */
};

static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	int c = strcmp(x->e.path, y->e.path);

	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static bool in_scope(const char *p, const char *id, bool subtree)
{
	size_t n = strlen(id);

	if (!strcmp(p, id))
		return true;
	return subtree && !strncmp(p, id, n) && p[n] == '.';
}

static void add_change(struct change **v, size_t *n, size_t *cap,
		       const char *path, const json_t *state, bool absent,
		       bool changed)
{
	struct change *c;
	const char *why;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	c = &(*v)[*n];
	memset(c, 0, sizeof(*c));
	c->seq = (*n)++;
	c->changed = changed;
	/* (an event's after: of either digest, checked as the states are;
	 * one that is not whole, a wrote's of a file the tracer could not
	 * stat, or a symlink's whose target it could not read, is known
	 * only from the run's states, as derived ones are) */
	if (state && fold_state_entry(state, &c->e, false, NULL, &why) == 0 &&
	    (c->e.type != FS_LINK || c->e.target)) {
		free(c->e.path);
	} else {
		fsentry_free(&c->e);
		c->e.type = FS_ABSENT;
		c->derived = state != NULL;
	}
	c->known_absent = absent;
	c->e.path = fold_path_of(path);
}

/* A wrote event's file, as a state (a new reference). */
static json_t *wrote_state(const json_t *rec)
{
	return json_pack("{s:s, s:O*, s:O*, s:O*}", "type", "file",
			 "perm", json_object_get(rec, "perm"),
			 "size", json_object_get(rec, "size"),
			 "digest", json_object_get(rec, "digest"));
}

/* Whether replay() takes a path of rec's member key ("path" or "to"):
 * then rec must have it (a missing one would make a delta line of an
 * empty path).  A link's "path" is its source, not replayed, but one
 * with an "after" named both. */
static bool replay_takes(const json_t *rec, const char *key)
{
	const char *ev = jstr(rec, "ev"), *res = jstr(rec, "res"), *mode = jstr(rec, "mode");
	bool after = json_object_get(rec, "after") != NULL;

	if (!strcmp(key, "to"))
		return after && (!strcmp(ev, "rename") || !strcmp(ev, "link"));
	if (!strcmp(ev, "wrote") || after)
		return true;
	if (!strcmp(ev, "open") && !strcmp(res, "ok"))
		return strstr(mode, ",excl") || strstr(mode, ",new");
	return (!strcmp(ev, "open") || !strcmp(ev, "probe")) && !strcmp(res, "ENOENT");
}

/* Whether an event is one replay() can make changes of: its paths as a
 * trace writes them, its states as the state records are checked (else
 * why not). */
static bool event_ok(const json_t *rec, const char **why)
{
	static const char *const paths[] = { "path", "to" };
	const char *ev = jstr(rec, "ev");
	const json_t *after = json_object_get(rec, "after");
	json_t *st = !strcmp(ev, "wrote") ? wrote_state(rec) : NULL;
	struct fsentry e;

	/* (the kinds replay takes paths of: a socket's may be "@name") */
	*why = NULL;
	if (!st && !after && strcmp(ev, "open") && strcmp(ev, "probe"))
		return true;
	/* (a wrote of a file the tracer could not stat, or of a log it
	 * writes to by name, has no perm or size: its paths are checked) */
	if (st && (!json_object_get(rec, "perm") || !json_object_get(rec, "size"))) {
		json_decref(st);
		st = NULL;
	}
	if (after && !json_is_object(after))
		*why = "an \"after\" that is not an object";
	else if ((st || after) && fold_state_entry(st ? st : after, &e, false, NULL, why) == 0)
		fsentry_free(&e);
	json_decref(st);
	for (size_t i = 0; !*why && i < ARRAY_SIZE(paths); i++) {
		const json_t *p = json_object_get(rec, paths[i]);

		if (!p && replay_takes(rec, paths[i]))
			*why = !strcmp(paths[i], "to") ? "a rename or link without its \"to\"" :
			       "a change without its \"path\"";
		else if (p && (!json_is_string(p) || !fold_trace_path_ok(json_string_value(p))))
			*why = "a path that is not a string, absolute or under a root, "
			       "and normalized";
	}
	return !*why;
}

/* One record of the scope: what it tells about which path. */
static void replay(const json_t *rec, struct change **v, size_t *n, size_t *cap)
{
	const char *ev = jstr(rec, "ev"), *res = jstr(rec, "res");
	const json_t *after = json_object_get(rec, "after");

	if (!strcmp(ev, "wrote")) {
		json_t *st = wrote_state(rec);

		add_change(v, n, cap, jstr(rec, "path"), st, false, true);
		json_decref(st);
	} else if (after && (!strcmp(ev, "rename") || !strcmp(ev, "link"))) {
		bool rename = !strcmp(ev, "rename");

		if (rename)
			add_change(v, n, cap, jstr(rec, "path"), NULL, false, true);
		add_change(v, n, cap, jstr(rec, "to"), after, false, true);
		if (rename)
			(*v)[*n - 1].tree = (*v)[*n - 2].tree = true;
	} else if (after) {
		bool created = !strcmp(ev, "mkdir") || !strcmp(ev, "symlink") ||
			       !strcmp(ev, "mknod");

		add_change(v, n, cap, jstr(rec, "path"), after, created, true);
	} else if (!strcmp(ev, "open") && !strcmp(res, "ok") &&
		   (strstr(jstr(rec, "mode"), ",excl") || strstr(jstr(rec, "mode"), ",new"))) {
		add_change(v, n, cap, jstr(rec, "path"), NULL, true, false);
	} else if ((!strcmp(ev, "probe") || !strcmp(ev, "open")) &&
		   !strcmp(res, "ENOENT")) {
		add_change(v, n, cap, jstr(rec, "path"), NULL, true, false);
	}
}

static struct fsentry *find_entry(struct fslist *l, const char *path)
{
	struct fsentry key = { .path = (char *)path };

	return l->n ? bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_entry_path) : NULL;
}

/*
 * A path only the scope changed: its run-level before and after states
 * are the scope's own.  Push the after state if they differ; true when
 * settled this way.
 */
static bool owned(struct fsentry *last, struct strv *outside,
		  struct fslist *before, struct fslist *after, struct fslist *out)
{
	char *key = last->path;
	struct fsentry *b, *a;

	if (outside->n && bsearch(&key, outside->v, outside->n, sizeof(char *), fold_cmp_str))
		return false;
	b = find_entry(before, last->path);
	a = find_entry(after, last->path);
	if (!b || !a)
		return false;
	if (!fsentry_same(b, a)) {
		struct fsentry copy = {
			.path = xstrdup(a->path), .type = a->type, .perm = a->perm,
			.size = a->size,
			.digest = a->digest ? xstrdup(a->digest) : NULL,
			.target = a->target ? xstrdup(a->target) : NULL,
		};

		fslist_push(out, &copy);
	}
	return true;
}

/* The paths of l (sorted) below dir, as changes of the scope that moved
 * them (a rename of dir or of a directory above: the run's states have
 * every entry it moved, no event does). */
static void moved_below(const struct fslist *l, const char *dir, struct change **v,
			size_t *n, size_t *cap)
{
	size_t len = strlen(dir), lo = 0, hi = l->n;

	while (lo < hi) {	/* the first path after "dir/" sorts */
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(l->v[mid].path, dir, len);

		if (c < 0 || (c == 0 && (unsigned char)l->v[mid].path[len] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && !strncmp(l->v[lo].path, dir, len) && l->v[lo].path[len] == '/';
	     lo++) {
		struct change *c;

		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xrealloc(*v, *cap * sizeof(**v));
		}
		c = &(*v)[*n];
		memset(c, 0, sizeof(*c));
		c->seq = (*n)++;
		c->changed = c->derived = true;
		c->e.type = FS_ABSENT;
		c->e.path = xstrdup(l->v[lo].path);
	}
}

/* A process of the scope and its records, in trace order. */
struct sproc {
	const char *id;
	json_t **evs;
	size_t n, cap;
	bool walked;	/* replayed already: once each, whatever the
			 * spawn events say (a process spawned twice) */
};

static int cmp_sproc(const void *a, const void *b)
{
	return strcmp(((const struct sproc *)a)->id, ((const struct sproc *)b)->id);
}

/*
 * Replay in a causal order: a child's whole subtree where its parent
 * spawned it (the fork/exec/wait pattern of make and compiler drivers:
 * cc1 writes the temp file, as reads it, then cc removes it).
 */
static void walk_scope(struct sproc *procs, size_t np, const char *id,
		       struct change **v, size_t *n, size_t *cap, int depth)
{
	struct sproc key = { .id = id }, *p;

	p = np ? bsearch(&key, procs, np, sizeof(*procs), cmp_sproc) : NULL;
	if (!p || p->walked || depth > 4096)
		return;
	p->walked = true;
	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(jstr(p->evs[i], "ev"), "spawn"))
			walk_scope(procs, np, jstr(p->evs[i], "child"), v, n, cap, depth + 1);
		else
			replay(p->evs[i], v, n, cap);
	}
}

struct scope_ctx {
	const char *id;
	bool subtree;
};

static bool scope_member(const char *p, void *ctx)
{
	const struct scope_ctx *sc = ctx;

	return in_scope(p, sc->id, sc->subtree);
}

int fold_scope(const char *trace, const char *id, bool subtree,
	       struct fold_result *r, struct sr_error **err)
{
	struct scope_ctx sc = { id, subtree };

	if (fold_set(trace, -1, scope_member, &sc, r, err) < 0)
		return -1;
	if (!r->processes) {
		fold_free(r);
		/* (as show -p: the option names what is not there) */
		return sr_error_make(err, SR_EXIT_USAGE, 0, "%s has no process %s",
				     trace, id);
	}
	return 0;
}

static const char *parent_id(const char *id, char *buf, size_t len)
{
	const char *dot = strrchr(id, '.');

	if (!dot || (size_t)(dot - id) >= len)
		return NULL;
	memcpy(buf, id, (size_t)(dot - id));
	buf[dot - id] = '\0';
	return buf;
}

/* Whether path is at or below one of the header's "mounted" paths (a
 * --tmpfs in the tree, or a --bind there of a directory from outside
 * it), where the run has no states. */
static bool is_mounted(const json_t *mounted, const char *path)
{
	size_t i;
	json_t *m;

	/* (both as delta lines spell them: escaped) */
	json_array_foreach(mounted, i, m) {
		char *dir = json_is_string(m) ? fold_path_of(json_string_value(m)) : NULL;
		bool under = dir && path_is_under(path, dir);

		free(dir);
		if (under)
			return true;
	}
	return false;
}

/* With every process in the scope (--subtree 1), what the run's states
 * have changed that no event named (another name of a file hard-linked
 * to one written, a unix socket's file made by bind, whose event names
 * the address as given) is the scope's too: its delta is the run's. */
static void add_unnamed(struct fold_result *r, struct fslist *before, struct fslist *after)
{
	struct fold_result run = { 0 };
	size_t n = 0;

	fold_diff_states(before, after, &run);
	/* (looked up before any is added: r->delta is sorted until then) */
	for (size_t i = 0; i < run.delta.n; i++)
		if (!find_entry(&r->delta, run.delta.v[i].path))
			run.delta.v[n++] = run.delta.v[i];
		else
			fsentry_free(&run.delta.v[i]);
	for (size_t i = 0; i < n; i++)
		fslist_push(&r->delta, &run.delta.v[i]);
	free(run.delta.v);
	fslist_sort(&r->delta);
}

int fold_set(const char *trace, int copy, bool (*member)(const char *id, void *ctx),
	     void *ctx, struct fold_result *r, struct sr_error **err)
{
	struct strv order = { 0 };
	struct sproc *procs = NULL;
	size_t np = 0, pcap = 0;
	struct change *v = NULL, *others = NULL;
	size_t n = 0, cap = 0, ocap = 0;
	struct fslist before = { 0 }, after = { 0 };
	struct strv outside = { 0 };
	struct trace_reader tr;
	const char *bad;
	bool all = true;	/* every event the scope's */
	json_t *rec;
	int k;

	memset(r, 0, sizeof(*r));
	if (trace_reopen(&tr, trace, copy, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	r->delta.algo = xstrdup(jstr(tr.header, "digest"));
	while ((k = trace_next(&tr, &rec, err)) > 0) {
		const char *p = *jstr(rec, "proc") ? jstr(rec, "proc") : jstr(rec, "p");
		struct sproc *sp;

		if (*jstr(rec, "state") && fold_state_unknown(rec)) {
			r->unknown++;
			json_decref(rec);
			continue;
		}
		if (*jstr(rec, "state")) {
			struct fsentry e;

			const char *why;

			if (fold_state_entry(rec, &e, true, r->delta.algo, &why) < 0) {
				json_decref(rec);
				k = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: bad state "
						  "record: %s", trace, tr.line, why);
				break;
			}
			fslist_push(!strcmp(jstr(rec, "state"), "before") ? &before : &after, &e);
			json_decref(rec);
			continue;
		}
		if (!*jstr(rec, "proc") && !event_ok(rec, &bad)) {
			k = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: bad event: %s",
					  trace, tr.line, bad);
			json_decref(rec);
			break;
		}
		if (!*p || !member(p, ctx)) {
			/* What others change: the scope does not own it. */
			size_t m = 0;

			all = false;
			replay(rec, &others, &m, &ocap);
			for (size_t i = 0; i < m; i++) {
				if (others[i].changed)
					strv_push(&outside, xstrdup(others[i].e.path));
				fsentry_free(&others[i].e);
			}
			json_decref(rec);
			continue;
		}
		if (*jstr(rec, "proc")) {
			if (np == pcap) {
				pcap = pcap ? pcap * 2 : 16;
				procs = xrealloc(procs, pcap * sizeof(*procs));
			}
			procs[np] = (struct sproc){ .id = jstr(rec, "proc") };
			strv_push(&order, xstrdup(jstr(rec, "proc")));
			procs[np].evs = xcalloc(1, sizeof(json_t *));
			procs[np].evs[0] = rec;		/* keeps id alive */
			procs[np].n = procs[np].cap = 1;
			np++;
			r->processes++;
			continue;
		}
		sp = np ? &procs[np - 1] : NULL;	/* events follow their proc */
		if (!sp || strcmp(sp->id, p)) {
			json_decref(rec);
			continue;
		}
		if (sp->n == sp->cap) {
			sp->cap *= 2;
			sp->evs = xrealloc(sp->evs, sp->cap * sizeof(*sp->evs));
		}
		sp->evs[sp->n++] = rec;
	}
	/* (a scope's delta needs the whole run as much as the run's) */
	if (k == 0)
		k = trace_require_complete(&tr, "nothing to fold", err);
	if (k == 0) {
		if (np > 1)
			qsort(procs, np, sizeof(*procs), cmp_sproc);
		/* From each member whose parent is not one, in trace order. */
		for (size_t i = 0; i < order.n; i++) {
			char buf[4096];
			const char *par = parent_id(order.v[i], buf, sizeof(buf));

			if (!par || !member(par, ctx))
				walk_scope(procs, np, order.v[i], &v, &n, &cap, 0);
		}
		if (outside.n > 1)
			qsort(outside.v, outside.n, sizeof(char *), fold_cmp_str);
		k = fold_states_sorted(&before, &after, trace, err);
		for (size_t i = 0, n0 = n; k == 0 && i < n0; i++)
			if (v[i].tree) {
				moved_below(&before, v[i].e.path, &v, &n, &cap);
				moved_below(&after, v[i].e.path, &v, &n, &cap);
			}
	}
	if (k == 0 && n) {
		const json_t *mounted = json_object_get(tr.header, "mounted");

		qsort(v, n, sizeof(*v), cmp_change);
		for (size_t i = 0; i < n;) {
			size_t j = i;
			bool absent_first = v[i].known_absent, changed = false, derived = true;

			while (j < n && !strcmp(v[j].e.path, v[i].e.path)) {
				derived &= v[j].derived;
				changed |= v[j++].changed;
			}
			/* (what is there is not the tree's, as in the run's) */
			if (is_mounted(mounted, v[i].e.path)) {
				i = j;
				continue;
			}
			/* v[j - 1] is the last word on this path, unless the
			 * scope owns the path: then the run's own before and
			 * after states are exact (and they alone say what a
			 * rename moved below it). */
			if (changed && owned(&v[j - 1].e, &outside, &before, &after,
					     &r->delta))
				;
			else if (derived)
				;
			else if (changed && !(absent_first && v[j - 1].e.type == FS_ABSENT))
				fslist_push(&r->delta, &v[j - 1].e);
			i = j;
		}
		fslist_sort(&r->delta);
	}
	if (k == 0 && all)
		add_unnamed(r, &before, &after);
	if (k == 0 && (n || all))
		k = fold_delta_whole(r, trace, err);
	for (size_t i = 0; i < n; i++)
		fsentry_free(&v[i].e);
	free(v);
	free(others);
	strv_free(&outside);
	strv_free(&order);
	fslist_free(&before);
	fslist_free(&after);
	for (size_t i = 0; i < np; i++) {
		for (size_t j = 0; j < procs[i].n; j++)
			json_decref(procs[i].evs[j]);
		free(procs[i].evs);
	}
	free(procs);
	trace_close(&tr);
	if (k < 0)
		fold_free(r);
	return k < 0 ? -1 : 0;
}
