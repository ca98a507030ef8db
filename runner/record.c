// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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
	o->mounted = (const char *const *)cfg->mounted.v;
	o->nmounted = cfg->mounted.n;
	o->algo = cfg->algo;
	o->command = cfg->argv;
	o->end_status = "complete";
	o->buffer = cfg->canon_buffer;
}

int record_begin(struct recorder *rec, const struct run_config *cfg,
		 struct sr_error **err)
{
	struct canon_root roots[4];
	struct canon_opts o;
	struct outfile out;
	char *spool;

	memset(rec, 0, sizeof(*rec));
	rec->tracer.teardown_fd = -1;
	if (!cfg->trace_path)
		return 0;
	sc_init();
	canon_opts_of(cfg, roots, &o);
	if (outfile_open(&out, cfg->trace_path, err) < 0)
		return -1;
	canon_write_incomplete(&o, out.f, "the run did not finish");
	if (outfile_commit(&out, err) < 0)
		return -1;
	/* The last run's delta would sit beside this run's trace. */
	{
		cleanup_free char *delta = xasprintf("%s.delta", cfg->trace_path);

		if (unlink(delta) < 0 && errno != ENOENT)
			return sr_error_make(err, SR_EXIT_FAILURE, errno,
					     "cannot remove '%s'", delta);
	}
	rec->topts.algo = cfg->algo;
	rec->topts.digest_cache = cfg->digest_cache;
	rec->topts.cwd = cfg->cwd;
	rec->topts.src = cfg->src;
	rec->topts.mounted = (const char *const *)cfg->mounted.v;
	rec->topts.nmounted = cfg->mounted.n;
	rec->topts.policy = cfg->policy;
	rec->topts.landlock = cfg->landlock_abi > 0;
	rec->topts.preload = cfg->preload ? PRELOAD_IN_SANDBOX : NULL;
	rec->topts.audit = cfg->audit ? AUDIT_IN_SANDBOX : NULL;
	rec->topts.preload_appended = cfg->preload_appended;
	rec->topts.audit_appended = cfg->audit_appended;
	rec->topts.outputs = cfg->outputs;
	rec->topts.loader = cfg->loader;
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

/*
 * The fold, on a thread of its own, of the canonical trace as it is
 * written, so the delta is ready when the trace is, not read back after
 * it (the tinyconfig subset's trace took 60 ms to read back and fold,
 * after the build).  The fold reads the trace's file itself, up to what
 * has reached it, and waits for more: the file is the buffer between
 * the two, so the canonicalizer never waits for the fold (a socket
 * between them, ~200 KiB, held it up for a fifth of its time: the fold
 * reads a trace's text slower than it is written) and nothing is copied
 * twice.  A compressed trace is decompressed as it is read.  Should the
 * fold fail, the delta is folded from the trace written, as before.
 */
#define TEE_BUFFER (64u << 10)

struct fold_job {
	FILE *target;		/* where the trace goes */
	FILE *raw;		/* the trace's file (target, or under it) */
	int rfd;		/* the fold's descriptor of that file */
	uint64_t at;		/* where the fold reads next */
	pthread_mutex_t lock;
	pthread_cond_t more;
	uint64_t gen;		/* bumped each time bytes reach the file */
	bool done;		/* all of them have */
	int werrno;		/* why a write of the trace failed */
	char *buf;		/* the tee's */
	pthread_t thread;
	const char *name;
	struct fold_result r;
	struct sr_error *err;
	int ret;
};

static void fold_wake(struct fold_job *j, bool done)
{
	pthread_mutex_lock(&j->lock);
	j->gen++;
	j->done |= done;
	pthread_cond_signal(&j->more);
	pthread_mutex_unlock(&j->lock);
}

/* (fopencookie: 0 on an error, never -1) */
static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
	struct fold_job *j = cookie;

	if (fwrite(buf, 1, n, j->target) != n || fflush(j->raw) != 0) {
		if (!j->werrno)
			j->werrno = errno ? errno : EIO;
		return 0;
	}
	fold_wake(j, false);
	return (ssize_t)n;
}

/* The fold's reads: what is in the file, or a wait for more. */
static ssize_t tail_read(void *cookie, char *buf, size_t n)
{
	struct fold_job *j = cookie;

	for (;;) {
		uint64_t gen;
		bool done;
		ssize_t k;

		pthread_mutex_lock(&j->lock);
		gen = j->gen;
		done = j->done;
		pthread_mutex_unlock(&j->lock);
		k = pread(j->rfd, buf, n, (off_t)j->at);
		if (k > 0)
			j->at += (uint64_t)k;
		if (k != 0 || done)	/* (done before the read: it is all in) */
			return k;
		pthread_mutex_lock(&j->lock);
		while (j->gen == gen && !j->done)
			pthread_cond_wait(&j->more, &j->lock);
		pthread_mutex_unlock(&j->lock);
	}
}

static void *fold_main(void *arg)
{
	cookie_io_functions_t io = { .read = tail_read };
	struct fold_job *j = arg;
	FILE *f = fopencookie(j, "r", io);

	if (f && j->raw != j->target)
		f = zstd_open_read(f);	/* (which closes f if it fails) */
	if (!f) {
		j->ret = sr_error_make(&j->err, SR_EXIT_FAILURE, errno, "cannot fold '%s'",
				       j->name);
		return NULL;
	}
	j->ret = fold_file(f, j->name, &j->r, &j->err);
	return NULL;
}

/* The stream for the canonicalizer: to target, which writes raw, the
 * trace's file; NULL if there is no fold thread (write_delta then reads
 * the trace back). */
static FILE *fold_begin(struct fold_job *j, FILE *target, FILE *raw, const char *name)
{
	cookie_io_functions_t io = { .write = tee_write };
	char self[64];
	sigset_t all, old;
	bool started;
	FILE *tee;

	memset(j, 0, sizeof(*j));
	/* (the file is open for writing only: opened again, to read) */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fileno(raw));
	j->rfd = open(self, O_RDONLY | O_CLOEXEC);
	if (j->rfd < 0)
		return NULL;
	j->target = target;
	j->raw = raw;
	j->name = name;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->more, NULL);
	tee = fopencookie(j, "w", io);
	/* (sandrun's signals are the main thread's) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	started = tee && pthread_create(&j->thread, NULL, fold_main, j) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		if (tee)
			fclose(tee);
		close(j->rfd);
		return NULL;
	}
	/* (a cookie stream's own buffer is BUFSIZ, whatever size is asked
	 * for without one) */
	j->buf = xmalloc(TEE_BUFFER);
	setvbuf(tee, j->buf, _IOFBF, TEE_BUFFER);
	return tee;
}

/* The fold thread's end: told that the file is whole (or will grow no
 * more), and joined. */
static void fold_stop(struct fold_job *j)
{
	fold_wake(j, true);
	pthread_join(j->thread, NULL);
	close(j->rfd);
	free(j->buf);
	j->buf = NULL;
	pthread_cond_destroy(&j->more);
	pthread_mutex_destroy(&j->lock);
}

/* The fold thread's end, its result dropped. */
static void fold_join(struct fold_job *j)
{
	fold_stop(j);
	if (j->ret < 0)
		sr_error_free(j->err);
	else
		fold_free(&j->r);
}

/* The trace written: the fold's result (job NULL, or a fold that
 * failed: the trace's, read back). */
static int fold_end(struct fold_job *j, const char *trace, struct fold_result *r,
		    struct sr_error **err)
{
	if (!j)
		return fold_trace(trace, r, err);
	fold_stop(j);
	if (j->ret < 0) {
		sr_error_free(j->err);
		return fold_trace(trace, r, err);
	}
	*r = j->r;
	return 0;
}

/* The run's delta next to the trace, and a summary on stderr. */
static int write_delta(const struct run_config *cfg, struct fold_job *job,
		       struct sr_error **err)
{
	cleanup_free char *path = xasprintf("%s.delta", cfg->trace_path);
	struct fold_result r;
	struct outfile out;
	char hex[65];

	if (fold_end(job, cfg->trace_path, &r, err) < 0)
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
		fprintf(stderr, "sandrun: %lu process%s, %lu file%s read, %lu created, "
			"%lu modified, %lu deleted; delta sha256:%.16s (%s)\n",
			r.processes, r.processes == 1 ? "" : "es", r.read,
			r.read == 1 ? "" : "s", r.created, r.modified, r.deleted, hex,
			cfg->trace_path);
	/* (io_uring, ptrace, mounts, ...: what the delta may not show) */
	if (r.untraceable)
		fprintf(stderr, "sandrun: warning: %lu operation%s could not be recorded "
			"(\"untraceable\" events in %s): the delta may miss what %s did\n",
			r.untraceable, r.untraceable == 1 ? "" : "s", cfg->trace_path,
			r.untraceable == 1 ? "it" : "they");
	if (r.unknown)
		fprintf(stderr, "sandrun: warning: the state of %lu path%s could not be taken "
			"(permission denied, or a name too long: \"res\" in their state records "
			"in %s): the delta leaves %s out\n", r.unknown, r.unknown == 1 ? "" : "s",
			cfg->trace_path, r.unknown == 1 ? "it" : "them");
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
		       const char *path, const int *werrno, struct sr_error **err)
{
	struct canon_opts counted = *o;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rec->canon_on_disk = 0;
	counted.on_disk = &rec->canon_on_disk;
	r = canon_write(&rec->tracer.spool, &counted, out, err);
	/* (a write that failed, a full disk: canon_write writes on) */
	if (fflush(out) != 0 && r == 0)
		r = sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot write '%s'", path);
	else if (ferror(out) && r == 0)
		r = sr_error_make(err, SR_EXIT_FAILURE, werrno && *werrno ? *werrno : EIO,
				  "cannot write '%s'", path);
	rec->canon_s = since(&t0);
	return r;
}

int record_finish(struct recorder *rec, const struct run_config *cfg,
		  int exit_code, struct sr_error **err)
{
	struct canon_root roots[4];
	struct fold_job job;
	struct canon_opts o;
	struct outfile out;
	struct timespec t0;
	FILE *tee;
	int r;

	if (!rec->active)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	canon_opts_of(cfg, roots, &o);
	o.init_pid = rec->tracer.init_pid;
	o.exit_code = exit_code;
	if (rec->tracer.io_error)
		return sr_error_make(err, SR_EXIT_FAILURE,
				     rec->tracer.spool.werrno ? rec->tracer.spool.werrno : EIO,
				     "cannot write the trace spool in '%s'",
				     rec->tracer.spool.dir);
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

		if (!z || fd < 0) {
			int e = errno;

			if (z)		/* (its close closes out.f) */
				fclose(z);
			out.f = NULL;	/* (a zstd_open_write that failed did too) */
			outfile_abort(&out);
			return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot start compression");
		}
		tee = fold_begin(&job, z, out.f, cfg->trace_path);
		r = timed_canon(rec, &o, tee ? tee : z, cfg->trace_path, &job.werrno, err);
		if (tee && fclose(tee) != 0 && r == 0)
			r = sr_error_make(err, SR_EXIT_FAILURE, errno,
					  "cannot write '%s'", cfg->trace_path);
		if (fclose(z) != 0 && r == 0)
			r = sr_error_make(err, SR_EXIT_FAILURE, errno,
					  "cannot write '%s'", cfg->trace_path);
		if (tee)	/* (the frame's end is in) */
			fold_wake(&job, true);
		/* zclose closed out.f; sync and rename through the dup. */
		out.f = fdopen(fd, "w");
		if (!out.f) {
			if (r == 0)
				r = sr_error_make(err, SR_EXIT_FAILURE, errno,
						  "cannot write '%s'", cfg->trace_path);
			close(fd);
		}
	} else {
		tee = fold_begin(&job, out.f, out.f, cfg->trace_path);
		r = timed_canon(rec, &o, tee ? tee : out.f, cfg->trace_path, &job.werrno, err);
		if (tee && fclose(tee) != 0 && r == 0)
			r = sr_error_make(err, SR_EXIT_FAILURE, errno,
					  "cannot write '%s'", cfg->trace_path);
		if (tee)
			fold_wake(&job, true);
	}
	if (r < 0 || outfile_commit(&out, err) < 0) {
		if (r < 0)
			outfile_abort(&out);
		if (tee)
			fold_join(&job);
		return -1;
	}
	rec->write_s = since(&t0);
	return write_delta(cfg, tee ? &job : NULL, err);
}

void record_free(struct recorder *rec)
{
	if (rec->active)
		tracer_free(&rec->tracer);
	rec->active = false;
}

void record_abandon(const struct run_config *cfg, const struct sr_error *why)
{
	struct canon_root roots[4];
	struct sr_error *err = NULL;
	struct canon_opts o;
	struct outfile out;
	char text[512], reason[600];

	if (!cfg->trace_path || !why)
		return;
	canon_opts_of(cfg, roots, &o);
	snprintf(reason, sizeof(reason), "the run failed: %s",
		 sr_error_text(why, text, sizeof(text)));
	if (outfile_open(&out, cfg->trace_path, &err) < 0) {
		sr_error_free(err);
		return;
	}
	canon_write_incomplete(&o, out.f, reason);
	if (outfile_commit(&out, &err) < 0)
		sr_error_free(err);
}
