/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CANON_PRIV_H
#define SR_CANON_PRIV_H

/* The canonicalizer's insides, shared by canon.c (tree, keys, output),
 * canon_json.c (events and states as JSON), canon_names.c (roots, temp
 * names), canon_order.c (event order) and canon_store.c (events between
 * the passes). */
#include <stdbool.h>
#include <stdio.h>

#include "lib/sbuf.h"
#include "lib/util.h"
#include "tracer/canon.h"
#include "tracer/event.h"
#include "tracer/spool.h"

/*
 * The canonicalizer never holds more than one process's events.  Pass 1
 * reads the spool in order for the tree and the temp names, and copies
 * each process's records into chunks of its own at the spool's end
 * (buffered while it runs; memory follows the processes alive at once).
 * Keys are then computed bottom-up: each process's chunks read back,
 * its events ordered and digested as they will be written, and written
 * once more, in that order, as one block; pass 2 reads each block, a
 * window at a time, to write it.  A process with more records than the
 * buffer (canon_opts.buffer) is not even held whole (canon_stream.c).
 * So memory follows the number of processes, not of events, and each
 * process's events come back in one or a few reads.
 */
#define CHUNK_MAX (16u << 10)	/* records a chunk holds, about */
struct chunk_hdr {		/* then `len` bytes of records */
	uint64_t next;		/* the next chunk's offset, 0 at the end */
	uint32_t next_size;	/* and its size, header included */
	uint32_t len;
};

struct cproc {
	pid_t pid;
	pid_t parent_pid;
	struct event *evs;	/* pass 2: loaded while it is written */
	size_t n, cap;
	bool threaded;		/* evs has another thread's events */
	bool random;		/* evs has randomness events */
	struct sbuf pend;	/* pass 1: its chunk being filled (a header,
				 * then records) */
	uint64_t head, tail;	/* its chunks, 0: none */
	uint32_t head_size;
	uint64_t bytes;		/* of records in them */
	bool has_threads;	/* pass 1 saw another thread's events */
	uint64_t block, block_len;	/* the key pass's block: its events
					 * in output order, for pass 2 */
	uint64_t nblock;		/* how many */
	struct cproc **kids;	/* in spawn order: EV_SPAWN's aux indexes it */
	struct cproc **sorted;	/* in content order: ids and output */
	size_t nkids, kcap;
	struct cproc *parent;
	struct cproc *hnext;	/* the next in its pid chain */
	char *key;		/* sort key among siblings */
	char *id;		/* logical id */
};

/*
 * put_strv's memo (canon.c): an argv's or environment's JSON by its
 * strings.  Builds run most programs with one environment, and a
 * process's argv is put twice (its exec's key text and its key), and it
 * is most of the rewriting and escaping there is.  Arrays with a temp
 * name in them, whose text depends on when it is put, are not kept.
 */
struct strv_memo {
	struct memo_ent {
		uint64_t hash;
		size_t raw, raw_len;	/* the strings, NUL-ended, in text */
		size_t json_len;	/* then the JSON, at raw + raw_len */
		bool for_key;
	} *tab;			/* MEMO_SLOTS, open addressing; raw_len 0: free */
	size_t used;
	struct sbuf text;	/* reset when full (MEMO_TEXT_MAX) */
	struct sbuf raw;	/* the array being looked up */
};

struct canon {
	const struct canon_opts *opts;
	struct cproc **all;
	size_t nall, cap;
	struct cproc **by_pid;		/* chains by pid, newest first */
	size_t nbuckets;		/* a power of 2, at least nall */
	struct strv temps;		/* real temp names, in numbering order */
	struct strv temp_set;		/* temp names, sorted for bsearch */
	uint32_t *pipes;		/* pipe inodes, in numbering order */
	size_t npipes;
	uint32_t *linked;		/* pipes with both ends in the build, sorted */
	size_t nlinked;
	struct cproc states;		/* EV_BEFORE and EV_AFTER, any order */
	uint64_t nevents;
	uint64_t nwritten;
	FILE *out;
	struct spool *spool;
	struct sbuf wbuf;		/* chunks and blocks not yet written */
	uint64_t wbuf_off;		/* where they go in the spool */
	struct sbuf rbuf;		/* a window of chunks and blocks read back */
	uint64_t rwin_off;		/* where it starts */
	uint64_t ahead;			/* how much a window reads */
	uint64_t read_end;		/* where the last read ended */
	struct sbuf enc;		/* a block being encoded */
	bool keyed;			/* the event just put differs in its
					 * key form (a child, temp or pipe) */
	bool bad;			/* the spool could not be read back */
	int write_errno;		/* or written: why */
	struct sbuf scratch;		/* canon_str()'s result */
	struct sbuf line;		/* an output line */
	struct sbuf keys;		/* a process's events' key texts */
	struct keyed *kidx;		/* and where each is, in output order */
	struct strv_memo memo;
	struct strpool pool;		/* the loaded process's events' strings */
	struct strpool line_pool;	/* a record's being written (pass 2) */
	bool temp_put;			/* canon_str() numbered a temp name */
	struct event *spare_evs;	/* an events array to reuse, spare_cap long */
	size_t spare_cap;
	size_t kcap;
};

/* An event's key text in canon.keys: text + '\n' at off, len bytes,
 * then a NUL; index: the event's place in evs (sorting permutes these,
 * not the events). */
struct keyed {
	size_t off, len, index;
	uint64_t word;		/* the sort's (canon_order.c) */
	bool plain;		/* written as its key text */
	bool barrier;		/* canon_is_barrier() */
	uint32_t ilen;		/* canon_stream.c: the record after the
				 * key's NUL, if not plain */
};

struct sortable {
	char *text;
	size_t index;
	struct event ev;
};

/* An event appended to p's (taken: ev is zeroed, but a pooled one, which
 * owns nothing). */
void canon_add_event(struct cproc *p, struct event *ev);

/* canon_store.c: chunks and blocks after the spool's events. */
void canon_take_record(struct canon *c, struct cproc *p, const void *rec, size_t len,
		       bool last);
void canon_spill(struct canon *c, struct cproc *p);
void canon_load_chunks(struct canon *c, struct cproc *p);
/* One chunk (the first at p->head, p->head_size) appended to p's events,
 * kid counting its spawns; at and size then say the next (at 0: none).
 * False (and c->bad) if it cannot be read. */
bool canon_load_chunk(struct canon *c, struct cproc *p, uint64_t *at, uint32_t *size,
		      uint64_t *kid);
/* len bytes to the end of the scratch area: where they are.  Appends
 * follow each other (a block may be appended in parts). */
uint64_t canon_scratch_append(struct canon *c, const void *buf, size_t len);
/*
 * After the key pass ordered p's events (fewer when randomness sources
 * were merged): its block, the events in that order for pass 2.  Most
 * events are written as their key text says (no child, temp name or
 * pipe in them): those are kept as that text, the others as records to
 * be written in pass 2, which numbers temp names and pipes in output
 * order.  An item: a 32-bit length (the top bit set for a record), then
 * its bytes.
 */
#define ITEM_RECORD (1u << 31)
void canon_store_order(struct canon *c, struct cproc *p);
void canon_scratch_flush(struct canon *c);
/* size bytes at off, valid until the next scratch call; NULL if they
 * cannot be read. */
const char *canon_scratch_read(struct canon *c, uint64_t off, uint64_t size);
/* A buffer grown past keep bytes (for one large process) is freed. */
void canon_trim(struct sbuf *b, size_t keep);

char *canon_rewrite_roots(const struct canon_opts *o, const char *s);
/* The same, appended to out; true if a root named $TMP was put. */
bool canon_put_rooted(const struct canon_opts *o, struct sbuf *out, const char *s);
void canon_note_temp(struct canon *c, const struct event *ev);
/* s as written: roots and temp names rewritten; valid until the next call. */
const char *canon_str(struct canon *c, const char *s, bool for_key);
/* Sort the names canon_note_temp() collected; once, after pass 1. */
void canon_sort_temps(struct canon *c);

/* canon_json.c: the JSON of a string, an argv or environment (,"key":[...]),
 * an event's members, a path's state record. */
void canon_put_str(struct canon *c, struct sbuf *b, const char *s, bool for_key);
void canon_put_strv(struct canon *c, struct sbuf *b, const char *key, char **v,
		    bool for_key);
void canon_put_event(struct canon *c, struct sbuf *b, const struct cproc *p,
		     const struct event *ev, bool for_key);
void canon_put_state(struct canon *c, struct sbuf *b, const struct event *ev,
		     bool for_key);
/* canon.c: p's events freed (their array kept for the next process,
 * unless large), its string pool reset. */
void canon_unload_events(struct canon *c, struct cproc *p);
/* The first part of a process's key, from its first exec. */
void canon_put_exec_key(struct canon *c, struct sbuf *key, const struct event *ex);
/* canon.c: whether a pipe has both ends in the build (named in traces). */
bool canon_pipe_linked(const struct canon *c, uint32_t ino);
int canon_cmp_sortable(const void *a, const void *b);
bool canon_is_barrier(const struct event *ev);
bool canon_leader_event(const struct cproc *p, const struct event *ev);
/* Order p's events: c->kidx then lists them in output order, each with
 * its place in p->evs (which are not moved) and its key text in
 * c->keys. */
void canon_sort_observations(struct canon *c, struct cproc *p);
/* k[0..n) sorted run by run (the barriers stay where they are). */
void canon_sort_runs(const char *text, struct keyed *k, size_t n);

/*
 * canon_stream.c: the key pass of a process with more records than the
 * buffer holds (canon_opts.buffer), without holding its events: read a
 * chunk at a time, its runs sorted in pieces that fit the buffer and
 * spilled after the blocks, merged back as its block is written.  Its
 * block and digest (d) are those of the in-memory pass; key gets its
 * first exec's part.  A threaded process's events are grouped by thread
 * on the way, as group_threads does, held back in pieces by thread.
 */
bool canon_streams(const struct canon *c, const struct cproc *p);
void canon_stream_key(struct canon *c, struct cproc *p, struct digest_ctx *d,
		      struct sbuf *key);

#endif
