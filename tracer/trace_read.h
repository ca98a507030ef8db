/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_TRACE_READ_H
#define SR_TRACE_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/sbuf.h"
#include "lib/strset.h"

/*
 * Reading a canonical trace (docs/trace-format.md), compressed or not,
 * one record at a time.  Errors name the file and line; unknown format
 * versions are refused.  jansson is included by this module only.
 */
#define TRACE_VERSION 1

struct trace_reader {
	FILE *f;
	char *path;
	unsigned long line;
	json_t *header;
	json_t *end;		/* the end record, once read */
	/* Records read so far by kind, checked against the end record's
	 * counts so that lines lost from the middle of a trace are noticed. */
	unsigned long nprocs, nevents, nstates;
	/* The processes declared so far: one a line, each after its parent;
	 * the last one's ID, whose events follow it. */
	struct strset procs;
	struct sbuf last_proc;
	bool last_exited;	/* its exit read: no event of it may follow */
	bool is_end;		/* the line read is the end record */
	char *buf;
	size_t cap;
	char *in;		/* what was read of f, up to in_len */
	size_t in_pos, in_len;
	/* Set after opening: a member (e.g. "\"env\":") whose array of
	 * strings is taken out of each wanted line before it is parsed, the
	 * strings joined by '\n' into cut_text (cut_done: it was, in the
	 * last record; only plain ones are, spelt one way: printable ASCII,
	 * no escapes).  An environment is most of an exec's text, and a
	 * reader that only compares it need not build it. */
	const char *cut;
	bool cut_done;
	struct sbuf cut_text;
};

/* path "-" is standard input. */
int trace_open(struct trace_reader *r, const char *path, struct sr_error **err);
/* The same on a stream (f: taken, trace_close closes it), called name in
 * errors. */
int trace_open_file(struct trace_reader *r, FILE *f, const char *name,
		    struct sr_error **err);
/* For a trace read more than once: *copy is -1 when path is a regular
 * file, else the fd of an unnamed temporary file that holds what path
 * gave (a pipe cannot be read twice; the caller closes it). */
int trace_copy_if_pipe(const char *path, int *copy, struct sr_error **err);
/* The trace opened from its start: path, or its copy (copy >= 0), called
 * path in errors. */
int trace_reopen(struct trace_reader *r, const char *path, int copy,
		 struct sr_error **err);
/* 1 with a record (a new reference), 0 after the end record, -1 on error. */
int trace_next(struct trace_reader *r, json_t **ret, struct sr_error **err);
/*
 * The same, but lines for which want() is false are only checked for
 * shape ({...}) and skipped unparsed: 2 for a skipped line.  For readers
 * that need a few kinds of records out of millions.
 */
int trace_next_if(struct trace_reader *r, bool (*want)(const char *line, void *ctx),
		  void *ctx, json_t **ret, struct sr_error **err);
/* After the end record: -1 with an error ("...; then") unless the run
 * completed (a failed run's trace says "incomplete" and why). */
int trace_require_complete(struct trace_reader *r, const char *then,
			   struct sr_error **err);
void trace_close(struct trace_reader *r);

/* A string member, or "" when it is absent. */
const char *jstr(const json_t *obj, const char *key);

#endif
