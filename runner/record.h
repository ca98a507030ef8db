/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_RECORD_H
#define SR_RECORD_H

#include <stdbool.h>

#include "lib/error.h"
#include "runner/config.h"
#include "tracer/tracer.h"

/*
 * A run's recording: the tracer, its spool, and the canonical trace
 * written at the end.  While the run lasts, the trace file says
 * "incomplete", so an interrupted run never leaves a trace that looks
 * whole; the finished trace is written to a temporary name and renamed.
 */
struct recorder {
	struct tracer tracer;
	struct tracer_opts topts;
	bool active;
	double write_s;		/* writing the canonical trace (record_finish) */
	double canon_s;		/* of which ordering and formatting it */
	unsigned long long canon_on_disk;	/* processes it sorted on disk */
};

int record_begin(struct recorder *rec, const struct run_config *cfg,
		 struct sr_error **err);
int record_finish(struct recorder *rec, const struct run_config *cfg,
		  int exit_code, struct sr_error **err);
void record_free(struct recorder *rec);
/* A run that failed before its trace was written: the placeholder trace
 * says why (best effort; the first placeholder stays otherwise). */
void record_abandon(const struct run_config *cfg, const struct sr_error *why);

#endif
