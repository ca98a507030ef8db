/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_FOLD_PRIV_H
#define SR_FOLD_PRIV_H

/* What fold.c (the run's delta, from its states) and fold_scope.c (a
 * scope's, replayed from its events) share. */
#include <stdbool.h>

#include "lib/mtree.h"
#include "tracer/trace_read.h"	/* (json_t) */
#include "tracer/fold.h"

/* A trace string (docs/trace-format.md: \xHH, \\) as an mtree path. */
char *fold_path_of(const char *s);
/* Whether p is a path as a trace writes it: "/" or a root ($SRC, $TMP,
 * $HOME), then names, none empty, "." or "..". */
bool fold_trace_path_ok(const char *p);
/* A state record (or an event's "after") as an entry: 0, or -1 with
 * *why (need_path: its "path" is the entry's; algo: its digest's, or
 * NULL for any). */
int fold_state_entry(const json_t *rec, struct fsentry *e, bool need_path,
		     const char *algo, const char **why);
/* The run's before and after states, sorted, each path's given once
 * (an error else). */
int fold_states_sorted(struct fslist *before, struct fslist *after, const char *trace,
		       struct sr_error **err);
int fold_cmp_str(const void *a, const void *b);
/* A delta whose symlinks all have their targets (an error else). */
int fold_delta_whole(const struct fold_result *r, const char *trace, struct sr_error **err);
/* The paths whose after state differs from their before, into r's delta
 * (moved out of after), counted. */
void fold_diff_states(struct fslist *before, struct fslist *after, struct fold_result *r);

#endif
