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
};

int spool_create(struct spool *s, const char *path, struct sr_error **err);
int spool_append(struct spool *s, const struct event *ev);
/* Flush and rewind for reading. */
int spool_rewind(struct spool *s, struct sr_error **err);
/* 1 with an event (owned by the caller), 0 at the end, -1 if corrupt. */
int spool_next(struct spool *s, struct event *ev);
void spool_close(struct spool *s);

#endif
