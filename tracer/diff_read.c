// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun diff`: reading the two runs (see diff_priv.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/sbuf.h"
#include "lib/util.h"
#include "tracer/diff_priv.h"
#include "tracer/fold.h"
#include "tracer/trace_read.h"

uint64_t diff_hash(const char *s, size_t len)
{
	return hash64(s, len);
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

void diff_add_str(char ***v, size_t *n, const char *s)
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
		"utimes", "mknod", "rename", "link", "symlink", "xattr",
	};

	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (ev[0] == evs[i][0] && !strcmp(ev, evs[i]))
			return true;
	return false;
}

/* (a process record is a line that starts so, in both passes alike:
 * a malformed line with a "proc" key among others is not one, or the
 * passes would count the processes apart) */
#define PROC_LINE "{\"proc\":"

struct diff_pass1 {
	struct run *r;
	bool proc;		/* the line wanted last is a process record */
};

/* Lines are hashed here, unparsed; only what pass 1 needs is parsed. */
static bool want1(const char *line, void *ctx)
{
	struct run *r = ((struct diff_pass1 *)ctx)->r;
	const char *rest, *ev;
	struct proc *p;

	((struct diff_pass1 *)ctx)->proc = str_has_prefix(line, PROC_LINE);
	if (str_has_prefix(line, PROC_LINE) || str_has_prefix(line, "{\"state\":"))
		return true;
	if (!str_has_prefix(line, "{\"p\":\"") || !r->n)
		return false;
	p = &r->p[r->n - 1];
	p->nev++;
	rest = strstr(line + 6, "\",");
	if (!rest)
		return true;	/* malformed: let the parser say so */
	rest += 2;
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
	/* (an open that made its file: a name in its directory) */
	if (str_has_prefix(ev, "open\""))
		return strstr(ev, ",new\"") != NULL;
	for (size_t i = 0; ev[i] && ev[i] != '"' && i < 16; i++)
		if (ev[i + 1] == '"') {
			char name[17];

			memcpy(name, ev, i + 1);
			name[i + 1] = '\0';
			return is_change(name);
		}
	return false;
}

/* An array element's string and its length ("" for one that is none). */
static const char *elem_str(const json_t *v, size_t *n)
{
	*n = json_string_value(v) ? json_string_length(v) : 0;
	return json_string_value(v) ? json_string_value(v) : "";
}

/* The strings of an array joined by '\n', a '\\' or '\n' in one written
 * "\\\\" or "\\n": text that is this array's alone.  (A plain string, as
 * trace_read.c cuts an environment out, has neither: the same text.) */
static char *join_lines(const json_t *arr)
{
	struct sbuf b = { 0 };
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		size_t n;
		const char *s = elem_str(v, &n);

		if (i)
			sbuf_putc(&b, '\n');
		for (size_t k = 0; k < n; k++)
			if (s[k] == '\\' || s[k] == '\n')
				sbuf_add(&b, s[k] == '\\' ? "\\\\" : "\\n", 2);
			else
				sbuf_putc(&b, s[k]);
	}
	sbuf_putc(&b, '\0');
	return b.p;
}

/* An argv as a shell reads it back: its words joined by ' ', each one
 * but of letters, digits and "-_./=:,+@%" quoted ('...', a "'" as
 * '\''), so that `cc "-O2 -g"` and `cc -O2 -g` read apart. */
static char *argv_text(const json_t *argv)
{
	struct sbuf b = { 0 };
	size_t i;
	json_t *v;

	json_array_foreach(argv, i, v) {
		size_t n;
		const char *s = elem_str(v, &n);
		bool bare = n > 0;

		for (size_t k = 0; k < n && bare; k++)
			bare = isalnum((unsigned char)s[k]) || strchr("-_./=:,+@%", s[k]);
		if (i)
			sbuf_putc(&b, ' ');
		if (bare) {
			sbuf_add(&b, s, n);
			continue;
		}
		sbuf_putc(&b, '\'');
		for (size_t k = 0; k < n; k++)
			if (s[k] == '\'')
				sbuf_add(&b, "'\\''", 4);
			else
				sbuf_putc(&b, s[k]);
		sbuf_putc(&b, '\'');
	}
	sbuf_putc(&b, '\0');
	return b.p;
}

/*
 * A change of path by proc, and of its directory's listing where it can
 * change the directory's names (names: a creation, removal, rename,
 * link; not a write into a file already there, such as ls's into the
 * d/list the shell created before running it, which does not explain
 * that ls's listing of d differs).  What: 1 the path, 2 the listing, 3
 * both.
 */
static void add_change(struct run *r, const char *path, uint64_t vh, int proc, int what)
{
	const char *slash = strrchr(path, '/');

	if (!*path)
		return;
	for (int k = 0; k < 2; k++) {
		if (!(what & (1 << k)))
			continue;
		if (r->nw == r->capw) {
			r->capw = r->capw ? 2 * r->capw : 256;
			r->w = xrealloc(r->w, r->capw * sizeof(*r->w));
		}
		/* the path, and its directory (for listings) */
		r->w[r->nw++] = (struct writer){
			k ? diff_hash(path, slash && slash != path ? (size_t)(slash - path) : 1) ^ 1
			  : diff_hash(path, strlen(path)), k ? VH_ANY : vh, proc, r->p[proc].nev };
	}
}

static void add_writer(struct run *r, const char *path, uint64_t vh, int proc)
{
	add_change(r, path, vh, proc, 3);
}

/* A pipeline: what a process writes to its stdout's pipe, the process
 * with that pipe on its stdin reads (the numbers are the run's own). */
static uint64_t pipe_key(const char *name)
{
	char *k = xasprintf("pipe\t%s", name);
	uint64_t h = diff_hash(k, strlen(k));

	free(k);
	return h;
}

static void exec_pipes(struct run *r, const json_t *rec, struct proc *p)
{
	const char *in = jstr(rec, "stdin"), *out = jstr(rec, "stdout");

	if (*in && !p->pipe_in)
		p->pipe_in = pipe_key(in);
	if (*out) {
		if (r->nw == r->capw) {
			r->capw = r->capw ? 2 * r->capw : 256;
			r->w = xrealloc(r->w, r->capw * sizeof(*r->w));
		}
		r->w[r->nw++] = (struct writer){ pipe_key(out), VH_ANY, (int)(p - r->p), p->nev };
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void argv_words(struct proc *p, const json_t *argv)
{
	size_t i;
	json_t *v;

	p->words = xcalloc(json_array_size(argv) + 1, sizeof(*p->words));
	json_array_foreach(argv, i, v) {
		const char *w = json_string_value(v) ? json_string_value(v) : "";

		p->words[p->nwords++] = (uint32_t)diff_hash(w, strlen(w));
	}
	if (p->nwords > 1)
		qsort(p->words, p->nwords, sizeof(*p->words), cmp_u32);
}

/* Processes come in tree order: a parent is the last one or one of its
 * ancestors (any earlier one in a trace written otherwise). */
static int find_parent(struct run *r, const char *id)
{
	for (int i = r->n ? (int)r->n - 1 : -1; i >= 0; i = r->p[i].parent)
		if (!strcmp(r->p[i].id, id))
			return i;
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

/* A content digest as a writer's vh: never VH_ANY or VH_NONE. */
uint64_t diff_content_hash(const char *digest, size_t len)
{
	return diff_hash(digest, len) | 2;
}

/* What content a change left at its path(s). */
static uint64_t content_hash(const char *digest)
{
	return *digest ? diff_content_hash(digest, strlen(digest)) : VH_ANY;
}

/* An extended attribute is an output of its file's, compared as a state
 * of its own: "PATH (xattr NAME)". */
static char *xattr_key(const json_t *rec)
{
	return xasprintf("%s (xattr %s)", jstr(rec, "path"), jstr(rec, "attr"));
}

static void add_state(struct run *r, char *path, bool before, char *val)
{
	if (r->nst == r->capst) {
		r->capst = r->capst ? 2 * r->capst : 64;
		r->st = xrealloc(r->st, r->capst * sizeof(*r->st));
	}
	r->st[r->nst] = (struct state){ path, val, before, r->nst };
	r->nst++;
}

static void change_writers(struct run *r, const json_t *rec, const char *ev, int proc)
{
	const char *after = jstr(json_object_get(rec, "after"), "digest");
	const char *path = jstr(rec, "path");

	if (!strcmp(ev, "xattr")) {
		char *key = xattr_key(rec);

		add_change(r, key, content_hash(jstr(rec, "digest")), proc, 1);
		/* (what it set last, or that it removed it, is its end) */
		if (!strcmp(jstr(rec, "res"), "ok") && *path)
			add_state(r, xstrdup(key), false, *jstr(rec, "digest") ?
				  xasprintf("xattr digest=%s", jstr(rec, "digest")) :
				  xstrdup("absent"));
		free(key);
	} else if (!strcmp(ev, "wrote"))
		add_change(r, path, content_hash(jstr(rec, "digest")), proc, 1);
	else if (!strcmp(ev, "rename") || !strcmp(ev, "link")) {
		add_writer(r, path, VH_NONE, proc);
		add_writer(r, jstr(rec, "to"), content_hash(after), proc);
	} else if (!strcmp(ev, "truncate"))
		add_change(r, path, content_hash(after), proc, 1);
	else if (!strcmp(ev, "mkdir") || !strcmp(ev, "symlink") || !strcmp(ev, "mknod"))
		add_writer(r, path, VH_ANY, proc);
	else if (!strcmp(ev, "unlink") || !strcmp(ev, "rmdir"))
		add_writer(r, path, VH_NONE, proc);
	else			/* chmod, chown, utimes: no name changes */
		add_change(r, path, VH_NONE, proc, 1);
}

/* A final state as one comparable string: "file mode=0644 size=3 digest=..." */
static char *state_string(const json_t *rec)
{
	json_t *size = json_object_get(rec, "size");
	char sz[32] = "";

	if (fold_state_unknown(rec))
		return xasprintf("unknown (%s)", jstr(rec, "res"));

	if (size)
		snprintf(sz, sizeof(sz), " size=%lld", (long long)json_integer_value(size));
	return xasprintf("%s%s%s%s%s%s%s%s", jstr(rec, "type"),
			 *jstr(rec, "perm") ? " mode=" : "", jstr(rec, "perm"), sz,
			 *jstr(rec, "digest") ? " digest=" : "", jstr(rec, "digest"),
			 *jstr(rec, "target") ? " target=" : "", jstr(rec, "target"));
}

int diff_pass1(struct run *r, struct sr_error **err)
{
	struct trace_reader tr;
	struct diff_pass1 ctx = { .r = r };
	json_t *rec;
	int k;

	if (trace_reopen(&tr, r->path, r->copy, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	r->digest = xstrdup(jstr(tr.header, "digest"));
	/* (an environment is only compared here: by its text; pass 2 reads
	 * the variables of processes that differ) */
	tr.cut = "\"env\":";
	while ((k = trace_next_if(&tr, want1, &ctx, &rec, err)) > 0) {
		struct proc *p;
		const char *ev = "";

		if (k == 2)
			continue;
		if (ctx.proc) {
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
			const char *why;

			/* (checked as fold does: "middle" is no state; one the
			 * tracer could not take is compared as its errno) */
			if (!fold_state_unknown(rec) && !fold_state_ok(rec, r->digest, &why)) {
				k = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: bad state "
						  "record: %s", r->path, tr.line, why);
				json_decref(rec);
				break;
			}
			add_state(r, xstrdup(jstr(rec, "path")),
				  !strcmp(jstr(rec, "state"), "before"), state_string(rec));
		} else if (r->n && !strcmp(ev = jstr(rec, "ev"), "exec")) {
			json_t *argv = json_object_get(rec, "argv");
			char *a = argv_text(argv);
			char *e = tr.cut_done ? NULL : join_lines(json_object_get(rec, "env"));
			char *line = xasprintf("exec\n%s\n%s\n%s\n%s\n%s\n%s\n%s", jstr(rec, "path"),
					       a, jstr(rec, "cwd"), jstr(rec, "digest"),
					       jstr(rec, "interp"), jstr(rec, "loader"),
					       jstr(rec, "loader_digest"));

			p = &r->p[r->n - 1];
			mix(p->h, line, strlen(line));
			/* (the same text either way, cut out or parsed) */
			if (e)
				mix(p->he, e, strlen(e));
			else
				mix(p->he, tr.cut_text.p ? tr.cut_text.p : "", tr.cut_text.len);
			exec_pipes(r, rec, p);
			if (!p->has_exec) {
				p->has_exec = true;
				free(p->key);
				free(p->exe);
				free(p->cmd);
				p->key = xasprintf("%s\n%s\n%s", jstr(rec, "path"), a, jstr(rec, "cwd"));
				p->exe = xstrdup(jstr(rec, "path"));
				p->cmd = argv_text(argv);
				argv_words(p, argv);
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
			diff_add_str(&p->random, &p->nrandom, src);
			free(line);
			free(src);
		} else if (r->n && is_change(ev)) {
			change_writers(r, rec, ev, (int)r->n - 1);
		} else if (r->n && !strcmp(ev, "open") && strstr(jstr(rec, "mode"), ",new")) {
			/* (a name made: its content is its wrote's) */
			add_change(r, jstr(rec, "path"), VH_ANY, (int)r->n - 1, 2);
		}
		json_decref(rec);
	}
	if (k == 0)
		k = trace_require_complete(&tr, "nothing to compare", err);
	if (k == 0)
		r->exit = (int)json_integer_value(json_object_get(tr.end, "exit"));
	trace_close(&tr);
	return k < 0 ? -1 : 0;
}

/* --- matching ------------------------------------------------------- */


static bool same_exe(const struct proc *x, const struct proc *y)
{
	return !strcmp(x->exe, y->exe);
}

/* How many argv words two processes share (both sorted). */
static size_t common_words(const struct proc *x, const struct proc *y)
{
	size_t i = 0, j = 0, n = 0;

	while (i < x->nwords && j < y->nwords) {
		if (x->words[i] == y->words[j]) {
			n++;
			i++;
			j++;
		} else if (x->words[i] < y->words[j]) {
			i++;
		} else {
			j++;
		}
	}
	return n;
}

/* Siblings looked at on each side of a process's own position when
 * argvs differ: they are in canonical order (by argv), so a partner is
 * near, shifted by what was added or removed before it. */
#define MATCH_RADIUS 256

static size_t best_by_words(struct diff *d, struct proc *pa, struct proc *pb,
			    size_t i, const struct proc *x)
{
	size_t mid = pa->nkids ? i * pb->nkids / pa->nkids : 0;
	size_t lo = mid > MATCH_RADIUS ? mid - MATCH_RADIUS : 0;
	size_t hi = mid + MATCH_RADIUS < pb->nkids ? mid + MATCH_RADIUS : pb->nkids;
	size_t best = SIZE_MAX, best_score = 0;

	for (int wide = 0; wide < 2 && best == SIZE_MAX; wide++) {
		if (wide) {	/* nothing near: anywhere */
			lo = 0;
			hi = pb->nkids;
		}
		for (size_t j = lo; j < hi; j++) {
			struct proc *y = &d->b.p[pb->kids[j]];
			size_t score;

			if (y->match >= 0 || !same_exe(x, y))
				continue;
			score = common_words(x, y) + 1;
			if (score > best_score) {
				best_score = score;
				best = j;
			}
		}
	}
	return best;
}

/* Siblings: same first exec (path, argv, cwd); then same executable, the
 * one with the most argv words in common (a target added on one side
 * does not shift the pairs); then the rest in order. */
static void match_kids(struct diff *d, struct proc *pa, struct proc *pb)
{
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < pa->nkids; i++) {
			struct proc *x = &d->a.p[pa->kids[i]];
			size_t best = SIZE_MAX;

			if (x->match >= 0)
				continue;
			if (pass == 1) {
				best = best_by_words(d, pa, pb, i, x);
			} else {
				for (size_t j = 0; j < pb->nkids && best == SIZE_MAX; j++) {
					struct proc *y = &d->b.p[pb->kids[j]];

					if (y->match < 0 &&
					    ((pass == 0 && !strcmp(x->key, y->key)) ||
					     (pass == 2 && !x->has_exec && !y->has_exec)))
						best = j;
				}
			}
			if (best != SIZE_MAX)
				diff_match(d, pa->kids[i], pb->kids[best]);
		}
}

void diff_match(struct diff *d, int ia, int ib)
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

struct diff_pass2 {
	struct run *r;
	size_t cur;		/* proc records seen */
	bool proc;		/* the line wanted last is one */
};

static bool want2(const char *line, void *ctx)
{
	struct diff_pass2 *c = ctx;

	c->proc = str_has_prefix(line, PROC_LINE);
	if (c->proc)
		return true;
	if (!str_has_prefix(line, "{\"p\":\"") || !c->cur)
		return false;
	c->r->p[c->cur - 1].nev++;	/* (as pass 1 counts them) */
	return c->r->p[c->cur - 1].flags & D_LOAD;
}

static void add_fact(struct proc *p, enum fact_side side, enum cause_kind kind,
		     char *key, char *val)
{
	p->facts = xrealloc(p->facts, (p->nfacts + 1) * sizeof(*p->facts));
	p->facts[p->nfacts++] = (struct fact){ side, kind, key, val, p->nev };
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
			 argv_text(json_object_get(rec, "argv")));
		add_fact(p, IN, CAUSE_ARGV, xasprintf("exec#%u\tcwd", n), xstrdup(jstr(rec, "cwd")));
		/* running a program reads it (a #! script's: its
		 * interpreter, which reads the script) */
		if (*jstr(rec, "digest"))
			add_fact(p, IN, CAUSE_CONTENT, xasprintf("read\t%s", *jstr(rec, "interp") ?
								 jstr(rec, "interp") : path),
				 join3("ok", "file", jstr(rec, "digest")));
		/* and its loader */
		if (*jstr(rec, "loader"))
			add_fact(p, IN, CAUSE_CONTENT, xasprintf("read\t%s", jstr(rec, "loader")),
				 join3("ok", "file", jstr(rec, "loader_digest")));
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
		free(p->status);
		p->status = json_object_get(rec, "signal") ? xstrdup(jstr(rec, "signal")) :
			    xasprintf("%lld", (long long)json_integer_value(
					      json_object_get(rec, "status")));
		add_fact(p, OUT, CAUSE_CONTENT, xstrdup("exit\t"), xstrdup(p->status));
	} else if (!strcmp(ev, "xattr")) {
		/* an attribute set or removed: the file's, an output (the
		 * value by its digest; none for a removal) */
		char *key = xattr_key(rec);

		add_fact(p, OUT, CAUSE_CONTENT, xasprintf("xattr\t%s", key),
			 join3(res, jstr(rec, "call"), jstr(rec, "digest")));
		free(key);
	} else if (is_change(ev)) {
		char *after;

		if ((!strcmp(ev, "rename") || !strcmp(ev, "link")) && !strcmp(res, "ok")) {
			/* moving data reads it: what it moved came from its writer */
			json_t *a = json_object_get(rec, "after");

			add_fact(p, IN, CAUSE_CONTENT, xasprintf("read\t%s", path),
				 join3("ok", jstr(a, "type"), jstr(a, "digest")));
		}
		after = json_dumps(json_object_get(rec, "after"), JSON_COMPACT);

		add_fact(p, OUT, CAUSE_CONTENT, xasprintf("%s\t%s%s%s", ev, path,
							  *jstr(rec, "to") ? " -> " : "",
							  jstr(rec, "to")),
			 xasprintf("%s %s", res, after ? after : ""));
		free(after);
	} else if (!strcmp(ev, "spawn")) {
		/* children are compared on their own */
	} else {
		/* open for writing, chdir, untraceable, ...: what it did.  A
		 * creating open's "new" (the file was not there) is the
		 * state the run started from, an input, not what the
		 * process did: a file an earlier build left is found on one
		 * side only, not nondeterminism. */
		json_t *copy = NULL;
		char *all;

		/* an open for reading and writing reads too (objtool and
		 * strip rewrite their .o in place): the content it found
		 * is an input, from its writer, unless the open emptied it */
		if (!strcmp(ev, "open") && !strncmp(mode, "rw", 2) && !strstr(mode, ",trunc") &&
		    !strstr(mode, ",new") && !strstr(mode, ",tmpfile")) {
			add_fact(p, IN, strcmp(res, "ok") ? CAUSE_FOUND : CAUSE_CONTENT,
				 xasprintf("read\t%s", path),
				 join3(res, jstr(rec, "type"), jstr(rec, "digest")));
			if ((copy = json_deep_copy(rec)) != NULL)
				json_object_del(copy, "digest");
		}
		if (!strcmp(ev, "open") && strstr(mode, ",create")) {
			const char *nw = strstr(mode, ",new");

			add_fact(p, IN, CAUSE_FOUND, xasprintf("exists\t%s", path),
				 xstrdup(nw ? "ENOENT" : "ok"));
			if (nw && (copy = json_deep_copy(rec)) != NULL) {
				char *m = xasprintf("%.*s%s", (int)(nw - mode), mode, nw + 4);

				json_object_set_new(copy, "mode", json_string(m));
				free(m);
			}
		}
		all = json_dumps(copy ? copy : rec, JSON_COMPACT | JSON_SORT_KEYS);
		add_fact(p, BEHAVIOUR, CAUSE_CONTENT, xasprintf("%s\t%s", ev, path),
			 xstrdup(all ? all : ""));
		free(all);
		json_decref(copy);
	}
}

int diff_pass2(struct run *r, struct sr_error **err)
{
	struct trace_reader tr;
	struct diff_pass2 ctx = { .r = r };
	unsigned nexec = 0;
	json_t *rec;
	int k;

	if (trace_reopen(&tr, r->path, r->copy, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	for (size_t i = 0; i < r->n; i++)
		r->p[i].nev = 0;	/* (counted again, as pass 1 did) */
	while ((k = trace_next_if(&tr, want2, &ctx, &rec, err)) > 0) {
		if (k == 2)
			continue;
		if (ctx.proc && ctx.cur == r->n) {	/* (more than pass 1 read) */
			json_decref(rec);
			k = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
					  "'%s' changed while it was read", r->path);
			break;
		}
		if (ctx.proc) {
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

static int cmp_fact(const void *x, const void *y)
{
	const struct fact *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c ? c : strcmp(a->val, b->val);	/* equal values adjacent */
}

void diff_sort_facts(struct proc *p)
{
	if (p->nfacts > 1)
		qsort(p->facts, p->nfacts, sizeof(*p->facts), cmp_fact);
	/* the same key more than once (a file read twice, a path looked up
	 * again): one fact with the distinct values, so how often a process
	 * looked is not a difference, only what it found */
	char *last = p->nfacts ? xstrdup(p->facts[0].val) : NULL;	/* sorted: dups adjacent */

	for (size_t i = 1, o = 0; i <= p->nfacts; i++) {
		if (i < p->nfacts && !strcmp(p->facts[i].key, p->facts[o].key)) {
			if (p->facts[i].seq < p->facts[o].seq)
				p->facts[o].seq = p->facts[i].seq;
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

static int cmp_writer(const void *x, const void *y)
{
	const struct writer *a = x, *b = y;

	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->proc - b->proc;
}

void diff_index_writers(struct run *r)
{
	if (r->nw > 1)
		qsort(r->w, r->nw, sizeof(*r->w), cmp_writer);
}

/* The writers with key h (a path's, a directory's, a content's): [lo, hi). */
void diff_writers(const struct writer *w, size_t n, uint64_t h, size_t *lo, size_t *hi)
{
	size_t l = 0, u = n;

	while (l < u) {
		size_t m = (l + u) / 2;

		if (w[m].h < h)
			l = m + 1;
		else
			u = m;
	}
	*lo = l;
	while (l < n && w[l].h == h)
		l++;
	*hi = l;
}

void diff_free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void diff_run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct proc *p = &r->p[i];

		free(p->id);
		free(p->kids);
		free(p->key);
		free(p->exe);
		free(p->cmd);
		free(p->status);
		free(p->words);
		for (size_t k = 0; k < p->nfacts; k++) {
			free(p->facts[k].key);
			free(p->facts[k].val);
		}
		free(p->facts);
		diff_free_strs(p->env, p->nenv);
		free(p->causes.w);
		free(p->weak.w);
		free(p->links);
		diff_free_strs(p->random, p->nrandom);
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
