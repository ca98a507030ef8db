// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/mtree.h"
#include "lib/outfile.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "runner/verdict.h"
#include "tracer/tracer.h"
#include "tracer/lock.h"

#define SHOWN 20

static const char *verdict_name(enum violation_verdict v)
{
	switch (v) {
	case V_DENIED: return "denied";
	case V_ALLOWED: return "allowed (audit)";
	case V_KILLED: return "happened: the sandbox was killed";
	}
	return "?";
}

/* A path for a one-line message: control bytes as \ooo. */
static void put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

/* GitHub workflow commands: %, CR and LF escaped, so a file name cannot
 * end the annotation and start another command. */
static void put_annotation(const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", stdout);
		else if (*s == '\r')
			fputs("%0D", stdout);
		else if (*s == '\n')
			fputs("%0A", stdout);
		else
			putchar(*s);
	}
}

struct drift {
	FILE *report;		/* the JSON report's lock array, or NULL */
	size_t n;
	bool github;
};

static void on_drift(const char *path, const char *was, const char *is, void *ctx)
{
	struct drift *d = ctx;

	if (d->n < SHOWN) {
		if (was)
			fprintf(stderr, "sandrun: lock: host input changed: %s (was %s, is %s)\n",
				path, was, is);
		else
			fprintf(stderr, "sandrun: lock: new host input: %s (%s)\n", path, is);
	}
	if (d->github) {
		printf("::error title=sandrun lock drift::%s ", was ? "changed" : "new");
		put_annotation(path);
		printf("%s%s\n", was ? " was " : "", was ? was : "");
	}
	if (d->report) {
		/* (the lock's path is mtree-escaped; the report's, as the
		 * violations', are bytes) */
		char *raw = mtree_unescape(path);

		fprintf(d->report, "%s{\"path\":", d->n ? "," : "");
		json_write_bytes(d->report, raw);
		free(raw);
		fputs(",\"was\":", d->report);
		if (was)
			json_write_bytes(d->report, was);
		else
			fputs("null", d->report);
		fputs(",\"is\":", d->report);
		json_write_bytes(d->report, is);
		fputc('}', d->report);
	}
	d->n++;
}

static void violations(const struct run_config *cfg, const struct run_outcome *out,
		       FILE *report, bool github)
{
	const struct policy *p = cfg->policy;

	if (out->violations)
		fprintf(stderr, "sandrun: policy %s: %lu violation%s (%s):\n", p->file,
			out->violations, out->violations == 1 ? "" : "s",
			p->mode == POLICY_ENFORCE ? "denied" : "audit mode: allowed, reported");
	for (size_t i = 0; i < out->nvlist; i++) {
		const struct violation *v = &out->vlist[i];
		const char *what = v->path ? v->path : v->call;
		const char *access = policy_access_name(v->access);

		if (i < SHOWN) {
			fprintf(stderr, "  pid %d: %s ", (int)v->pid, access);
			put_safe(stderr, what);
			fprintf(stderr, " (%s): %s\n", v->call, verdict_name(v->verdict));
		}
		if (github) {
			printf("::error title=sandrun policy violation::%s ", access);
			put_annotation(what);
			printf(" (%s, pid %d): %s\n", v->call, (int)v->pid, verdict_name(v->verdict));
		}
		if (report) {
			fprintf(report, "%s{\"pid\":%d,\"call\":", i ? "," : "", (int)v->pid);
			json_write_bytes(report, v->call);
			fprintf(report, ",\"access\":\"%s\",\"path\":", access);
			json_write_bytes(report, v->path ? v->path : "");
			fprintf(report, ",\"verdict\":\"%s\"}", v->verdict == V_DENIED ? "denied" :
				v->verdict == V_ALLOWED ? "allowed" : "killed");
		}
	}
	if (out->violations > SHOWN)
		fprintf(stderr, "  ... and %lu more (the trace has every one as a "
			"\"violation\" event)\n", out->violations - SHOWN);
}

int verdict(const struct run_config *cfg, const struct run_outcome *out, int status)
{
	const char *gh = getenv("GITHUB_ACTIONS");
	bool github = gh && !strcmp(gh, "true");
	struct drift d = { .github = github };
	struct sr_error *err = NULL;
	struct outfile of;
	FILE *report = NULL;
	int final = status, lock_status = SR_EXIT_OK;
	size_t drift = 0;
	bool report_failed = false;

	if (cfg->report_path) {
		if (outfile_open(&of, cfg->report_path, &err) < 0) {
			sr_error_report(err);
			err = NULL;
			report_failed = true;
		} else {
			report = of.f;
			fprintf(report, "{\"command_status\":%d,\"policy\":", status);
			if (cfg->policy) {
				json_write_bytes(report, cfg->policy->file);
				fprintf(report, ",\"mode\":\"%s\"", cfg->policy->mode ==
					POLICY_ENFORCE ? "enforce" : "audit");
			} else {
				fputs("null", report);
			}
			fprintf(report, ",\"violation_count\":%lu,\"violations\":[",
				out->violations);
		}
	}
	if (cfg->policy)
		violations(cfg, out, report, github);
	if (report)
		fputs("],\"lock_drift\":[", report);
	if (cfg->lock) {
		const struct lock *locked = cfg->lock;
		struct lock now;

		if (lock_from_trace(cfg->trace_path, &now, &err) < 0) {
			lock_status = sr_error_report(err);
			err = NULL;
		} else {
			d.report = report;
			if (strcmp(locked->digest, now.digest))
				fprintf(stderr, "sandrun: lock: %s has %s digests, the run %s: "
					"every file will differ\n", cfg->lock_path,
					locked->digest, now.digest);
			drift = lock_compare(locked, &now, on_drift, &d);
			if (drift > SHOWN)
				fprintf(stderr, "sandrun: lock: ... and %zu more\n", drift - SHOWN);
			lock_free(&now);
		}
	}
	/* A violation wins over all else; then a lock that could not be
	 * checked, drift, and the command's own status. */
	if (out->violations)
		final = SR_EXIT_VIOLATION;
	else if (lock_status != SR_EXIT_OK)
		final = lock_status;
	else if (drift)
		final = SR_EXIT_LOCK_DRIFT;
	if (report) {
		fprintf(report, "],\"lock_drift_count\":%zu,\"exit\":%d}\n", drift, final);
		if (outfile_commit(&of, &err) < 0) {
			sr_error_report(err);
			err = NULL;
			report_failed = true;
		}
	}
	/* A CI job reads the report: not writing it is a failure, below
	 * the verdicts that are failures already. */
	if (report_failed && final != SR_EXIT_VIOLATION && final != SR_EXIT_LOCK_DRIFT)
		final = SR_EXIT_FAILURE;
	flush_stdout();
	return final;
}
