// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The key pass of a process too large to hold (canon_priv.h), an
 * external merge sort.  Its chunks are read one at a time and each event
 * put in its key form, as in memory; when the key texts reach the buffer,
 * the runs among them (the events between two barriers) are sorted and
 * written out as a piece, after the blocks.  A run that goes on past a
 * piece's end is sorted in parts, one a piece.  Then the pieces are read
 * back in order, each run's parts merged, and each event goes to the
 * digest and to the process's block as canon_store_order() would have
 * put it: so the trace is the same byte for byte, and memory follows the
 * buffer, not the process's events.
 *
 * A piece is a series of entries: a 32-bit word, the key's length (its
 * '\n' included) with ENTRY_BARRIER for a barrier, a 32-bit record
 * length (0: the event is written as its key says), the key, the record.
 *
 * A threaded process's events are first put in the order
 * canon_order.c's group_threads gives them: in each exec's part, its
 * leader's as they come, then each other thread's, the threads in the
 * order of all their key texts.  The other threads' events are held back
 * (their key texts and records, in the same entries) up to the buffer,
 * then written out in pieces sorted by thread, so that a thread's events
 * are a range in each piece; at the exec's end the threads are sorted by
 * reading their ranges' keys side by side, and their events read back,
 * thread by thread, into the pass as above.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "tracer/canon_priv.h"

#define ENTRY_BARRIER (1u << 31)
#define ENTRY_HEAD 8u

/* The block goes to the scratch area in parts about this large. */
#define BLOCK_PART (256u << 10)

struct piece {
	uint64_t off, len;	/* its entries, in the scratch area */
	uint64_t head_end;	/* where its first barrier is (len: none) */
	uint64_t tail_off;	/* where its last run starts (0: no barrier) */
	bool cont;		/* its first run goes on from the piece before */
};

struct stream {
	struct canon *c;
	struct cproc *p;
	struct digest_ctx *d;
	size_t buffer;
	size_t n;		/* entries in c->kidx */
	size_t index;		/* events put so far */
	struct piece *pieces;
	size_t npieces;
	bool cont;		/* the next piece goes on with a run */
	struct event *random;	/* randomness sources, owned (gather_random) */
	size_t nrandom;
	struct sbuf exit_rec;	/* an exit held back: randomness goes before
				 * a process's last event if it is its exit */
	uint64_t block, block_len, nblock;
	bool block_started;
	/* a threaded process (group_threads): the other threads' events of
	 * the exec's part being read, held in tbuf (entries as in a piece,
	 * tents their threads), then in ranges of pieces, by thread */
	bool threaded, part_begun;
	struct sbuf tbuf;
	struct tent {
		pid_t tid;
		uint32_t seq;	/* its place in the part */
		size_t off;	/* its entry in tbuf */
	} *tents;
	size_t ntents, tents_cap;
	struct trange {
		pid_t tid;
		uint32_t first;	/* its first event's seq */
		uint64_t off, len;
	} *ranges;
	size_t nranges, ranges_cap;
	uint32_t seq;
};

bool canon_streams(const struct canon *c, const struct cproc *p)
{
	size_t buffer = c->opts->buffer ? c->opts->buffer : CANON_BUFFER;

	return p->bytes > buffer;
}

/* --- the pieces ----------------------------------------------------- */

/* c->kidx's entries sorted and written out as a piece. */
static void spill(struct stream *s)
{
	struct canon *c = s->c;
	struct piece pc = { .cont = s->cont };
	uint64_t at = 0;

	if (!s->n)
		return;
	canon_sort_runs(c->keys.p, c->kidx, s->n);
	pc.head_end = UINT64_MAX;
	for (size_t i = 0; i < s->n; i++) {
		const struct keyed *k = &c->kidx[i];
		uint32_t head[2] = { (uint32_t)k->len | (k->barrier ? ENTRY_BARRIER : 0), k->ilen };
		uint64_t where = canon_scratch_append(c, head, sizeof(head));

		if (!i)
			pc.off = where;
		canon_scratch_append(c, c->keys.p + k->off, k->len);
		if (k->ilen)
			canon_scratch_append(c, c->keys.p + k->off + k->len + 1, k->ilen);
		at = where + ENTRY_HEAD + k->len + k->ilen - pc.off;
		if (k->barrier) {
			if (pc.head_end == UINT64_MAX)
				pc.head_end = where - pc.off;
			pc.tail_off = at;
		}
	}
	pc.len = at;
	if (pc.head_end == UINT64_MAX)
		pc.head_end = pc.len;
	s->cont = !c->kidx[s->n - 1].barrier;
	s->pieces = xrealloc(s->pieces, (s->npieces + 1) * sizeof(*s->pieces));
	s->pieces[s->npieces++] = pc;
	s->n = 0;
	c->keys.len = 0;
}

/* An event in its key form, into the buffer. */
static void put(struct stream *s, const struct event *ev)
{
	struct canon *c = s->c;
	struct keyed *k;
	size_t off = c->keys.len;

	if (s->n == c->kcap) {
		c->kcap = c->kcap ? 2 * c->kcap : 1024;
		c->kidx = xrealloc(c->kidx, c->kcap * sizeof(*c->kidx));
	}
	k = &c->kidx[s->n++];
	c->keyed = false;
	canon_put_event(c, &c->keys, s->p, ev, true);
	sbuf_add(&c->keys, "\n", 2);	/* a line in the digest; then a NUL */
	*k = (struct keyed){ .off = off, .len = c->keys.len - 1 - off, .index = s->index++,
			     .plain = !c->keyed, .barrier = canon_is_barrier(ev) };
	if (!k->plain) {
		size_t rec = c->keys.len;

		spool_encode(&c->keys, ev);
		if (c->keys.len - rec >= ITEM_RECORD)
			c->bad = true;
		k->ilen = (uint32_t)(c->keys.len - rec);
	}
	if (k->len >= ENTRY_BARRIER)
		c->bad = true;
	if (c->keys.len >= s->buffer)
		spill(s);
}

/* An event held past the chunk it came in: its record, parsed back. */
static void put_held(struct stream *s, const struct sbuf *rec)
{
	struct event ev;

	if (spool_parse(rec->p, rec->len, &ev) != (int64_t)rec->len) {
		s->c->bad = true;
		return;
	}
	put(s, &ev);
	event_clear(&ev);
}

/* Randomness: each source once, kept for the end (gather_random). */
static void take_random(struct stream *s, const struct event *ev)
{
	struct sbuf rec = { 0 };

	for (size_t k = 0; k < s->nrandom; k++)
		if (!strcmp(s->random[k].name ? s->random[k].name : "", ev->name ? ev->name : "") &&
		    !strcmp(s->random[k].path ? s->random[k].path : "", ev->path ? ev->path : ""))
			return;
	spool_encode(&rec, ev);
	s->random = xrealloc(s->random, (s->nrandom + 1) * sizeof(*s->random));
	if (spool_parse(rec.p, rec.len, &s->random[s->nrandom]) != (int64_t)rec.len)
		s->c->bad = true;
	else
		s->nrandom++;
	sbuf_free(&rec);
}

static void take(struct stream *s, const struct event *ev, struct sbuf *key)
{
	if (ev->kind == EV_EXEC && !key->len)
		canon_put_exec_key(s->c, key, ev);
	if (ev->kind == EV_RANDOM) {
		take_random(s, ev);
		return;
	}
	if (s->exit_rec.len) {
		put_held(s, &s->exit_rec);
		s->exit_rec.len = 0;
	}
	if (ev->kind == EV_EXIT)
		spool_encode(&s->exit_rec, ev);
	else
		put(s, ev);
}

/* --- reading them back ---------------------------------------------- */

/* A part of a run, or a stretch of entries, read in order. */
struct cursor {
	uint64_t at, end;	/* what is left of it in the scratch area */
	struct sbuf buf;	/* read ahead, from buf_at */
	uint64_t buf_at;
	size_t ahead;		/* how much a read asks for */
	const char *key, *rec;	/* its entry: valid until the next */
	uint32_t klen, ilen;
	size_t frag;		/* its place among the merged (ties) */
};

/* The cursor's next entry; false at its end or if it cannot be read. */
static bool cursor_next(struct canon *c, struct cursor *u)
{
	uint32_t head[2];
	uint64_t need;

	if (u->at >= u->end)
		return false;
	need = ENTRY_HEAD;
	for (int pass = 0; pass < 2; pass++) {
		if (u->at < u->buf_at || u->at + need > u->buf_at + u->buf.len) {
			uint64_t want = need > u->ahead ? need : u->ahead;

			if (want > u->end - u->at)
				want = u->end - u->at;
			if (want < need) {
				c->bad = true;
				return false;
			}
			u->buf.len = 0;
			sbuf_grow(&u->buf, want);
			if (spool_pread(c->spool, u->at, u->buf.p, want) < 0) {
				c->bad = true;
				return false;
			}
			u->buf.len = want;
			u->buf_at = u->at;
		}
		if (!pass) {
			memcpy(head, u->buf.p + (u->at - u->buf_at), sizeof(head));
			u->klen = head[0] & ~ENTRY_BARRIER;
			u->ilen = head[1];
			need = ENTRY_HEAD + (uint64_t)u->klen + u->ilen;
		}
	}
	if (!u->klen) {
		c->bad = true;
		return false;
	}
	u->key = u->buf.p + (u->at - u->buf_at) + ENTRY_HEAD;
	u->rec = u->key + u->klen;
	u->at += need;
	return true;
}

/* An event, in output order: to the digest and the block. */
static void emit(struct stream *s, const char *key, uint32_t klen, const char *rec,
		 uint32_t ilen)
{
	struct canon *c = s->c;
	uint32_t word = ilen ? ilen | ITEM_RECORD : klen - 1;

	digest_update(s->d, key, klen);
	sbuf_add(&c->enc, &word, sizeof(word));
	if (ilen)
		sbuf_add(&c->enc, rec, ilen);
	else
		sbuf_add(&c->enc, key, klen - 1);	/* (without its '\n') */
	s->nblock++;
	if (c->enc.len >= BLOCK_PART) {
		uint64_t at = canon_scratch_append(c, c->enc.p, c->enc.len);

		if (!s->block_started)
			s->block = at;
		s->block_started = true;
		s->block_len += c->enc.len;
		c->enc.len = 0;
	}
}

/* Entries [at, end) as they are. */
static void copy(struct stream *s, uint64_t at, uint64_t end)
{
	struct cursor u = { .at = at, .end = end, .ahead = BLOCK_PART };

	while (cursor_next(s->c, &u))
		emit(s, u.key, u.klen, u.rec, u.ilen);
	sbuf_free(&u.buf);
}

/* Whether a's entry goes before b's: by key, then by which part it is
 * in (the parts are in capture order, and sorted by index within). */
static bool before(const struct cursor *a, const struct cursor *b)
{
	uint32_t n = a->klen < b->klen ? a->klen : b->klen;
	int r = memcmp(a->key, b->key, n);

	if (!r)
		r = (a->klen > b->klen) - (a->klen < b->klen);
	return r ? r < 0 : a->frag < b->frag;
}

static void sift_down(struct cursor **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && before(h[l], h[m]))
			m = l;
		if (l + 1 < n && before(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct cursor *t = h[i];

		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The parts of one run, [at[i], end[i]) each, merged. */
static void merge(struct stream *s, const uint64_t *at, const uint64_t *end, size_t n)
{
	struct cursor *u = xcalloc(n, sizeof(*u));
	struct cursor **h = xcalloc(n, sizeof(*h));
	size_t nh = 0, ahead = s->buffer / n;

	if (ahead < 4096)
		ahead = 4096;
	for (size_t i = 0; i < n; i++) {
		u[i] = (struct cursor){ .at = at[i], .end = end[i], .ahead = ahead, .frag = i };
		if (cursor_next(s->c, &u[i]))
			h[nh++] = &u[i];
	}
	for (size_t i = nh / 2; i-- > 0;)
		sift_down(h, nh, i);
	while (nh) {
		emit(s, h[0]->key, h[0]->klen, h[0]->rec, h[0]->ilen);
		if (!cursor_next(s->c, h[0]))
			h[0] = h[--nh];
		sift_down(h, nh, 0);
	}
	for (size_t i = 0; i < n; i++)
		sbuf_free(&u[i].buf);
	free(u);
	free(h);
}

/* The pieces, back in order: a run that goes on from one piece to the
 * next is merged from its parts, the rest copied. */
static void unspill(struct stream *s)
{
	const struct piece *pc = s->pieces;
	uint64_t *at = NULL, *end = NULL;
	size_t n = s->npieces, cap = 0;
	uint64_t pos = n ? pc[0].off : 0;

	for (size_t i = 0; i < n && !s->c->bad;) {
		bool joins = i + 1 < n && pc[i + 1].cont;
		size_t nf = 0, j;

		if (!joins) {
			copy(s, pos, pc[i].off + pc[i].len);
			if (++i < n)
				pos = pc[i].off;
			continue;
		}
		if (pc[i].tail_off)
			copy(s, pos, pc[i].off + pc[i].tail_off);
		/* the run's parts: this piece's tail, the next ones whole
		 * while the run goes on past them, then the last one's head */
		for (j = i;; j++) {
			uint64_t lo = j == i ? pc[j].off + pc[j].tail_off : pc[j].off;
			uint64_t hi = j == i ? pc[j].off + pc[j].len : pc[j].off + pc[j].head_end;

			if (j == i && lo < pos)
				lo = pos;
			if (nf == cap) {
				cap = cap ? 2 * cap : 8;
				at = xrealloc(at, cap * sizeof(*at));
				end = xrealloc(end, cap * sizeof(*end));
			}
			at[nf] = lo;
			end[nf++] = hi;
			if (j > i && (pc[j].head_end < pc[j].len || j + 1 >= n || !pc[j + 1].cont))
				break;
		}
		merge(s, at, end, nf);
		i = j;
		pos = pc[j].off + pc[j].head_end;
	}
	free(at);
	free(end);
}

/* --- threads ------------------------------------------------------- */

static void spill_held(struct stream *s);

/* A held event's last byte, after its record: what put() would take of
 * it, so that it goes in without being parsed and put again; or
 * HELD_EVENT, for one take() looks at (an exec, randomness, an exit). */
#define HELD_PLAIN 1
#define HELD_BARRIER 2
#define HELD_EVENT 4

/* Another thread's event, held back: its key text (as group_segment
 * reads it, and as put() would), its record and the byte above. */
static void hold(struct stream *s, const struct event *ev)
{
	uint32_t head[2];
	size_t off = s->tbuf.len, k;
	char fl;

	sbuf_add(&s->tbuf, (uint32_t[2]){ 0, 0 }, sizeof(head));
	k = s->tbuf.len;
	s->c->keyed = false;
	canon_put_event(s->c, &s->tbuf, s->p, ev, true);
	fl = (char)((s->c->keyed ? 0 : HELD_PLAIN) | (canon_is_barrier(ev) ? HELD_BARRIER : 0) |
		    (ev->kind == EV_EXEC || ev->kind == EV_RANDOM || ev->kind == EV_EXIT ?
		     HELD_EVENT : 0));
	sbuf_putc(&s->tbuf, '\n');
	head[0] = (uint32_t)(s->tbuf.len - k);
	k = s->tbuf.len;
	spool_encode(&s->tbuf, ev);
	sbuf_putc(&s->tbuf, fl);
	head[1] = (uint32_t)(s->tbuf.len - k);
	if (head[0] >= ENTRY_BARRIER || head[1] >= ITEM_RECORD)
		s->c->bad = true;
	memcpy(s->tbuf.p + off, head, sizeof(head));
	if (s->ntents == s->tents_cap) {
		s->tents_cap = s->tents_cap ? 2 * s->tents_cap : 1024;
		s->tents = xrealloc(s->tents, s->tents_cap * sizeof(*s->tents));
	}
	s->tents[s->ntents++] = (struct tent){ .tid = ev->tid, .seq = s->seq++, .off = off };
	if (s->tbuf.len >= s->buffer)
		spill_held(s);
}

static int cmp_tent(const void *a, const void *b)
{
	const struct tent *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The held events out, as a piece sorted by thread: a range a thread. */
static void spill_held(struct stream *s)
{
	if (!s->ntents)
		return;
	qsort(s->tents, s->ntents, sizeof(*s->tents), cmp_tent);
	for (size_t i = 0, j; i < s->ntents; i = j) {
		struct trange r = { .tid = s->tents[i].tid, .first = s->tents[i].seq };

		for (j = i; j < s->ntents && s->tents[j].tid == r.tid; j++) {
			const char *e = s->tbuf.p + s->tents[j].off;
			uint32_t head[2];
			uint64_t at;

			memcpy(head, e, sizeof(head));
			at = canon_scratch_append(s->c, e, ENTRY_HEAD + (size_t)head[0] + head[1]);
			if (j == i)
				r.off = at;
			r.len += ENTRY_HEAD + (uint64_t)head[0] + head[1];
		}
		if (s->nranges == s->ranges_cap) {
			s->ranges_cap = s->ranges_cap ? 2 * s->ranges_cap : 64;
			s->ranges = xrealloc(s->ranges, s->ranges_cap * sizeof(*s->ranges));
		}
		s->ranges[s->nranges++] = r;
	}
	s->ntents = 0;
	s->tbuf.len = 0;
}

/* A thread of the part: its ranges (indexes into s->ranges, in piece
 * order) and its first event's place. */
struct tthread {
	size_t *r, nr;
	uint32_t first;
};

/* A thread's key texts, read in order. */
struct tkey {
	struct stream *s;
	const struct tthread *t;
	size_t ri;		/* its next range */
	struct cursor u;
	const char *p;		/* what is left of the entry's key */
	size_t left;
};

static bool tkey_more(struct tkey *k)
{
	while (!k->left) {
		if (k->u.end && cursor_next(k->s->c, &k->u)) {
			k->p = k->u.key;
			k->left = k->u.klen;
		} else if (k->ri < k->t->nr && !k->s->c->bad) {
			const struct trange *r = &k->s->ranges[k->t->r[k->ri++]];

			k->u.at = r->off;
			k->u.end = r->off + r->len;
		} else {
			return false;
		}
	}
	return true;
}

/* Two threads by all their key texts (strcmp's order: none holds a
 * NUL), then by which came first. */
static int cmp_tthread(const void *a, const void *b, void *arg)
{
	const struct tthread *x = a, *y = b;
	struct tkey kx = { .s = arg, .t = x, .u.ahead = 4096 };
	struct tkey ky = { .s = arg, .t = y, .u.ahead = 4096 };
	int r = 0;

	for (;;) {
		bool mx = tkey_more(&kx), my = tkey_more(&ky);
		size_t n;

		if (!mx || !my) {
			r = mx - my;
			break;
		}
		n = kx.left < ky.left ? kx.left : ky.left;
		r = memcmp(kx.p, ky.p, n);
		if (r)
			break;
		kx.p += n, kx.left -= n;
		ky.p += n, ky.left -= n;
	}
	sbuf_free(&kx.u.buf);
	sbuf_free(&ky.u.buf);
	return r ? r : (x->first > y->first) - (x->first < y->first);
}

static int cmp_range_tid(const void *a, const void *b, void *arg)
{
	const struct trange *r = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (r[x].tid != r[y].tid)
		return r[x].tid < r[y].tid ? -1 : 1;
	return (x > y) - (x < y);
}

/* A held event into the pass, as take() would put it. */
static void take_held(struct stream *s, const char *key, uint32_t klen, const char *rec,
		      uint32_t ilen, struct sbuf *sk)
{
	struct canon *c = s->c;
	char fl = rec[ilen - 1];
	struct keyed *k;
	size_t off;

	if (fl & HELD_EVENT) {
		struct event ev;

		if (spool_parse(rec, ilen - 1, &ev) != (int64_t)ilen - 1) {
			c->bad = true;
			return;
		}
		take(s, &ev, sk);
		event_clear(&ev);
		return;
	}
	/* (an exit held stays held: it comes after the threads', as
	 * group_segment puts it) */
	if (s->n == c->kcap) {
		c->kcap = c->kcap ? 2 * c->kcap : 1024;
		c->kidx = xrealloc(c->kidx, c->kcap * sizeof(*c->kidx));
	}
	off = c->keys.len;
	sbuf_add(&c->keys, key, klen);
	sbuf_add(&c->keys, "", 1);
	k = &c->kidx[s->n++];
	*k = (struct keyed){ .off = off, .len = klen, .index = s->index++,
			     .plain = fl & HELD_PLAIN, .barrier = fl & HELD_BARRIER };
	if (!k->plain) {
		sbuf_add(&c->keys, rec, ilen - 1);
		k->ilen = ilen - 1;
	}
	if (c->keys.len >= s->buffer)
		spill(s);
}

/* The exec's part ended: its other threads' events, thread by thread,
 * into the pass after its leader's. */
static void flush_threads(struct stream *s, struct sbuf *key)
{
	struct canon *c = s->c;
	struct tthread *t = NULL;
	size_t *order, nt = 0;

	spill_held(s);
	if (!s->nranges)
		return;
	canon_scratch_flush(c);	/* (the cursors read the file) */
	order = xcalloc(s->nranges, sizeof(*order));
	for (size_t i = 0; i < s->nranges; i++)
		order[i] = i;
	qsort_r(order, s->nranges, sizeof(*order), cmp_range_tid, s->ranges);
	for (size_t i = 0, j; i < s->nranges; i = j) {
		for (j = i; j < s->nranges && s->ranges[order[j]].tid == s->ranges[order[i]].tid; j++)
			;
		t = xrealloc(t, (nt + 1) * sizeof(*t));
		t[nt++] = (struct tthread){ .r = &order[i], .nr = j - i,
					    .first = s->ranges[order[i]].first };
	}
	qsort_r(t, nt, sizeof(*t), cmp_tthread, s);
	for (size_t k = 0; k < nt && !c->bad; k++) {
		for (size_t i = 0; i < t[k].nr && !c->bad; i++) {
			const struct trange *r = &s->ranges[t[k].r[i]];
			struct cursor u = { .at = r->off, .end = r->off + r->len, .ahead = BLOCK_PART };

			while (cursor_next(c, &u) && !c->bad) {
				if (!u.ilen) {
					c->bad = true;
					break;
				}
				take_held(s, u.key, u.klen, u.rec, u.ilen, key);
			}
			sbuf_free(&u.buf);
		}
	}
	free(t);
	free(order);
	s->nranges = 0;
	s->seq = 0;
}

/* An event in the order group_threads gives a threaded process's. */
static void take_grouped(struct stream *s, const struct event *ev, struct sbuf *key)
{
	if (ev->kind == EV_EXEC && s->part_begun)
		flush_threads(s, key);
	s->part_begun = true;
	if (canon_leader_event(s->p, ev))
		take(s, ev, key);
	else
		hold(s, ev);
}

/* --- the pass ------------------------------------------------------- */

void canon_stream_key(struct canon *c, struct cproc *p, struct digest_ctx *d,
		      struct sbuf *key)
{
	struct stream s = { .c = c, .p = p, .d = d };
	uint64_t kid = 0, at = p->head, lo, hi;
	uint32_t size = p->head_size;

	s.buffer = c->opts->buffer ? c->opts->buffer : CANON_BUFFER;
	s.threaded = p->has_threads;
	c->keys.len = 0;
	canon_scratch_flush(c);
	lo = c->wbuf_off;
	while (at && !c->bad) {
		if (!canon_load_chunk(c, p, &at, &size, &kid))
			break;
		for (size_t i = 0; i < p->n; i++) {
			if (s.threaded)
				take_grouped(&s, &p->evs[i], key);
			else
				take(&s, &p->evs[i], key);
		}
		canon_unload_events(c, p);
		if (c->spare_evs) {	/* (its array again, for the next) */
			p->evs = c->spare_evs;
			p->cap = c->spare_cap;
			c->spare_evs = NULL;
			c->spare_cap = 0;
		}
	}
	if (s.threaded)
		flush_threads(&s, key);
	sbuf_free(&s.tbuf);
	free(s.tents);
	free(s.ranges);
	for (size_t k = 0; k < s.nrandom; k++) {
		put(&s, &s.random[k]);
		event_clear(&s.random[k]);
	}
	free(s.random);
	if (s.exit_rec.len)
		put_held(&s, &s.exit_rec);
	sbuf_free(&s.exit_rec);
	spill(&s);
	/* the pieces are read back from the file; the block goes after */
	canon_scratch_flush(c);
	hi = c->wbuf_off;
	c->enc.len = 0;
	unspill(&s);
	if (c->enc.len || !s.block_started) {
		uint64_t where = canon_scratch_append(c, c->enc.p, c->enc.len);

		if (!s.block_started)
			s.block = where;
		s.block_len += c->enc.len;
	}
	canon_scratch_flush(c);	/* (pass 2 reads a block whole, from the file) */
	p->block = s.block;
	p->block_len = s.block_len;
	p->nblock = s.nblock;
	spool_discard(c->spool, lo, hi - lo);
	canon_unload_events(c, p);	/* (its array back to the spare) */
	free(s.pieces);
	c->enc.len = 0;
	canon_trim(&c->enc, 2 * BLOCK_PART);
	canon_trim(&c->keys, 2 * s.buffer);
}
