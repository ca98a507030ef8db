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
	FILE *rf;		/* a second, read-only stream for spool_read_at */
};

int spool_create(struct spool *s, const char *path, struct sr_error **err);
int spool_append(struct spool *s, const struct event *ev);
/* Flush and rewind for reading. */
int spool_rewind(struct spool *s, struct sr_error **err);
/* 1 with an event (owned by the caller), 0 at the end, -1 if corrupt. */
int spool_next(struct spool *s, struct event *ev);
/* Where the next spool_next() reads from. */
uint64_t spool_tell(struct spool *s);
/* The event at an offset spool_tell() gave: 1, or -1 if corrupt. */
int spool_read_at(struct spool *s, uint64_t off, struct event *ev);
/* Scratch records the reader keeps after the events (the canonicalizer's
 * index): written and read back at offsets at or beyond the end. */
int spool_pwrite(struct spool *s, uint64_t off, const void *buf, size_t len);
int spool_pread(struct spool *s, uint64_t off, void *buf, size_t len);
void spool_close(struct spool *s);

#endif
