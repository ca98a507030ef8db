/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SPOOL_H
#define SR_SPOOL_H

#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"
#include "tracer/event.h"

/*
 * The raw spool: events appended in capture order while the build runs,
 * so the tracer's memory does not grow with the build.  A private binary
 * format (host-endian, never shipped); the canonical trace is written
 * from it afterwards.
 */
struct spool {
	FILE *f;
	uint64_t count;
	char *win;		/* spool_read_at's window on the file */
	uint64_t win_off;
	size_t win_len, win_cap;
};

int spool_create(struct spool *s, const char *path, struct sr_error **err);
int spool_append(struct spool *s, const struct event *ev);
/* Flush for reading. */
int spool_rewind(struct spool *s, struct sr_error **err);
/* The event (owned by the caller) at an offset: 0 for the first, the
 * previous one's offset plus its size for the next.  Its size, or -1 if
 * corrupt or past the end. */
int64_t spool_read_at(struct spool *s, uint64_t off, struct event *ev);
/* The same without the strings, but for the path of an open or mkdir. */
int64_t spool_peek_at(struct spool *s, uint64_t off, struct event *ev);
/* Scratch records the reader keeps after the events (the canonicalizer's
 * index): written and read back at offsets at or beyond the end. */
int spool_pwrite(struct spool *s, uint64_t off, const void *buf, size_t len);
int spool_pread(struct spool *s, uint64_t off, void *buf, size_t len);
void spool_close(struct spool *s);

#endif
