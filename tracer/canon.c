// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The canonicalizer.  Processes get logical ids from the process tree:
 * the command is "1", its children "1.1", "1.2", ... ordered by content
 * (executable, argv, cwd, then a digest of everything they and their
 * descendants did), never by pid or scheduling.  Host paths under the
 * roots become $SRC, $TMP, ...; names of temporary files under $TMP that
 * look random (mkstemp's XXXXXX) become numbered placeholders, numbered
 * in output order.  No pids, times or inode numbers are written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/util.h"
#include "tracer/canon.h"

#include "tracer/canon_priv.h"

/* --- building the tree --------------------------------------------- */

/* Pipes seen on exec'd processes' stdin and stdout.  Only those with both
 * ends in the build are named: a pipe on one side only carries nothing
 * the trace can follow (make gives jobs a broken pipe as stdin, and which
 * job gets it is a race). */
struct pipe_ends {
	uint32_t *in, *out;
	size_t nin, nout;
};

static void note_pipes(struct pipe_ends *e, const struct event *ev)
{
	uint32_t in = (uint32_t)((uint64_t)ev->aux >> 32), out = (uint32_t)ev->aux;

	if (in) {
		e->in = xrealloc(e->in, (e->nin + 1) * sizeof(*e->in));
		e->in[e->nin++] = in;
	}
	if (out) {
		e->out = xrealloc(e->out, (e->nout + 1) * sizeof(*e->out));
		e->out[e->nout++] = out;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void link_pipes(struct canon *c, struct pipe_ends *e)
{
	if (e->nout > 1)
		qsort(e->out, e->nout, sizeof(*e->out), cmp_u32);
	for (size_t i = 0; i < e->nin; i++)
		if (e->nout && bsearch(&e->in[i], e->out, e->nout, sizeof(*e->out), cmp_u32)) {
			c->linked = xrealloc(c->linked, (c->nlinked + 1) * sizeof(*c->linked));
			c->linked[c->nlinked++] = e->in[i];
		}
	if (c->nlinked > 1)
		qsort(c->linked, c->nlinked, sizeof(*c->linked), cmp_u32);
	free(e->in);
	free(e->out);
}

/* Whether a pipe has both ends in the build (link_pipes). */
bool canon_pipe_linked(const struct canon *c, uint32_t ino)
{
	return ino && c->nlinked &&
	       bsearch(&ino, c->linked, c->nlinked, sizeof(*c->linked), cmp_u32);
}

/* A new process, now the one its pid names (pids are reused): the pid
 * table's chains hold the newest first. */
static void add_proc(struct canon *c, struct cproc *p)
{
	if (c->nall == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->all = xrealloc(c->all, c->cap * sizeof(*c->all));
	}
	c->all[c->nall++] = p;
	if (c->nall > c->nbuckets) {
		free(c->by_pid);
		c->nbuckets = c->nbuckets ? c->nbuckets * 4 : 1024;
		c->by_pid = xcalloc(c->nbuckets, sizeof(*c->by_pid));
		for (size_t i = 0; i < c->nall - 1; i++) {
			struct cproc **slot = &c->by_pid[(unsigned)c->all[i]->pid & (c->nbuckets - 1)];

			c->all[i]->hnext = *slot;
			*slot = c->all[i];
		}
	}
	p->hnext = c->by_pid[(unsigned)p->pid & (c->nbuckets - 1)];
	c->by_pid[(unsigned)p->pid & (c->nbuckets - 1)] = p;
}

static void add_kid(struct cproc *parent, struct cproc *kid)
{
	if (parent->nkids == parent->kcap) {
		parent->kcap = parent->kcap ? parent->kcap * 2 : 4;
		parent->kids = xrealloc(parent->kids, parent->kcap * sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = kid;
	kid->parent = parent;
}

void canon_add_event(struct cproc *p, struct event *ev)
{
	p->threaded |= !canon_leader_event(p, ev);
	p->random |= ev->kind == EV_RANDOM;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->evs = xrealloc(p->evs, p->cap * sizeof(*p->evs));
	}
	p->evs[p->n++] = *ev;
	if (!ev->pooled)	/* (a pooled one owns nothing) */
		memset(ev, 0, sizeof(*ev));
}

/* The live process a pid names: the newest one. */
static struct cproc *live(struct canon *c, pid_t pid)
{
	struct cproc *p = c->nbuckets ? c->by_pid[(unsigned)pid & (c->nbuckets - 1)] : NULL;

	while (p && p->pid != pid)
		p = p->hnext;
	return p;
}

/* An event of a process: its record (len bytes at off) into p's chunk
 * (canon_store.c), and the temp names it creates. */
static void take_event(struct canon *c, struct cproc *p, struct event *ev,
		       uint64_t off, uint64_t len)
{
	const void *rec = spool_bytes_at(c->spool, off, len);

	if (!rec)
		c->bad = true;
	else
		canon_take_record(c, p, rec, len, ev->kind == EV_EXIT);
	canon_note_temp(c, ev);
	p->has_threads |= !canon_leader_event(p, ev);
	event_clear(ev);
}

static int load(struct canon *c, struct spool *spool, struct cproc ***ret_roots,
		size_t *ret_n, struct sr_error **err)
{
	struct cproc **roots = NULL;
	size_t nroots = 0;
	struct pipe_ends ends = { 0 };
	struct event ev;
	int r = 1;

	for (uint64_t i = 0, off = 0, len; i < spool->count; i++, off += len) {
		int64_t n = spool_peek_at(spool, off, &ev);
		struct cproc *p;

		if (n < 0) {
			r = -1;
			break;
		}
		len = (uint64_t)n;
		c->nevents++;
		if (ev.kind == EV_SPAWN) {
			struct cproc *kid = xcalloc(1, sizeof(*kid));

			kid->pid = ev.other;
			kid->parent_pid = ev.pid;
			add_proc(c, kid);
			if (ev.pid == c->opts->init_pid) {
				roots = xrealloc(roots, (nroots + 1) * sizeof(*roots));
				roots[nroots++] = kid;
				event_clear(&ev);
				continue;
			}
			p = live(c, ev.pid);
			if (p) {
				add_kid(p, kid);
				take_event(c, p, &ev, off, len);
			} else {
				event_clear(&ev);
			}
			continue;
		}
		if (ev.kind == EV_BEFORE || ev.kind == EV_AFTER) {
			canon_add_event(&c->states, &ev);
			continue;
		}
		p = live(c, ev.pid);
		if (!p) {
			event_clear(&ev);
			continue;
		}
		if (ev.kind == EV_EXEC && ev.aux)
			note_pipes(&ends, &ev);
		take_event(c, p, &ev, off, len);
	}
	for (size_t i = 0; i < c->nall; i++) {
		canon_spill(c, c->all[i]);
		sbuf_free(&c->all[i]->pend);
	}
	link_pipes(c, &ends);
	canon_sort_temps(c);
	if (r < 0 || c->bad) {
		free(roots);
		if (c->write_errno)
			return sr_error_make(err, SR_EXIT_FAILURE, c->write_errno,
					     "cannot write the trace spool in '%s'", spool->dir);
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
				     "the trace spool is corrupt");
	}
	*ret_roots = roots;
	*ret_n = nroots;
	return 0;
}

/* p's events freed; their array kept for the next process loaded (its
 * pages are faulted in once, not once a process), unless it is large
 * (memory follows one process's events only while they are loaded). */
#define SPARE_EVS_MAX 4096

void canon_unload_events(struct canon *c, struct cproc *p)
{
	for (size_t j = 0; j < p->n; j++)
		if (!p->evs[j].pooled)
			event_clear(&p->evs[j]);
	if (p->cap > c->spare_cap && p->cap <= SPARE_EVS_MAX) {
		free(c->spare_evs);
		c->spare_evs = p->evs;
		c->spare_cap = p->cap;
	} else {
		free(p->evs);
	}
	p->evs = NULL;
	p->n = p->cap = 0;
	p->threaded = p->random = false;
	strpool_reset(&c->pool);
}

/* The first part of a process's key: its first exec's executable, argv
 * and cwd. */
void canon_put_exec_key(struct canon *c, struct sbuf *key, const struct event *ex)
{
	canon_put_str(c, key, ex->path ? ex->path : "", true);
	canon_put_strv(c, key, "argv", ex->argv, true);
	canon_put_str(c, key, ex->path2 ? ex->path2 : "", true);
}

/* --- ordering ------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
	const struct cproc *x = *(struct cproc *const *)a;
	const struct cproc *y = *(struct cproc *const *)b;

	return strcmp(x->key, y->key);
}

static const struct event *first_exec(const struct cproc *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->evs[i].kind == EV_EXEC)
			return &p->evs[i];
	return NULL;
}

/*
 * A process's key: its first exec's executable, argv and cwd (readable
 * ordering), then a digest of all it and its subtree did (ties between
 * identical-looking siblings): its events as they will be written, in
 * their key form (which names its children by their keys).  Computed
 * bottom-up, one process's events in memory at a time.
 */
static void compute_key(struct canon *c, struct cproc *p)
{
	const struct event *ex;
	char hex[2 * DIGEST_MAX + 1];
	struct digest_ctx d;
	struct digest out;
	struct sbuf key = { 0 };

	for (size_t i = 0; i < p->nkids; i++)
		compute_key(c, p->kids[i]);
	if (!p->evs && c->spare_evs) {
		p->evs = c->spare_evs;
		p->cap = c->spare_cap;
		c->spare_evs = NULL;
		c->spare_cap = 0;
	}
	/* (XXH3-128: the key only orders siblings, so it need not resist a
	 * crafted collision, which would only leave two siblings in pid
	 * order; SHA-256 was a tenth of the canonicalizer's time) */
	digest_init(&d, DIGEST_XXH128);
	if (canon_streams(c, p)) {
		canon_stream_key(c, p, &d, &key);
		if (c->opts->on_disk)
			++*c->opts->on_disk;
	} else {
		canon_load_chunks(c, p);
		canon_sort_observations(c, p);
		for (size_t i = 0; i < p->n; i++)	/* one line per event */
			digest_update(&d, c->keys.p + c->kidx[i].off, c->kidx[i].len);
		ex = first_exec(p);
		if (ex)
			canon_put_exec_key(c, &key, ex);
		canon_store_order(c, p);
		canon_unload_events(c, p);
	}
	digest_final(&d, &out);
	digest_hex(&out, hex);
	sbuf_putc(&key, '|');
	sbuf_puts(&key, hex);
	/* (a copy its size: an sbuf has 256 bytes at least, and there is a
	 * key for every process until its parent is written) */
	p->key = xstrdup(sbuf_cstr(&key));
	sbuf_free(&key);
	p->sorted = xcalloc(p->nkids + 1, sizeof(*p->sorted));
	if (p->nkids)
		memcpy(p->sorted, p->kids, p->nkids * sizeof(*p->kids));
	if (p->nkids > 1)
		qsort(p->sorted, p->nkids, sizeof(*p->sorted), cmp_key);
}

static void assign_ids(struct cproc *p, const char *id)
{
	p->id = xstrdup(id);
	for (size_t i = 0; i < p->nkids; i++) {
		char *kid = xasprintf("%s.%zu", id, i + 1);

		assign_ids(p->sorted[i], kid);
		free(kid);
	}
}

/* Lines go to the output in blocks of about this size. */
#define LINES_FLUSH (64u << 10)

/* Pass 2: one item of p's block, a line. */
static void write_item(struct canon *c, struct cproc *p, struct sbuf *b,
		       const struct sbuf *prefix, uint32_t word, const char *buf)
{
	uint32_t len = word & ~ITEM_RECORD;

	sbuf_add(b, prefix->p, prefix->len);
	if (word & ITEM_RECORD) {
		struct event ev;

		strpool_reset(&c->line_pool);
		if (spool_parse_pooled(buf, len, &ev, &c->line_pool) != (int64_t)len ||
		    (ev.kind == EV_SPAWN && (uint64_t)ev.aux >= p->nkids)) {
			event_clear(&ev);
			c->bad = true;
			return;
		}
		canon_put_event(c, b, p, &ev, false);
		event_clear(&ev);
	} else {
		sbuf_add(b, buf, len);
	}
	sbuf_add(b, "}\n", 2);
	if (b->len >= LINES_FLUSH) {
		fwrite(b->p, 1, b->len, c->out);
		b->len = 0;
	}
}

/* A block is read this much at a time (a process's may be larger than
 * memory should hold). */
#define BLOCK_WINDOW (256u << 10)

/* Pass 2: p's lines, from its block. */
static void write_block(struct canon *c, struct cproc *p, struct sbuf *b,
			const struct sbuf *prefix)
{
	uint64_t at = p->block, end = p->block + p->block_len;

	while (at < end && !c->bad) {
		uint64_t want = end - at < BLOCK_WINDOW ? end - at : BLOCK_WINDOW, used = 0;
		const char *buf = canon_scratch_read(c, at, want);
		uint32_t word;

		if (!buf || want < sizeof(word)) {
			c->bad = true;
			return;
		}
		memcpy(&word, buf, sizeof(word));
		if (sizeof(word) + (word & ~ITEM_RECORD) > want) {	/* one larger item */
			want = sizeof(word) + (word & ~ITEM_RECORD);
			if (want > end - at || !(buf = canon_scratch_read(c, at, want))) {
				c->bad = true;
				return;
			}
		}
		/* the items wholly in the window */
		while (used + sizeof(word) <= want) {
			memcpy(&word, buf + used, sizeof(word));
			if (used + sizeof(word) + (word & ~ITEM_RECORD) > want)
				break;
			write_item(c, p, b, prefix, word, buf + used + sizeof(word));
			used += sizeof(word) + (word & ~ITEM_RECORD);
		}
		at += used;
	}
}

static uint64_t write_proc(struct canon *c, struct cproc *p)
{
	struct sbuf *b = &c->line, prefix = { 0 };
	uint64_t n = 1;

	c->nwritten += p->nblock;
	sbuf_puts(b, "{\"proc\":");
	json_put_string(b, p->id);
	if (p->parent) {
		sbuf_puts(b, ",\"parent\":");
		json_put_string(b, p->parent->id);
	}
	sbuf_add(b, "}\n", 2);
	sbuf_puts(&prefix, "{\"p\":");
	json_put_string(&prefix, p->id);
	sbuf_putc(&prefix, ',');
	write_block(c, p, b, &prefix);
	sbuf_free(&prefix);
	if (b->len >= LINES_FLUSH) {
		fwrite(b->p, 1, b->len, c->out);
		b->len = 0;
		canon_trim(b, 4 * LINES_FLUSH);
	}
	for (size_t i = 0; i < p->nkids; i++)
		n += write_proc(c, p->sorted[i]);
	return n;
}

/* States in canonical order: before then after, each by path. */
static uint64_t write_states(struct canon *c)
{
	struct sortable *v;
	size_t n = c->states.n;

	if (!n)
		return 0;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const struct event *ev = &c->states.evs[i];
		/* Every temp name has its number by now (the processes'
		 * events came first), so numbered paths are stable keys. */
		v[i].text = xasprintf("%d %s", ev->kind == EV_AFTER,
				      canon_str(c, ev->path, false));
		v[i].index = i;
	}
	qsort(v, n, sizeof(*v), canon_cmp_sortable);
	for (size_t i = 0; i < n; i++) {
		c->line.len = 0;
		canon_put_state(c, &c->line, &c->states.evs[v[i].index], false);
		sbuf_putc(&c->line, '\n');
		fwrite(c->line.p, 1, c->line.len, c->out);
		free(v[i].text);
	}
	free(v);
	return n;
}

/* A string of the header, roots rewritten (and temp names, with c). */
static void header_string(const struct canon_opts *o, FILE *out, struct canon *c,
			  const char *s)
{
	if (c) {
		c->line.len = 0;
		canon_put_str(c, &c->line, s, false);
		fwrite(c->line.p, 1, c->line.len, out);
		c->line.len = 0;
	} else {
		char *r = canon_rewrite_roots(o, s);

		json_write_string(out, r);
		free(r);
	}
}

static void write_header(const struct canon_opts *o, FILE *out,
			 struct canon *c)
{
	fprintf(out, "{\"format\":\"sandrun-trace\",\"version\":1,"
		"\"digest\":\"%s\",\"roots\":[", digest_algo_name(o->algo) );
	for (size_t i = 0; i < o->nroots; i++) {
		if (i)
			fputc(',', out);
		json_write_string(out, o->roots[i].name);
	}
	fputs("],\"command\":[", out);
	for (size_t i = 0; o->command && o->command[i]; i++) {
		if (i)
			fputc(',', out);
		header_string(o, out, c, o->command[i]);
	}
	fputc(']', out);
	if (o->nmounted) {
		fputs(",\"mounted\":[", out);
		for (size_t i = 0; i < o->nmounted; i++) {
			if (i)
				fputc(',', out);
			header_string(o, out, c, o->mounted[i]);
		}
		fputc(']', out);
	}
	fputs("}\n", out);
}

void canon_write_incomplete(const struct canon_opts *opts, FILE *out,
			    const char *reason)
{
	write_header(opts, out, NULL);
	fputs("{\"end\":\"incomplete\",\"reason\":", out);
	json_write_string(out, reason);
	fputs("}\n", out);
}

static void free_canon(struct canon *c)
{
	for (size_t i = 0; i < c->nall; i++) {
		struct cproc *p = c->all[i];

		for (size_t j = 0; j < p->n; j++)
			event_clear(&p->evs[j]);
		free(p->evs);
		sbuf_free(&p->pend);
		free(p->kids);
		free(p->sorted);
		free(p->key);
		free(p->id);
		free(p);
	}
	free(c->all);
	free(c->by_pid);
	for (size_t j = 0; j < c->states.n; j++)
		event_clear(&c->states.evs[j]);
	free(c->states.evs);
	strv_free(&c->temps);
	free(c->pipes);
	free(c->linked);
	strv_free(&c->temp_set);
	sbuf_free(&c->scratch);
	sbuf_free(&c->line);
	sbuf_free(&c->keys);
	sbuf_free(&c->rbuf);
	sbuf_free(&c->enc);
	sbuf_free(&c->wbuf);
	strpool_free(&c->pool);
	strpool_free(&c->line_pool);
	free(c->memo.tab);
	sbuf_free(&c->memo.text);
	sbuf_free(&c->memo.raw);
	free(c->kidx);
	free(c->spare_evs);
}

int canon_write(struct spool *spool, const struct canon_opts *opts, FILE *out,
		struct sr_error **err)
{
	struct canon c = { .opts = opts, .out = out, .spool = spool };
	struct cproc **roots = NULL;
	size_t nroots = 0;
	uint64_t nprocs = 0, events_end;
	struct stat st;
	int r;

	__fsetlocking(out, FSETLOCKING_BYCALLER);	/* one thread writes */
	if (spool_rewind(spool, err) < 0)
		return -1;
	/* the chunks and blocks go after the events */
	if (fstat(fileno(spool->f), &st) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read the spool");
	events_end = c.wbuf_off = (uint64_t)st.st_size;
	r = load(&c, spool, &roots, &nroots, err);
	if (r == 0) {
		uint64_t blocks;

		/* the events are all in chunks now, and the chunks will all
		 * be in blocks: at most twice the spool on disk, not three
		 * times (when it is large enough to matter, spool_discard) */
		spool_discard(spool, 0, events_end);
		canon_scratch_flush(&c);
		blocks = c.wbuf_off;
		/* The command is "1"; should pid 1 ever start more than one
		 * process, they are "2", "3", ... in content order. */
		for (size_t i = 0; i < nroots; i++)
			compute_key(&c, roots[i]);
		spool_discard(spool, events_end, blocks - events_end);
		if (nroots > 1)
			qsort(roots, nroots, sizeof(*roots), cmp_key);
		for (size_t i = 0; i < nroots; i++) {
			char id[32];

			snprintf(id, sizeof(id), "%zu", i + 1);
			assign_ids(roots[i], id);
			roots[i]->parent = NULL;
		}
		write_header(opts, out, &c);
		uint64_t nstates;

		for (size_t i = 0; i < nroots; i++)
			nprocs += write_proc(&c, roots[i]);
		fwrite(c.line.p, 1, c.line.len, out);
		c.line.len = 0;
		nstates = write_states(&c);
		if (c.write_errno)
			r = sr_error_make(err, SR_EXIT_FAILURE, c.write_errno,
					  "cannot write the trace spool in '%s'", spool->dir);
		else if (c.bad)
			r = sr_error_make(err, SR_EXIT_FAILURE, 0,
					  "the trace spool could not be read back");
		fprintf(out, "{\"end\":\"%s\",\"exit\":%d,\"processes\":%llu,"
			"\"events\":%llu,\"states\":%llu}\n", opts->end_status,
			opts->exit_code, (unsigned long long)nprocs,
			(unsigned long long)c.nwritten, (unsigned long long)nstates);
	}
	free(roots);
	free_canon(&c);
	return r;
}
