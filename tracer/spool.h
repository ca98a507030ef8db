/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SPOOL_H
#define SR_SPOOL_H

#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/sbuf.h"
#include "tracer/event.h"

/*
 * The raw spool: events appended in capture order while the build runs,
 * so the tracer's memory does not grow with the build.  A private binary
 * format (never shipped; records as spool.c says); the canonical trace
 * is written from it afterwards.
 */
/* Strings for events that all go at once (the canonicalizer's, one
 * process's at a time): taken from large blocks, not a malloc each. */
struct strpool {
	struct strpool_block *blocks;	/* the newest first */
	size_t left;			/* in the newest */
};

struct spool {
	FILE *f;
	char *dir;		/* where it is (its name is gone): for errors */
	char *fbuf;		/* f's buffer */
	uint64_t count;
	int werrno;		/* the first write's failure (ENOSPC) */
	char *win;		/* spool_read_at's window on the file */
	uint64_t win_off;
	size_t win_len, win_cap;
	size_t win_want;	/* what the last read asked for */
	struct sbuf enc;	/* spool_append's record */
	struct strpool peek_pool;	/* spool_peek_at's path */
};

int spool_create(struct spool *s, const char *path, struct sr_error **err);
int spool_append(struct spool *s, const struct event *ev);
/* The record spool_append() writes, appended to b. */
void spool_encode(struct sbuf *b, const struct event *ev);
/* A record from memory into ev (owned by the caller): its size, or -1
 * if it is corrupt or does not fit in len. */
int64_t spool_parse(const void *buf, size_t len, struct event *ev);

/* The same, ev's strings in pool (ev->pooled): valid until its reset. */
int64_t spool_parse_pooled(const void *buf, size_t len, struct event *ev,
			   struct strpool *pool);
/* Every string of the pool's gone; its newest block is kept for reuse. */
void strpool_reset(struct strpool *pool);
void strpool_free(struct strpool *pool);
/* Flush for reading. */
int spool_rewind(struct spool *s, struct sr_error **err);
/* The event (owned by the caller) at an offset: 0 for the first, the
 * previous one's offset plus its size for the next.  Its size, or -1 if
 * corrupt or past the end. */
int64_t spool_read_at(struct spool *s, uint64_t off, struct event *ev);
/* The same without the strings, but for the path of an open or mkdir,
 * which is valid until the next peek (the event is pooled); a state
 * (EV_BEFORE, EV_AFTER) is read whole, and owned. */
int64_t spool_peek_at(struct spool *s, uint64_t off, struct event *ev);
/* The bytes of [off, off + len) if the last read has them in memory (as
 * it does for the record it read), or NULL. */
const void *spool_bytes_at(const struct spool *s, uint64_t off, size_t len);
/* Scratch records the reader keeps after the events (the canonicalizer's
 * index): written and read back at offsets at or beyond the end. */
int spool_pwrite(struct spool *s, uint64_t off, const void *buf, size_t len);
int spool_pread(struct spool *s, uint64_t off, void *buf, size_t len);
/* Give the disk space of a range that will not be read again back (where
 * the filesystem can; a range under 16 MiB is left alone). */
void spool_discard(struct spool *s, uint64_t off, uint64_t len);
void spool_close(struct spool *s);

#endif
