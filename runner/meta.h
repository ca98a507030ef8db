/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_META_H
#define SR_META_H

#include <stdbool.h>
#include <time.h>

#include "lib/error.h"
#include "runner/config.h"

/*
 * A run's metadata: everything about a run that is not canonical (its
 * UUID, times, host), kept out of the canonical trace.
 */
#define META_NOTIFY_MAX 64

struct run_meta {
	char uuid[37];
	struct timespec start, end;
	int wstatus;		/* the command's wait status */
	int exit_code;		/* what sandrun exited with */
	/* the recording, when there was one */
	bool recorded;
	unsigned long long events, stops;
	unsigned long long stops_by[STOP_KINDS];	/* tracer/tracer.h */
	unsigned long long handling_us_by[STOP_KINDS];	/* the tracer's time on them */
	unsigned long long in_process;	/* syscalls recorded without a stop */
	unsigned long long in_process_rejected;	/* records not taken (tracer/inproc.c) */
	unsigned long long execs_without_stop;	/* tracer/loop.c: exec_seen */
	unsigned long long exits_without_stop;	/* tracer/exits.c: exit_noted */
	unsigned long long code_through_mem;	/* tracer/notify.c: mem_open */
	unsigned long long memory_reads;	/* tracer/mem.c: mem_reads */
	unsigned long long forks_without_event;	/* tracer/forks.c */
	unsigned long long hashed;	/* files read for their digest */
	unsigned long long cache_hits;	/* files whose digest the cache file had */
	unsigned long long fresh_hits;	/* reads whose digest a writer's close took */
	double tracer_cpu_s;	/* sandrun's own CPU time to the build's end */
	double write_s;		/* writing the canonical trace, fsync included */
	double canon_s;		/* of which ordering and formatting it */
	unsigned long long canon_on_disk;	/* processes it sorted on disk */
	/* the notifications by syscall, the most time first */
	struct meta_notify {
		char name[32];
		unsigned long long count, us;
	} notify[META_NOTIFY_MAX];
	size_t nnotify;
};

void meta_start(struct run_meta *m);
void meta_end(struct run_meta *m, int wstatus, int exit_code);

/* Write the metadata as JSON to path, atomically (temp file + rename). */
int meta_write(const struct run_meta *m, const struct run_config *cfg,
	       const char *path, struct sr_error **err);

#endif
