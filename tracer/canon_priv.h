/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CANON_PRIV_H
#define SR_CANON_PRIV_H

/* The canonicalizer's insides, shared by canon.c (tree, keys, output),
 * canon_names.c (roots, temp names) and canon_order.c (event order). */
#include <stdbool.h>
#include <stdio.h>

#include "lib/util.h"
#include "tracer/canon.h"
#include "tracer/event.h"
#include "tracer/spool.h"

/*
 * The canonicalizer never holds more than one process's events.  Pass 1
 * reads the spool for the tree, the temp names and, per process, where
 * its events are (offsets, spilled to the spool's end in chunks).  Keys
 * are then computed bottom-up, each process's events loaded, ordered and
 * digested as they will be written; pass 2 loads them again to write
 * them.  So memory follows the number of processes, not of events.
 */
#define OCHUNK 30
#define OFF_BITS 44		/* an offset; above it, a spawn's child index + 1 */
struct ochunk {			/* 256 bytes, after the events in the spool */
	uint64_t next;		/* the next chunk's offset, 0 at the end */
	uint32_t n, pad;
	uint64_t off[OCHUNK];
};

struct cproc {
	pid_t pid;
	pid_t parent_pid;
	struct event *evs;	/* pass 2: loaded while it is written */
	size_t n, cap;
	uint64_t obuf[OCHUNK];	/* offsets not yet spilled */
	uint32_t nob;
	uint64_t head, tail;	/* its chunks, 0: none */
	bool ordered;		/* the offsets are in output order (a spawn's
				 * child index in the high bits): the key pass
				 * wrote them back, pass 2 need not sort again */
	struct cproc **kids;	/* in spawn order: EV_SPAWN's aux indexes it */
	struct cproc **sorted;	/* in content order: ids and output */
	size_t nkids, kcap;
	struct cproc *parent;
	char *key;		/* sort key among siblings */
	char *id;		/* logical id */
};

struct canon {
	const struct canon_opts *opts;
	struct cproc **all;
	size_t nall, cap;
	struct cproc *by_pid[8192];	/* the latest process per pid slot */
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
	uint64_t idx_end;		/* where the next chunk goes */
	bool bad;			/* the spool could not be read back */
	FILE *kf;			/* a reused stream for event keys */
	char *kbuf;
	size_t klen;
};

struct sortable {
	char *text;
	size_t index;
	struct event ev;
};

char *canon_rewrite_roots(const struct canon_opts *o, const char *s);
void canon_note_temp(struct canon *c, const struct event *ev);
char *canon_str(struct canon *c, const char *s, bool for_key);
/* Sort the names canon_note_temp() collected; once, after pass 1. */
void canon_sort_temps(struct canon *c);

void canon_put_str(struct canon *c, FILE *f, const char *s, bool for_key);
void canon_put_event(struct canon *c, FILE *f, const struct cproc *p,
		     const struct event *ev, bool for_key);

/* An event's key text, in c->kbuf (valid until the next call); its length. */
size_t canon_key_text(struct canon *c, const struct cproc *p, const struct event *ev);
int canon_cmp_sortable(const void *a, const void *b);
bool canon_is_barrier(const struct event *ev);
bool canon_leader_event(const struct cproc *p, const struct event *ev);
void canon_sort_observations(struct canon *c, struct cproc *p);

#endif
