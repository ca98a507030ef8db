// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "tracer/canon_priv.h"

/* The order of a process's events in the canonical trace. */

/*
 * Changes to the filesystem (and execs) are barriers; between two of
 * them, a process's observations (probes, reads, listings, spawns,
 * failed execs, network and randomness) are sorted by content.  Their
 * order carries no meaning, and a parallel make's varies from run to run
 * (it stats each target when its job ends).
 */
bool canon_is_barrier(const struct event *ev)
{
	switch (ev->kind) {
	case EV_OPEN:
		return (ev->flags & (O_ACCMODE | O_CREAT | O_TRUNC)) != O_RDONLY &&
		       ev->result >= 0;
	case EV_PROBE:
	case EV_READDIR:
	case EV_SPAWN:
	case EV_EXEC_FAIL:
	case EV_NET:
	case EV_RANDOM:
		return false;
	case EV_EXEC:
	case EV_EXIT:
	case EV_WROTE:
	case EV_MKDIR:
	case EV_RMDIR:
	case EV_UNLINK:
	case EV_RENAME:
	case EV_LINK:
	case EV_SYMLINK:
	case EV_CHMOD:
	case EV_CHOWN:
	case EV_TRUNCATE:
	case EV_UTIMES:
	case EV_MKNOD:
	case EV_XATTR:
	case EV_CHDIR:
	case EV_UNTRACEABLE:
	case EV_VIOLATION:
	case EV_BEFORE:
	case EV_AFTER:
	case EV_KIND_MAX:
		break;
	}
	return true;
}


int canon_cmp_sortable(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	int r = strcmp(x->text, y->text);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * How often a process asks for randomness is itself random (mkstemp
 * rejection-samples and keeps leftover bits): each source is listed once,
 * just before the process's exit.
 */
static void gather_random(struct canon *c, struct cproc *p)
{
	struct event *src = NULL;
	size_t nsrc = 0, out = 0, exit_at;

	for (size_t i = 0; i < p->n; i++) {
		struct event *ev = &p->evs[i];
		bool dup = false;

		if (ev->kind != EV_RANDOM) {
			p->evs[out++] = *ev;
			continue;
		}
		for (size_t k = 0; k < nsrc && !dup; k++)
			dup = !strcmp(src[k].name ? src[k].name : "", ev->name ? ev->name : "") &&
			      !strcmp(src[k].path ? src[k].path : "", ev->path ? ev->path : "");
		if (dup) {
			event_clear(ev);
			continue;
		}
		src = xrealloc(src, (nsrc + 1) * sizeof(*src));
		src[nsrc++] = *ev;
	}
	p->n = out;
	if (!nsrc)
		return;
	exit_at = p->n && p->evs[p->n - 1].kind == EV_EXIT ? p->n - 1 : p->n;
	if (p->n + nsrc > p->cap) {
		p->cap = p->n + nsrc;
		p->evs = xrealloc(p->evs, p->cap * sizeof(*p->evs));
	}
	memmove(&p->evs[exit_at + nsrc], &p->evs[exit_at],
		(p->n - exit_at) * sizeof(*p->evs));
	memcpy(&p->evs[exit_at], src, nsrc * sizeof(*src));
	p->n += nsrc;
	free(src);
	(void)c;
}


/*
 * Threads: between two execs, each thread's events keep their order, but
 * how threads interleave is the scheduler's.  So the leader's events come
 * first, then each other thread's, the threads ordered by what they did.
 */
struct tgroup {
	pid_t tid;
	char *key;
};

static int cmp_tgroup(const void *a, const void *b)
{
	const struct tgroup *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* The process's own events: its leader's, and its exit (whichever
 * thread was last). */
bool canon_leader_event(const struct cproc *p, const struct event *ev)
{
	return ev->tid == p->pid || !ev->tid || ev->kind == EV_EXIT;
}

static void group_segment(struct canon *c, struct cproc *p, size_t lo, size_t hi)
{
	struct tgroup *g = NULL;
	struct event *out;
	size_t ng = 0, o = 0;

	for (size_t i = lo; i < hi; i++) {
		size_t k;

		if (canon_leader_event(p, &p->evs[i]))
			continue;
		for (k = 0; k < ng && g[k].tid != p->evs[i].tid; k++)
			;
		if (k == ng) {
			g = xrealloc(g, (ng + 1) * sizeof(*g));
			g[ng++] = (struct tgroup){ .tid = p->evs[i].tid };
		}
	}
	if (!ng)
		return;
	for (size_t k = 0; k < ng; k++) {
		struct sbuf b = { 0 };

		for (size_t i = lo; i < hi; i++)
			if (!canon_leader_event(p, &p->evs[i]) && p->evs[i].tid == g[k].tid) {
				canon_put_event(c, &b, p, &p->evs[i], true);
				sbuf_putc(&b, '\n');
			}
		sbuf_cstr(&b);
		g[k].key = b.p;
	}
	qsort(g, ng, sizeof(*g), cmp_tgroup);
	out = xcalloc(hi - lo, sizeof(*out));
	for (size_t i = lo; i < hi; i++)
		if (canon_leader_event(p, &p->evs[i]) && p->evs[i].kind != EV_EXIT)
			out[o++] = p->evs[i];
	for (size_t k = 0; k < ng; k++) {
		for (size_t i = lo; i < hi; i++)
			if (!canon_leader_event(p, &p->evs[i]) && p->evs[i].tid == g[k].tid)
				out[o++] = p->evs[i];
		free(g[k].key);
	}
	/* (the exit last: a thread's calls the tracer saw end after the
	 * leader's exit, as a raw clone's thread killed by exit_group's) */
	for (size_t i = lo; i < hi; i++)
		if (p->evs[i].kind == EV_EXIT)
			out[o++] = p->evs[i];
	memcpy(&p->evs[lo], out, (hi - lo) * sizeof(*out));
	free(out);
	free(g);
}

static void group_threads(struct canon *c, struct cproc *p)
{
	size_t lo = 0;

	for (size_t i = 0; i <= p->n; i++) {
		if (i == p->n || (p->evs[i].kind == EV_EXEC && i > lo)) {
			group_segment(c, p, lo, i);
			lo = i;
		}
	}
}

/*
 * A run's keys in byte order (strcmp's), equal ones by index: a
 * multikey quicksort (Bentley and Sedgewick) on eight bytes at a time,
 * held in each key's word, which partitions on the bytes from depth d
 * and so reads the bytes keys share once, not once a comparison: most
 * of a run's keys share long prefixes (every open's begins
 * {"kind":"open","path":"$SRC/...), and comparing them whole was a
 * fifth of canonicalization.  With a stack of its own, not recursion:
 * a build's keys decide how deep it goes.
 */
struct mkqs_task {
	struct keyed *k;
	size_t n, d;
	bool loaded;		/* the words hold the bytes from d */
};

/* Bytes d..d+7 of the key, big-endian, 0 past its end (its NUL). */
static uint64_t key_word(const char *text, const struct keyed *k, size_t d)
{
	const unsigned char *s = (const unsigned char *)text + k->off;
	uint64_t w = 0;

	if (d + 8 <= k->len) {
		memcpy(&w, s + d, 8);
		return __builtin_bswap64(w);
	}
	for (size_t i = d; i < d + 8; i++)
		w = w << 8 | (i < k->len ? s[i] : 0);
	return w;
}

static int cmp_index(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static void swap_keyed(struct keyed *a, struct keyed *b)
{
	struct keyed t = *a;

	*a = *b;
	*b = t;
}

/* Keys equal in their first d bytes, by strcmp from there (and index):
 * where the quicksort has done too much work already (below). */
struct from_depth {
	const char *text;
	size_t d;
};

static int cmp_from(const void *a, const void *b, void *arg)
{
	const struct keyed *x = a, *y = b;
	const struct from_depth *f = arg;
	int r = strcmp(f->text + x->off + f->d, f->text + y->off + f->d);

	return r ? r : (x->index > y->index) - (x->index < y->index);
}

/* The median of the first, middle and last words, moved to a[0]. */
static void pivot_first(struct keyed *a, size_t n)
{
	size_t m = n / 2, l = n - 1, p;
	uint64_t x = a[0].word, y = a[m].word, z = a[l].word;

	if (x < y)
		p = y < z ? m : x < z ? l : 0;
	else
		p = x < z ? 0 : y < z ? l : m;
	swap_keyed(&a[0], &a[p]);
}

static void sort_run(const char *text, struct keyed *k, size_t n)
{
	struct mkqs_task *stack = NULL;
	size_t depth = 0, cap = 0;
	/* (keys made to defeat the pivot could make partitioning quadratic:
	 * past this much of it, the rest goes to qsort, n log n) */
	uint64_t budget = 64 * (uint64_t)n + 4096;

	for (struct mkqs_task t = { k, n, 0, false };;) {
		if (t.n > 1 && t.n > budget) {
			struct from_depth f = { text, t.d };

			qsort_r(t.k, t.n, sizeof(*t.k), cmp_from, &f);
		} else if (t.n > 1) {
			struct keyed *a = t.k;
			size_t lt = 0, gt = t.n, i = 1;
			uint64_t v;

			budget -= t.n;
			if (!t.loaded)
				for (size_t j = 0; j < t.n; j++)
					a[j].word = key_word(text, &a[j], t.d);
			pivot_first(a, t.n);
			v = a[0].word;
			/* [0, lt): below v; [lt, i): v; [gt, n): above */
			while (i < gt) {
				if (a[i].word < v)
					swap_keyed(&a[lt++], &a[i++]);
				else if (a[i].word > v)
					swap_keyed(&a[i], &a[--gt]);
				else
					i++;
			}
			if (depth + 3 > cap) {
				cap = cap ? 2 * cap : 64;
				stack = xrealloc(stack, cap * sizeof(*stack));
			}
			stack[depth++] = (struct mkqs_task){ a, lt, t.d, true };
			stack[depth++] = (struct mkqs_task){ a + gt, t.n - gt, t.d, true };
			/* (keys that ended in these bytes are equal: by index) */
			if (v & 0xff)
				stack[depth++] = (struct mkqs_task){ a + lt, gt - lt, t.d + 8, false };
			else if (gt - lt > 1)
				qsort(a + lt, gt - lt, sizeof(*a), cmp_index);
		}
		if (!depth)
			break;
		t = stack[--depth];
	}
	free(stack);
}

void canon_sort_observations(struct canon *c, struct cproc *p)
{
	struct keyed *k;

	if (p->threaded)
		group_threads(c, p);
	if (p->random)
		gather_random(c, p);
	/* every event's key text, once: for the sort and for the digest */
	if (p->n > c->kcap) {
		c->kcap = p->n;
		c->kidx = xrealloc(c->kidx, c->kcap * sizeof(*c->kidx));
	}
	k = c->kidx;
	c->keys.len = 0;
	for (size_t j = 0; j < p->n; j++) {
		k[j].off = c->keys.len;
		k[j].index = j;
		k[j].barrier = canon_is_barrier(&p->evs[j]);
		c->keyed = false;
		canon_put_event(c, &c->keys, p, &p->evs[j], true);
		k[j].plain = !c->keyed;
		sbuf_add(&c->keys, "\n", 2);	/* a line in the digest; then a NUL */
		c->keys.p[c->keys.len - 1] = '\0';
		k[j].len = c->keys.len - 1 - k[j].off;
	}
	/* the keys sorted (the events stay where they are: k[].index says
	 * which comes where) */
	canon_sort_runs(c->keys.p, k, p->n);
}

void canon_sort_runs(const char *text, struct keyed *k, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && !k[j].barrier)
			j++;
		/* '\n' sorts below every byte a key holds (JSON escapes
		 * control characters): as if without it */
		if (j - i > 1)
			sort_run(text, &k[i], j - i);
		i = j + 1;
	}
}
