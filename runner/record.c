// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/outfile.h"
#include "lib/zstdio.h"
#include "lib/util.h"
#include "runner/record.h"
#include "tracer/canon.h"
#include "tracer/fold.h"

/* $SRC, $HOME and $TMP, longest path first so the most specific wins. */
static size_t roots_of(const struct run_config *cfg, struct canon_root *roots)
{
	const char *home = NULL;
	size_t n = 0;

	for (size_t i = 0; i < cfg->env.n; i++)
		if (str_has_prefix(cfg->env.v[i], "HOME="))
			home = cfg->env.v[i] + 5;
	roots[n++] = (struct canon_root){ "$SRC", cfg->src };
	if (home && home[0] == '/' && home[1] && strcmp(home, cfg->src))
		roots[n++] = (struct canon_root){ "$HOME", home };
	roots[n++] = (struct canon_root){ "$TMP", "/tmp" };
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strlen(roots[j].path) > strlen(roots[j - 1].path); j--) {
			struct canon_root tmp = roots[j];

			roots[j] = roots[j - 1];
			roots[j - 1] = tmp;
		}
	return n;
}

static void canon_opts_of(const struct run_config *cfg, struct canon_root *roots,
			  struct canon_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->roots = roots;
	o->nroots = roots_of(cfg, roots);
	o->algo = cfg->algo;
	o->command = cfg->argv;
	o->end_status = "complete";
}

int record_begin(struct recorder *rec, const struct run_config *cfg,
		 struct sr_error **err)
{
	struct canon_root roots[4];
	struct canon_opts o;
	struct outfile out;
	char *spool;

	memset(rec, 0, sizeof(*rec));
	if (!cfg->trace_path)
		return 0;
	sc_init();
	canon_opts_of(cfg, roots, &o);
	if (outfile_open(&out, cfg->trace_path, err) < 0)
		return -1;
	canon_write_incomplete(&o, out.f, "the run did not finish");
	if (outfile_commit(&out, err) < 0)
		return -1;
	rec->topts.algo = cfg->algo;
	rec->topts.digest_cache = cfg->digest_cache;
	rec->topts.cwd = cfg->cwd;
	rec->topts.src = cfg->src;
	rec->topts.policy = cfg->policy;
	rec->topts.landlock = cfg->landlock_abi > 0;
	rec->topts.preload = cfg->preload ? PRELOAD_IN_SANDBOX : NULL;
	rec->topts.audit = cfg->audit ? AUDIT_IN_SANDBOX : NULL;
	rec->topts.preload_appended = cfg->preload_appended;
	rec->topts.audit_appended = cfg->audit_appended;
	rec->topts.outputs = cfg->outputs;
	rec->tracer.inproc = cfg->preload != NULL;
	rec->tracer.opts = &rec->topts;
	spool = xasprintf("%s.spool.%d", cfg->trace_path, (int)getpid());
	if (spool_create(&rec->tracer.spool, spool, err) < 0) {
		free(spool);
		return -1;
	}
	free(spool);
	rec->active = true;
	return 0;
}

/* The run's delta next to the trace, and a summary on stderr. */
static int write_delta(const struct run_config *cfg, struct sr_error **err)
{
	cleanup_free char *path = xasprintf("%s.delta", cfg->trace_path);
	struct fold_result r;
	struct outfile out;
	char hex[65];

	if (fold_trace(cfg->trace_path, &r, err) < 0)
		return -1;
	if (outfile_open(&out, path, err) < 0) {
		fold_free(&r);
		return -1;
	}
	fold_write(out.f, &r);
	fold_checksum(&r, hex);
	if (outfile_commit(&out, err) < 0) {
		fold_free(&r);
		return -1;
	}
	if (!cfg->quiet)
		fprintf(stderr, "sandrun: %lu processes, %lu files read, %lu created, "
			"%lu modified, %lu deleted; delta sha256:%.16s (%s)\n",
			r.processes, r.read, r.created, r.modified, r.deleted, hex,
			cfg->trace_path);
	fold_free(&r);
	return 0;
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Canonicalization alone (ordering, formatting, compressing), for the
 * benchmark; the trace's fsync and rename are not in it. */
static int timed_canon(struct recorder *rec, const struct canon_opts *o, FILE *out,
		       struct sr_error **err)
{
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = canon_write(&rec->tracer.spool, o, out, err);
	fflush(out);
	rec->canon_s = since(&t0);
	return r;
}

int record_finish(struct recorder *rec, const struct run_config *cfg,
		  int exit_code, struct sr_error **err)
{
	struct canon_root roots[4];
	struct canon_opts o;
	struct outfile out;
	struct timespec t0;
	int r;

	if (!rec->active)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	canon_opts_of(cfg, roots, &o);
	o.init_pid = rec->tracer.init_pid;
	o.exit_code = exit_code;
	if (rec->tracer.io_error)
		return sr_error_make(err, SR_EXIT_FAILURE, EIO,
				     "cannot write the trace spool");
	if (outfile_open(&out, cfg->trace_path, err) < 0)
		return -1;
	/* A .zst trace is compressed; the temp file stays the raw stream.
	 * At zstd's default level (3): the trace is written after the build,
	 * on its wall clock.  A tinyconfig subset's 38 MB trace took 0.25 s
	 * of CPU at level 9, 0.1 s at level 3, for 20% more bytes (1.0 MB
	 * instead of 0.85); `zstd -19` makes an archive copy smaller. */
	if (zstd_wanted(cfg->trace_path)) {
		FILE *z = zstd_open_write(out.f, 3);
		int fd = z ? dup(fileno(out.f)) : -1;

		if (!z || fd < 0)
			return outfile_abort(&out), sr_error_make(err, SR_EXIT_FAILURE,
					errno, "cannot start compression");
		r = timed_canon(rec, &o, z, err);
		if (fclose(z) != 0 && r == 0)
			r = sr_error_make(err, SR_EXIT_FAILURE, errno,
					  "cannot write '%s'", cfg->trace_path);
		/* zclose closed out.f; sync and rename through the dup. */
		out.f = fdopen(fd, "w");
		if (r < 0) {
			outfile_abort(&out);
			return -1;
		}
	} else if (timed_canon(rec, &o, out.f, err) < 0) {
		outfile_abort(&out);
		return -1;
	}
	if (outfile_commit(&out, err) < 0)
		return -1;
	rec->write_s = since(&t0);
	return write_delta(cfg, err);
}

void record_free(struct recorder *rec)
{
	if (rec->active)
		tracer_free(&rec->tracer);
	rec->active = false;
}
