// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the canonicalizer keeps a process's events between its passes
 * (see canon_priv.h): its chunks, copied from the spool in pass 1, and
 * its block, written by the key pass in output order; both after the
 * events in the spool file, through a write buffer and a read window.
 */
#include <errno.h>
#include <string.h>

#include "lib/util.h"
#include "tracer/canon_priv.h"

/*
 * The scratch area after the events: chunks and blocks are appended
 * through a buffer written out every SCRATCH_FLUSH bytes, and read back
 * from it while they are still there.
 */
#define SCRATCH_FLUSH (256u << 10)

/* A process's keys and its encoded block are kept for the next one up to
 * this size: a compiler's are ~0.5 MB, and growing them again from
 * nothing for each (fresh pages, copies at every doubling) was a
 * quarter of canonicalization.  Larger ones give their memory back. */
#define KEYS_KEEP (8u << 20)

/* A write to the spool failed (a full disk): said once, with its errno. */
static void write_failed(struct canon *c)
{
	if (!c->write_errno)
		c->write_errno = errno ? errno : EIO;
	c->bad = true;
}

void canon_scratch_flush(struct canon *c)
{
	if (c->wbuf.len && spool_pwrite(c->spool, c->wbuf_off, c->wbuf.p, c->wbuf.len) < 0)
		write_failed(c);
	c->wbuf_off += c->wbuf.len;
	c->wbuf.len = 0;
}

/* Where buf now is.  What does not fit the buffer is written at once
 * (the buffer does not grow to the largest process's block). */
uint64_t canon_scratch_append(struct canon *c, const void *buf, size_t len)
{
	uint64_t at;

	if (c->wbuf.len && c->wbuf.len + len > SCRATCH_FLUSH)
		canon_scratch_flush(c);
	if (len > SCRATCH_FLUSH) {
		at = c->wbuf_off;
		if (spool_pwrite(c->spool, at, buf, len) < 0)
			write_failed(c);
		c->wbuf_off += len;
		return at;
	}
	sbuf_add(&c->wbuf, buf, len);
	return c->wbuf_off + c->wbuf.len - len;
}

static void scratch_patch(struct canon *c, uint64_t off, const void *buf, size_t len)
{
	if (off >= c->wbuf_off && off - c->wbuf_off + len <= c->wbuf.len)
		memcpy(c->wbuf.p + (off - c->wbuf_off), buf, len);
	else if (off + len > c->wbuf_off)
		c->bad = true;
	else if (spool_pwrite(c->spool, off, buf, len) < 0)
		write_failed(c);
}

/* A buffer grown for one large process gives its memory back. */
void canon_trim(struct sbuf *b, size_t keep)
{
	if (b->cap > keep)
		sbuf_free(b);
}

/*
 * size bytes at off, valid until the next scratch call; NULL if they
 * cannot be read.  Reads go through a window: the key pass reads chunks
 * about in the order processes exited, which is the order they were
 * written in, so the window doubles while reads go on from where it
 * ended and halves when they jump.
 */
#define READ_AHEAD_MIN (4u << 10)
#define READ_AHEAD_MAX (256u << 10)

const char *canon_scratch_read(struct canon *c, uint64_t off, uint64_t size)
{
	uint64_t want;

	if (off >= c->wbuf_off)
		return off - c->wbuf_off + size <= c->wbuf.len ?
		       c->wbuf.p + (off - c->wbuf_off) : NULL;
	if (off + size > c->wbuf_off)
		return NULL;
	if (off >= c->rwin_off && off - c->rwin_off + size <= c->rbuf.len) {
		c->read_end = off + size;
		return c->rbuf.p + (off - c->rwin_off);
	}
	if (off >= c->read_end && off - c->read_end < READ_AHEAD_MIN) {
		if (c->ahead < READ_AHEAD_MAX)
			c->ahead *= 2;	/* on from the last read: in order */
	} else if (c->ahead > READ_AHEAD_MIN) {
		c->ahead /= 2;
	}
	if (c->ahead < READ_AHEAD_MIN)
		c->ahead = READ_AHEAD_MIN;
	want = size > c->ahead ? size : c->ahead;
	if (want > c->wbuf_off - off)
		want = c->wbuf_off - off;
	c->rbuf.len = 0;
	if (want <= READ_AHEAD_MAX)
		canon_trim(&c->rbuf, 2 * READ_AHEAD_MAX);
	sbuf_grow(&c->rbuf, want);
	if (spool_pread(c->spool, off, c->rbuf.p, want) < 0)
		return NULL;
	c->rbuf.len = want;
	c->rwin_off = off;
	c->read_end = off + size;
	return c->rbuf.p;
}

/* p's chunk so far to the spool's end, linked from its last one. */
void canon_spill(struct canon *c, struct cproc *p)
{
	struct chunk_hdr h = { 0 };
	uint64_t size = p->pend.len, at;

	if (size <= sizeof(h))
		return;
	if (size > UINT32_MAX) {
		c->bad = true;
		return;
	}
	h.len = (uint32_t)(size - sizeof(h));
	p->bytes += h.len;
	memcpy(p->pend.p, &h, sizeof(h));
	at = canon_scratch_append(c, p->pend.p, size);
	if (!p->head) {
		p->head = at;
		p->head_size = (uint32_t)size;
	} else {
		h.next = at;
		h.next_size = (uint32_t)size;
		scratch_patch(c, p->tail, &h, offsetof(struct chunk_hdr, len));
	}
	p->tail = at;
	p->pend.len = 0;
	canon_trim(&p->pend, CHUNK_MAX);
}

void canon_take_record(struct canon *c, struct cproc *p, const void *rec, size_t len,
		       bool last)
{
	if (!p->pend.len)
		sbuf_add(&p->pend, &(struct chunk_hdr){ 0 }, sizeof(struct chunk_hdr));
	sbuf_add(&p->pend, rec, len);
	if (p->pend.len >= CHUNK_MAX || last)
		canon_spill(c, p);
	if (last)
		sbuf_free(&p->pend);
}

/* Records into p's events; with kid, a spawn's aux becomes the child's
 * index (records are in capture order, so spawns in kids' order). */
static bool parse_records(struct canon *c, struct cproc *p, const char *buf, size_t len,
			  uint64_t *kid)
{
	while (len) {
		struct event ev;
		int64_t n = spool_parse_pooled(buf, len, &ev, &c->pool);

		if (n < 0)
			return false;
		if (kid && ev.kind == EV_SPAWN)
			ev.aux = (int64_t)(*kid)++;
		canon_add_event(p, &ev);
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* The key pass: one of a process's chunks into its events; at and size
 * move on to the next (at 0: none). */
bool canon_load_chunk(struct canon *c, struct cproc *p, uint64_t *at, uint32_t *size,
		      uint64_t *kid)
{
	struct chunk_hdr h;
	const char *buf;

	if (*size < sizeof(h) || !(buf = canon_scratch_read(c, *at, *size))) {
		c->bad = true;
		return false;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.len != *size - sizeof(h) || !parse_records(c, p, buf + sizeof(h), h.len, kid) ||
	    (h.next && h.next <= *at)) {	/* (chunks are only appended) */
		c->bad = true;
		return false;
	}
	*at = h.next;
	*size = h.next_size;
	return true;
}

/* All of them, in capture order. */
void canon_load_chunks(struct canon *c, struct cproc *p)
{
	uint64_t kid = 0, at = p->head;
	uint32_t size = p->head_size;

	while (at && canon_load_chunk(c, p, &at, &size, &kid))
		;
}

/* The block format is in canon_priv.h (ITEM_RECORD). */
void canon_store_order(struct canon *c, struct cproc *p)
{
	c->enc.len = 0;
	for (size_t i = 0; i < p->n; i++) {
		size_t at = c->enc.len;
		uint32_t word;

		sbuf_add(&c->enc, &(uint32_t){ 0 }, sizeof(word));
		if (c->kidx[i].plain)	/* the key text without its '\n' */
			sbuf_add(&c->enc, c->keys.p + c->kidx[i].off, c->kidx[i].len - 1);
		else
			spool_encode(&c->enc, &p->evs[c->kidx[i].index]);
		if (c->enc.len - at - sizeof(word) >= ITEM_RECORD) {
			c->bad = true;
			return;
		}
		word = (uint32_t)(c->enc.len - at - sizeof(word)) |
		       (c->kidx[i].plain ? 0 : ITEM_RECORD);
		memcpy(c->enc.p + at, &word, sizeof(word));
	}
	p->block = canon_scratch_append(c, c->enc.p, c->enc.len);
	p->block_len = c->enc.len;
	p->nblock = p->n;
	canon_trim(&c->enc, KEYS_KEEP);
	canon_trim(&c->keys, KEYS_KEEP);
}

