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

struct cproc {
	pid_t pid;
	pid_t parent_pid;
	struct event *evs;
	size_t n, cap;
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
};

struct sortable {
	char *text;
	size_t index;
	struct event ev;
};

char *canon_rewrite_roots(const struct canon_opts *o, const char *s);
void canon_note_temp(struct canon *c, const struct event *ev);
/* Sort the names canon_note_temp() collected; call once, after loading. */
void canon_sort_temps(struct canon *c);
char *canon_str(struct canon *c, const char *s, bool for_key);

void canon_put_str(struct canon *c, FILE *f, const char *s, bool for_key);
void canon_put_event(struct canon *c, FILE *f, const struct cproc *p,
		     const struct event *ev, bool for_key);

int canon_cmp_sortable(const void *a, const void *b);
void canon_sort_observations(struct canon *c, struct cproc *p);

#endif
