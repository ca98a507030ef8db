/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_FOLD_H
#define SR_FOLD_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/mtree.h"

/*
 * A run's net effect on the filesystem, folded from a trace's before and
 * after states: every path whose state differs, with its final state
 * (file with mode, size and digest; directory; symlink target; absent).
 * Temp files that came and went, rename chains and identical rewrites
 * fold away.  Serialized as mtree lines (docs/delta-format.md).
 */
struct fold_result {
	struct fslist delta;
	unsigned long processes;
	unsigned long read;		/* distinct files opened for reading */
	unsigned long created, modified, deleted;
	/* run-level folds: operations the trace says it could not record
	 * (its "untraceable" events), whose changes the delta may miss */
	unsigned long untraceable;
	/* states the tracer could not take (a "res" for a "type"): the
	 * delta leaves those paths out */
	unsigned long unknown;
};

int fold_trace(const char *trace, struct fold_result *ret, struct sr_error **err);
/* The same from a stream (f: taken and closed), trace its name in errors. */
int fold_file(FILE *f, const char *trace, struct fold_result *ret, struct sr_error **err);
/*
 * The changes of one process (or of a process and its descendants):
 * its changes replayed in program order, each path with the state the
 * scope left it in.  Paths the scope created and removed (known absent
 * before: an O_EXCL create, mkdir, or a lookup that found nothing) fold
 * away.  Within a subtree, a path changed by several processes takes the
 * state of the last of them in trace order.
 */
int fold_scope(const char *trace, const char *id, bool subtree,
	       struct fold_result *ret, struct sr_error **err);
/* The same for any set of processes (copy: the trace's copy, or -1: see
 * trace_reopen). */
int fold_set(const char *trace, int copy, bool (*member)(const char *id, void *ctx),
	     void *ctx, struct fold_result *ret, struct sr_error **err);

/*
 * Phases: the processes whose exec path or argv matches a glob, with
 * their descendants ("match"); the processes that read, directly or
 * through others, what the match wrote ("after"); the rest ("before").
 * Data flow, not time, decides: a trace keeps no clock.
 */
enum { PHASE_BEFORE, PHASE_MATCH, PHASE_AFTER, PHASE_COUNT };
extern const char *const phase_names[PHASE_COUNT];
int fold_split(const char *trace, const char *pattern,
	       struct fold_result ret[PHASE_COUNT], struct sr_error **err);
void fold_write(FILE *f, const struct fold_result *r);
/* Whether a state record is one fold makes a delta line of (of algo's
 * digests); else why not. */
struct json_t;
bool fold_state_ok(const struct json_t *rec, const char *algo, const char **why);
/* Whether a state record says the tracer could not take it ("res"). */
bool fold_state_unknown(const struct json_t *rec);
/* SHA-256 of the serialized delta, lowercase hex. */
void fold_checksum(const struct fold_result *r, char hex[65]);
void fold_free(struct fold_result *r);

#endif
