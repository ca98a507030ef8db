// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun diff`'s engine: matching, root causes, reach (see diff.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "tracer/diff.h"
#include "tracer/trace_read.h"

enum {
	D_CONTENT = 1,		/* events other than the environment differ */
	D_ENV = 2,		/* the exec environment differs */
	D_ONLY = 4,		/* no match in the other run */
	D_LOAD = 8,		/* pass 2 loads its events */
};

enum fact_side { IN, OUT, BEHAVIOUR, RANDOM };

/* A set of cause indices: a bitset, so that propagating causes along a
 * build's data flow is a word-wise OR, not a search. */
struct cset {
	uint64_t *w;
	size_t nw;
	size_t count;
};

struct fact {
	enum fact_side side;
	enum cause_kind kind;	/* for IN facts */
	char *key;		/* "kind\tpath..." */
	char *val;
};

struct proc {
	char *id;
	int parent;
	int *kids;
	size_t nkids;
	uint64_t h[2], he[2];	/* events without env; env */
	bool has_exec;
	char *key;		/* first exec: path \n argv \n cwd */
	char *exe, *cmd;
	char **random;		/* randomness sources it drew from */
	size_t nrandom;
	int match;
	unsigned flags;
	/* pass 2 */
	struct fact *facts;
	size_t nfacts;
	char **env;		/* first exec's environment */
	size_t nenv;
	/* analysis (on the A side of a pair, or the only side) */
	struct cset causes;	/* what explains its differences */
	struct cset weak;	/* inherited environment: used only when
				 * nothing else explains an output */
	bool rooted;		/* has a root cause of its own */
	bool outputs_differ;
	bool inputs_differ;	/* any input differs, explained or not */
};

struct writer {
	uint64_t h;		/* of the path (or of a directory written into) */
	int proc;
};

struct state {
	char *path, *val;
};

struct run {
	const char *path;
	struct proc *p;
	size_t n, cap;
	struct writer *w;
	size_t nw, capw;
	struct state *st;
	size_t nst, capst;
	char *digest;
	int exit;
};

static uint64_t hash_str(const char *s, size_t len)
{
	struct digest d;
	uint64_t h = 0;

	xxh128_buf(s, len, &d);
	memcpy(&h, d.bytes, sizeof(h));
	return h;
}

static void mix(uint64_t h[2], const char *s, size_t len)
{
	struct digest d;
	uint64_t a, b;

	xxh128_buf(s, len, &d);
	memcpy(&a, d.bytes, 8);
	memcpy(&b, d.bytes + 8, 8);
	h[0] = (h[0] ^ a) * 0x9e3779b97f4a7c15ull + 1;
	h[1] = (h[1] ^ b) * 0xc2b2ae3d27d4eb4full + 1;
}

static void add_str(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
}

/* --- pass 1 -------------------------------------------------------- */

static bool is_change(const char *ev)
{
	static const char *const evs[] = {
		"wrote", "mkdir", "rmdir", "unlink", "chmod", "chown", "truncate",
		"utimes", "mknod", "rename", "link", "symlink",
	};

	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (!strcmp(ev, evs[i]))
			return true;
	return false;
}

struct pass1 {
	struct run *r;
};

/* Lines are hashed here, unparsed; only what pass 1 needs is parsed. */
static bool want1(const char *line, void *ctx)
{
	struct run *r = ((struct pass1 *)ctx)->r;
	const char *rest, *ev;
	struct proc *p;

	if (str_has_prefix(line, "{\"proc\":") || str_has_prefix(line, "{\"state\":\"after\""))
		return true;
	if (!str_has_prefix(line, "{\"p\":\"") || !r->n)
		return false;
	rest = strstr(line + 6, "\",");
	if (!rest)
		return true;	/* malformed: let the parser say so */
	rest += 2;
	p = &r->p[r->n - 1];
	if (!str_has_prefix(rest, "\"ev\":\""))
		return true;
	ev = rest + 6;
	if (str_has_prefix(ev, "exec\"") || str_has_prefix(ev, "random\""))
		return true;
	if (str_has_prefix(ev, "spawn\"")) {
		mix(p->h, "spawn", 5);	/* child ids may differ between runs */
		return false;
	}
	mix(p->h, rest, strlen(rest));
	for (size_t i = 0; ev[i] && ev[i] != '"' && i < 16; i++)
		if (ev[i + 1] == '"') {
			char name[17];

			memcpy(name, ev, i + 1);
			name[i + 1] = '\0';
			return is_change(name);
		}
	return false;
}

static char *join_argv(const json_t *argv, char sep)
{
	size_t len = 0, i;
	json_t *v;
	char *out, *q;

	json_array_foreach(argv, i, v)
		len += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	out = q = xmalloc(len + 1);
	json_array_foreach(argv, i, v) {
		const char *s = json_string_value(v) ? json_string_value(v) : "";

		if (i)
			*q++ = sep;
		q = stpcpy(q, s);
	}
	*q = '\0';
	return out;
}

static void add_writer(struct run *r, const char *path, int proc)
{
	const char *slash = strrchr(path, '/');

	if (!*path)
		return;
	for (int k = 0; k < 2; k++) {
		if (r->nw == r->capw) {
			r->capw = r->capw ? 2 * r->capw : 256;
			r->w = xrealloc(r->w, r->capw * sizeof(*r->w));
		}
		/* the path, and its directory (for listings) */
		r->w[r->nw++] = (struct writer){
			k ? hash_str(path, slash && slash != path ? (size_t)(slash - path) : 1) ^ 1
			  : hash_str(path, strlen(path)), proc };
	}
}

static int find_parent(struct run *r, const char *id)
{
	for (size_t i = r->n; i-- > 0;)
		if (!strcmp(r->p[i].id, id))
			return (int)i;
	return -1;
}

static void add_kid(struct proc *parent, int kid)
{
	parent->kids = xrealloc(parent->kids, (parent->nkids + 1) * sizeof(int));
	parent->kids[parent->nkids++] = kid;
}

/* A final state as one comparable string: "file mode=0644 size=3 digest=..." */
static char *state_string(const json_t *rec)
{
	json_t *size = json_object_get(rec, "size");
	char sz[32] = "";

	if (size)
		snprintf(sz, sizeof(sz), " size=%lld", (long long)json_integer_value(size));
	return xasprintf("%s%s%s%s%s%s%s%s", jstr(rec, "type"),
			 *jstr(rec, "perm") ? " mode=" : "", jstr(rec, "perm"), sz,
			 *jstr(rec, "digest") ? " digest=" : "", jstr(rec, "digest"),
			 *jstr(rec, "target") ? " target=" : "", jstr(rec, "target"));
}

static int pass1(struct run *r, struct sr_error **err)
{
	struct trace_reader tr;
	struct pass1 ctx = { r };
	json_t *rec;
	int k;

	if (trace_open(&tr, r->path, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	r->digest = xstrdup(jstr(tr.header, "digest"));
	while ((k = trace_next_if(&tr, want1, &ctx, &rec, err)) > 0) {
		struct proc *p;
		const char *ev;

		if (k == 2)
			continue;
		if (json_object_get(rec, "proc")) {
			const char *parent = jstr(rec, "parent");

			if (r->n == r->cap) {
				r->cap = r->cap ? 2 * r->cap : 64;
				r->p = xrealloc(r->p, r->cap * sizeof(*r->p));
			}
			p = &r->p[r->n];
			memset(p, 0, sizeof(*p));
			p->id = xstrdup(jstr(rec, "proc"));
			p->parent = *parent ? find_parent(r, parent) : -1;
			p->match = -1;
			p->key = xstrdup("");
			p->exe = xstrdup("");
			p->cmd = xstrdup("");
			if (p->parent >= 0)
				add_kid(&r->p[p->parent], (int)r->n);
			r->n++;
		} else if (json_object_get(rec, "state")) {
			if (r->nst == r->capst) {
				r->capst = r->capst ? 2 * r->capst : 64;
				r->st = xrealloc(r->st, r->capst * sizeof(*r->st));
			}
			r->st[r->nst].path = xstrdup(jstr(rec, "path"));
			r->st[r->nst++].val = state_string(rec);
		} else if (r->n && !strcmp(ev = jstr(rec, "ev"), "exec")) {
			json_t *argv = json_object_get(rec, "argv");
			char *a = join_argv(argv, '\x1f');
			char *e = join_argv(json_object_get(rec, "env"), '\n');
			char *line = xasprintf("exec\n%s\n%s\n%s\n%s", jstr(rec, "path"), a,
					       jstr(rec, "cwd"), jstr(rec, "digest"));

			p = &r->p[r->n - 1];
			mix(p->h, line, strlen(line));
			mix(p->he, e, strlen(e));
			if (!p->has_exec) {
				p->has_exec = true;
				free(p->key);
				free(p->exe);
				free(p->cmd);
				p->key = xasprintf("%s\n%s\n%s", jstr(rec, "path"), a, jstr(rec, "cwd"));
				p->exe = xstrdup(jstr(rec, "path"));
				p->cmd = join_argv(argv, ' ');
			}
			free(line);
			free(a);
			free(e);
		} else if (r->n && !strcmp(ev, "random")) {
			char *src = xasprintf("%s%s%s", jstr(rec, "call"),
					      *jstr(rec, "path") ? " " : "", jstr(rec, "path"));
			char *line = xasprintf("random\n%s", src);

			p = &r->p[r->n - 1];
			mix(p->h, line, strlen(line));
			add_str(&p->random, &p->nrandom, src);
			free(line);
			free(src);
		} else if (r->n && is_change(ev)) {
			add_writer(r, jstr(rec, "path"), (int)r->n - 1);
			if (*jstr(rec, "to"))
				add_writer(r, jstr(rec, "to"), (int)r->n - 1);
		}
		json_decref(rec);
	}
	if (k == 0)
		r->exit = (int)json_integer_value(json_object_get(tr.end, "exit"));
	trace_close(&tr);
	return k < 0 ? -1 : 0;
}

/* --- matching ------------------------------------------------------- */

struct diff {
	struct run a, b;
};

static void match_pair(struct diff *d, int ia, int ib);

static bool same_exe(const struct proc *x, const struct proc *y)
{
	return !strcmp(x->exe, y->exe);
}

/* Siblings: same first exec (path, argv, cwd), then same executable,
 * then the rest in order; each in canonical order. */
static void match_kids(struct diff *d, struct proc *pa, struct proc *pb)
{
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < pa->nkids; i++) {
			struct proc *x = &d->a.p[pa->kids[i]];

			if (x->match >= 0)
				continue;
			for (size_t j = 0; j < pb->nkids; j++) {
				struct proc *y = &d->b.p[pb->kids[j]];

				if (y->match >= 0)
					continue;
				if ((pass == 0 && !strcmp(x->key, y->key)) ||
				    (pass == 1 && same_exe(x, y)) ||
				    (pass == 2 && !x->has_exec && !y->has_exec)) {
					match_pair(d, pa->kids[i], pb->kids[j]);
					break;
				}
			}
		}
}

static void match_pair(struct diff *d, int ia, int ib)
{
	struct proc *x = &d->a.p[ia], *y = &d->b.p[ib];

	x->match = ib;
	y->match = ia;
	if (x->h[0] != y->h[0] || x->h[1] != y->h[1] || strcmp(x->key, y->key))
		x->flags |= D_CONTENT;
	if (x->he[0] != y->he[0] || x->he[1] != y->he[1])
		x->flags |= D_ENV;
	y->flags = x->flags;
	match_kids(d, x, y);
}

/* --- pass 2: the events of differing processes as facts ----------- */

struct pass2 {
	struct run *r;
	size_t cur;		/* proc records seen */
};

static bool want2(const char *line, void *ctx)
{
	struct pass2 *c = ctx;

	if (str_has_prefix(line, "{\"proc\":"))
		return true;
	if (!str_has_prefix(line, "{\"p\":\"") || !c->cur)
		return false;
	return c->r->p[c->cur - 1].flags & D_LOAD;
}

static void add_fact(struct proc *p, enum fact_side side, enum cause_kind kind,
		     char *key, char *val)
{
	p->facts = xrealloc(p->facts, (p->nfacts + 1) * sizeof(*p->facts));
	p->facts[p->nfacts++] = (struct fact){ side, kind, key, val };
}

/* "a b c" without the empty ones */
static char *join3(const char *a, const char *b, const char *c)
{
	return xasprintf("%s%s%s%s%s", a, *b ? " " : "", b, *c ? " " : "", c);
}

static void event_facts(struct proc *p, const json_t *rec, unsigned *nexec)
{
	const char *ev = jstr(rec, "ev"), *path = jstr(rec, "path"), *res = jstr(rec, "res");
	const char *mode = jstr(rec, "mode");

	if (!strcmp(ev, "exec")) {
		json_t *env = json_object_get(rec, "env"), *v;
		size_t i;
		unsigned n = (*nexec)++;

		add_fact(p, IN, CAUSE_ARGV, xasprintf("exec#%u\texec", n), xstrdup(path));
		add_fact(p, IN, CAUSE_ARGV, xasprintf("exec#%u\targv", n),
			 join_argv(json_object_get(rec, "argv"), ' '));
		add_fact(p, IN, CAUSE_ARGV, xasprintf("exec#%u\tcwd", n), xstrdup(jstr(rec, "cwd")));
		if (*jstr(rec, "digest"))	/* running a program reads it */
			add_fact(p, IN, CAUSE_CONTENT, xasprintf("read\t%s", path),
				 join3("ok", "file", jstr(rec, "digest")));
		if (n == 0)
			json_array_foreach(env, i, v) {
				p->env = xrealloc(p->env, (p->nenv + 1) * sizeof(char *));
				p->env[p->nenv++] = xstrdup(json_string_value(v) ? json_string_value(v) : "");
			}
	} else if (!strcmp(ev, "open") && mode[0] == 'r' && mode[1] != 'w') {
		add_fact(p, IN, strcmp(res, "ok") ? CAUSE_FOUND : CAUSE_CONTENT,
			 xasprintf("read\t%s", path),
			 join3(res, jstr(rec, "type"), jstr(rec, "digest")));
	} else if (!strcmp(ev, "exec-fail") || !strcmp(ev, "probe")) {
		add_fact(p, IN, CAUSE_FOUND, xasprintf("probe\t%s", path),
			 join3(res, jstr(rec, "type"), ""));
	} else if (!strcmp(ev, "readdir")) {
		add_fact(p, IN, CAUSE_LISTING, xasprintf("readdir\t%s", path),
			 join3(res, jstr(rec, "digest"), ""));
	} else if (!strcmp(ev, "net")) {
		add_fact(p, IN, CAUSE_NET, xasprintf("net\t%s %s %s", jstr(rec, "call"),
						     jstr(rec, "family"), jstr(rec, "addr")),
			 xstrdup(res));
	} else if (!strcmp(ev, "random")) {
		add_fact(p, RANDOM, CAUSE_NONDET, xasprintf("random\t%s%s%s", jstr(rec, "call"),
							     *path ? " " : "", path), xstrdup(""));
	} else if (!strcmp(ev, "wrote")) {
		add_fact(p, OUT, CAUSE_CONTENT, xasprintf("wrote\t%s", path),
			 xasprintf("%s %s %lld", jstr(rec, "digest"), jstr(rec, "perm"),
				   (long long)json_integer_value(json_object_get(rec, "size"))));
	} else if (!strcmp(ev, "exit")) {
		add_fact(p, OUT, CAUSE_CONTENT, xstrdup("exit\t"),
			 json_object_get(rec, "signal") ? xstrdup(jstr(rec, "signal")) :
			 xasprintf("%lld", (long long)json_integer_value(
					   json_object_get(rec, "status"))));
	} else if (is_change(ev)) {
		char *after = json_dumps(json_object_get(rec, "after"), JSON_COMPACT);

		add_fact(p, OUT, CAUSE_CONTENT, xasprintf("%s\t%s%s%s", ev, path,
							  *jstr(rec, "to") ? " -> " : "",
							  jstr(rec, "to")),
			 xasprintf("%s %s", res, after ? after : ""));
		free(after);
	} else if (!strcmp(ev, "spawn")) {
		/* children are compared on their own */
	} else {
		/* open for writing, chdir, untraceable, ...: what it did */
		char *all = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);

		add_fact(p, BEHAVIOUR, CAUSE_CONTENT, xasprintf("%s\t%s", ev, path),
			 xstrdup(all ? all : ""));
		free(all);
	}
}

static int pass2(struct run *r, struct sr_error **err)
{
	struct trace_reader tr;
	struct pass2 ctx = { r, 0 };
	unsigned nexec = 0;
	json_t *rec;
	int k;

	if (trace_open(&tr, r->path, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	while ((k = trace_next_if(&tr, want2, &ctx, &rec, err)) > 0) {
		if (k == 2)
			continue;
		if (json_object_get(rec, "proc")) {
			ctx.cur++;
			nexec = 0;
		} else if (ctx.cur && json_object_get(rec, "ev") &&
			   r->p[ctx.cur - 1].flags & D_LOAD) {
			event_facts(&r->p[ctx.cur - 1], rec, &nexec);
		}
		json_decref(rec);
	}
	trace_close(&tr);
	return k < 0 ? -1 : 0;
}

/* --- analysis ------------------------------------------------------- */

static int cmp_fact(const void *x, const void *y)
{
	const struct fact *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c ? c : strcmp(a->val, b->val);	/* equal values adjacent */
}

static int cmp_writer(const void *x, const void *y)
{
	const struct writer *a = x, *b = y;

	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->proc - b->proc;
}

/* The writers of a path (or of entries of a directory): [lo, hi). */
static void writers(const struct run *r, uint64_t h, size_t *lo, size_t *hi)
{
	size_t l = 0, u = r->nw;

	while (l < u) {
		size_t m = (l + u) / 2;

		if (r->w[m].h < h)
			l = m + 1;
		else
			u = m;
	}
	*lo = l;
	while (l < r->nw && r->w[l].h == h)
		l++;
	*hi = l;
}

struct engine {
	struct diff d;
	struct diff_result *res;
	struct diff_cause *c;	/* grown in res */
	size_t nc;
};

static void proc_ref(const struct proc *p, struct diff_proc_ref *ret)
{
	ret->id = p->id;
	ret->exe = p->exe;
	ret->cmd = p->cmd;
}

static int find_cause(struct engine *e, enum cause_kind kind, const char *what,
		      const char *a, const char *b)
{
	for (size_t i = 0; i < e->res->ncauses; i++) {
		struct diff_cause *c = &e->res->causes[i];

		if (c->kind == kind && !strcmp(c->what, what) && !strcmp(c->a, a) &&
		    !strcmp(c->b, b))
			return (int)i;
	}
	return -1;
}

static int add_cause(struct engine *e, enum cause_kind kind, const char *what,
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
		c->a = xstrdup(a);
		c->b = xstrdup(b);
		i = (int)r->ncauses++;
	}
	c = &r->causes[i];
	for (size_t k = 0; k < c->nprocs; k++)
		if (!strcmp(c->procs[k].id, p->id))
			return i;
	c->procs = xrealloc(c->procs, (c->nprocs + 1) * sizeof(*c->procs));
	proc_ref(p, &c->procs[c->nprocs++]);
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

static bool cset_union(struct cset *to, const struct cset *from)
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

static bool add_to_set(struct proc *p, int cause)
{
	return cset_add(&p->causes, cause);
}

static bool union_into(struct proc *to, const struct proc *from)
{
	bool a = cset_union(&to->causes, &from->causes);
	bool b = cset_union(&to->weak, &from->weak);

	return a || b;
}

/* The A-side process that carries the analysis of run r's process i. */
static struct proc *owner(struct diff *d, const struct run *r, int i)
{
	if (r == &d->a || d->b.p[i].match < 0)
		return &((struct run *)r)->p[i];
	return &d->a.p[d->b.p[i].match];
}

/* Is a differing process of either run a writer of h (other than self)? */
static bool explained_by_writers(struct engine *e, uint64_t h, struct proc *self,
				 bool propagate, bool *changed)
{
	bool found = false;

	for (int side = 0; side < 2; side++) {
		struct run *r = side ? &e->d.b : &e->d.a;
		size_t lo, hi;

		writers(r, h, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			struct proc *w = owner(&e->d, r, r->w[i].proc);

			if (w == self || !(w->flags & (D_CONTENT | D_ONLY)))
				continue;
			found = true;
			if (propagate)
				*changed |= union_into(self, w);
		}
	}
	return found;
}

static const char *env_value(const struct proc *p, const char *name, size_t nlen)
{
	for (size_t i = 0; i < p->nenv; i++)
		if (!strncmp(p->env[i], name, nlen) && p->env[i][nlen] == '=')
			return p->env[i] + nlen + 1;
	return NULL;
}

/* Environment differences of a pair: root causes where they start,
 * inherited below (the same difference in an ancestor), or caused by a
 * differing parent that set them. */
static void env_causes(struct engine *e, struct proc *x, struct proc *y, bool *changed)
{
	struct proc *up = x->parent >= 0 ? &e->d.a.p[x->parent] : NULL;

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
			va = side ? (qv ? qv : "") : pv;
			vb = side ? pv : (qv ? qv : "");
			name = strndup(p->env[i], nlen);
			if (!name)
				die_oom();
			struct proc *top = NULL, *from = up;

			for (struct proc *anc = up; anc && c < 0 && (anc->flags & D_ENV);
			     anc = anc->parent >= 0 ? &e->d.a.p[anc->parent] : NULL) {
				c = find_cause(e, CAUSE_ENV, name, va, vb);
				top = anc;
			}
			if (c < 0 && top && top->parent >= 0 &&
			    (e->d.a.p[top->parent].flags & D_CONTENT))
				from = &e->d.a.p[top->parent];	/* set where it started */
			if (c >= 0) {
				*changed |= cset_add(&x->weak, c);	/* inherited */
			} else if (from && (from->flags & D_CONTENT)) {
				*changed |= union_into(x, from);	/* set by a differing parent */
			} else {
				c = add_cause(e, CAUSE_ENV, name, va, vb, x);
				*changed |= add_to_set(x, c);
				x->rooted = true;
			}
			free(name);
		}
	}
}

static bool self_wrote(const struct run *r, uint64_t h, int self)
{
	size_t lo, hi;

	writers(r, h, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (r->w[i].proc == self)
			return true;
	return false;
}

static const char *fact_path(const struct fact *f)
{
	const char *t = strchr(f->key, '\t');

	return t ? t + 1 : f->key;
}

/* One pass over a matched pair's facts; returns whether sets grew. */
static bool visit_pair(struct engine *e, int ia, bool *behaviour)
{
	struct proc *x = &e->d.a.p[ia], *y = &e->d.b.p[x->match];
	struct proc *up = x->parent >= 0 ? &e->d.a.p[x->parent] : NULL;
	size_t i = 0, j = 0;
	bool changed = false;

	env_causes(e, x, y, &changed);
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
		if (f->side == OUT || f->side == BEHAVIOUR) {
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
			if (up && (up->flags & D_CONTENT)) {
				changed |= union_into(x, up);
			} else {
				const char *what = strchr(f->key, '\t') + 1;

				changed |= add_to_set(x, add_cause(e, CAUSE_ARGV, what, f->val,
								   g->val, x));
				x->rooted = true;
			}
			continue;
		}
		{
			const char *path = fact_path(f);
			uint64_t h = f->kind == CAUSE_LISTING ?
				hash_str(path, strlen(path)) ^ 1 : hash_str(path, strlen(path));

			if (self_wrote(&e->d.a, h, ia) || self_wrote(&e->d.b, h, x->match))
				continue;
			if (explained_by_writers(e, h, x, true, &changed))
				continue;
			changed |= add_to_set(x, add_cause(e, f->kind, path, f->val, g->val, x));
			x->rooted = true;
		}
	}
	return changed;
}

static void sort_facts(struct proc *p)
{
	if (p->nfacts > 1)
		qsort(p->facts, p->nfacts, sizeof(*p->facts), cmp_fact);
	/* the same key more than once (a file read twice, a path looked up
	 * again): one fact with the distinct values, so how often a process
	 * looked is not a difference, only what it found */
	char *last = p->nfacts ? xstrdup(p->facts[0].val) : NULL;	/* sorted: dups adjacent */

	for (size_t i = 1, o = 0; i <= p->nfacts; i++) {
		if (i < p->nfacts && !strcmp(p->facts[i].key, p->facts[o].key)) {
			if (strcmp(last, p->facts[i].val)) {
				char *v = xasprintf("%s | %s", p->facts[o].val, p->facts[i].val);

				free(p->facts[o].val);
				p->facts[o].val = v;
				free(last);
				last = xstrdup(p->facts[i].val);
			}
			free(p->facts[i].key);
			free(p->facts[i].val);
			continue;
		}
		if (i < p->nfacts) {
			free(last);
			last = xstrdup(p->facts[i].val);
		}
		if (i == p->nfacts) {
			p->nfacts = o + 1;
			break;
		}
		p->facts[++o] = p->facts[i];
	}
	free(last);
}

static void subtree_random(const struct run *r, int top, int i, char ***v, size_t *n)
{
	const struct proc *p = &r->p[i];

	for (size_t k = 0; k < p->nrandom; k++) {
		char *s = i == top ? xstrdup(p->random[k]) :
			xasprintf("%s (by %s %s)", p->random[k], p->id, p->exe);

		add_str(v, n, s);
		free(s);
	}
	for (size_t k = 0; k < p->nkids; k++)
		subtree_random(r, top, p->kids[k], v, n);
}

static void nondet_cause(struct engine *e, struct proc *x)
{
	int c = add_cause(e, CAUSE_NONDET, x->id, "", "", x);
	struct diff_cause *dc = &e->res->causes[c];

	/* pipes are not traced: what its children drew counts too */
	for (int side = 0; side < 2; side++) {
		struct run *r = side ? &e->d.b : &e->d.a;
		int top = side ? x->match : (int)(x - e->d.a.p);

		if (top >= 0)
			subtree_random(r, top, top, &dc->random, &dc->nrandom);
	}
	add_to_set(x, c);
	x->rooted = true;
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

				if (x->match >= 0 && (x->flags & D_LOAD))
					changed |= visit_pair(e, (int)i, &behaviour[i]);
				else if ((x->flags & D_ONLY) && x->parent >= 0)
					changed |= union_into(x, &a->p[x->parent]);
			}
			for (size_t i = 0; i < b->n; i++) {
				struct proc *y = &b->p[i];

				if ((y->flags & D_ONLY) && y->parent >= 0)
					changed |= union_into(y, owner(&e->d, b, y->parent));
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
			if (x->outputs_differ || behaviour[i] || kids_differ) {
				nondet_cause(e, x);
				added = true;
			}
		}
		if (!added)
			break;
	}
	free(behaviour);
}

static int cmp_state(const void *x, const void *y)
{
	return strcmp(((const struct state *)x)->path, ((const struct state *)y)->path);
}

static void add_output(struct diff_result *r, const char *path, const char *va,
		       const char *vb)
{
	r->outputs = xrealloc(r->outputs, (r->noutputs + 1) * sizeof(*r->outputs));
	r->outputs[r->noutputs++] = (struct diff_output){ xstrdup(path), xstrdup(va),
							  xstrdup(vb) };
}

static void reach(struct engine *e, const char *path)
{
	uint64_t h = hash_str(path, strlen(path));

	for (int side = 0; side < 2; side++) {
		struct run *r = side ? &e->d.b : &e->d.a;
		size_t lo, hi;

		writers(r, h, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			struct proc *w = owner(&e->d, r, r->w[i].proc);
			const struct cset *set = w->causes.count ? &w->causes : &w->weak;

			for (size_t k = 0; k < set->nw * 64; k++) {
				struct diff_cause *c;
				size_t before;

				if (!(set->w[k / 64] & (1ull << (k % 64))))
					continue;
				c = &e->res->causes[k];
				before = c->nreaches;

				add_str(&c->reaches, &c->nreaches, path);
				if (c->nreaches > before) {
					char *v = xasprintf("%s (%s)", w->id, *w->cmd ? w->cmd : w->exe);

					c->via = xrealloc(c->via, (c->nvia + 1) * sizeof(char *));
					c->via[c->nvia++] = v;
				}
			}
		}
	}
}

static void outputs(struct engine *e)
{
	struct run *a = &e->d.a, *b = &e->d.b;
	size_t i = 0, j = 0;

	if (a->nst > 1)
		qsort(a->st, a->nst, sizeof(*a->st), cmp_state);
	if (b->nst > 1)
		qsort(b->st, b->nst, sizeof(*b->st), cmp_state);
	while (i < a->nst || j < b->nst) {
		int c = i == a->nst ? 1 : j == b->nst ? -1 : strcmp(a->st[i].path, b->st[j].path);

		if (c == 0 && strcmp(a->st[i].val, b->st[j].val))
			add_output(e->res, a->st[i].path, a->st[i].val, b->st[j].val);
		else if (c < 0 && strcmp(a->st[i].val, "absent"))
			add_output(e->res, a->st[i].path, a->st[i].val, "");
		else if (c > 0 && strcmp(b->st[j].val, "absent"))
			add_output(e->res, b->st[j].path, "", b->st[j].val);
		i += c <= 0;
		j += c >= 0;
	}
	for (size_t k = 0; k < e->res->noutputs; k++)
		reach(e, e->res->outputs[k].path);
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

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct proc *p = &r->p[i];

		free(p->id);
		free(p->kids);
		free(p->key);
		free(p->exe);
		free(p->cmd);
		for (size_t k = 0; k < p->nfacts; k++) {
			free(p->facts[k].key);
			free(p->facts[k].val);
		}
		free(p->facts);
		free_strs(p->env, p->nenv);
		free(p->causes.w);
		free(p->weak.w);
		free_strs(p->random, p->nrandom);
	}
	free(r->p);
	free(r->w);
	for (size_t i = 0; i < r->nst; i++) {
		free(r->st[i].path);
		free(r->st[i].val);
	}
	free(r->st);
	free(r->digest);
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
			proc_ref(&r->p[i], &(*ret)[(*n)++]);
		}
	own_refs(*ret, *n);
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
	if (pass1(a, err) < 0 || pass1(b, err) < 0)
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
	qsort(a->w, a->nw, sizeof(*a->w), cmp_writer);
	qsort(b->w, b->nw, sizeof(*b->w), cmp_writer);
	match_pair(&e.d, 0, 0);
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
	if (pass2(a, err) < 0 || pass2(b, err) < 0)
		goto out;
	for (size_t i = 0; i < a->n; i++)
		sort_facts(&a->p[i]);
	for (size_t i = 0; i < b->n; i++)
		sort_facts(&b->p[i]);
	analyze(&e);
	outputs(&e);
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
	run_free(a);
	run_free(b);
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
		free_strs(c->random, c->nrandom);
		free_strs(c->reaches, c->nreaches);
		free_strs(c->via, c->nvia);
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
