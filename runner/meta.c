// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/outfile.h"
#include "runner/meta.h"

void meta_start(struct run_meta *m)
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, m->uuid);
	clock_gettime(CLOCK_REALTIME, &m->start);
	m->end = m->start;
}

void meta_end(struct run_meta *m, int wstatus, int exit_code)
{
	clock_gettime(CLOCK_REALTIME, &m->end);
	m->wstatus = wstatus;
	m->exit_code = exit_code;
}

static void write_time(FILE *f, const char *key, const struct timespec *ts)
{
	struct tm tm;
	char buf[64];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "  \"%s\": \"%s.%03ldZ\",\n", key, buf, ts->tv_nsec / 1000000);
}

static void write_meta(FILE *f, const struct run_meta *m,
		       const struct run_config *cfg)
{
	struct utsname u;
	char host[256] = "";
	double secs = (double)(m->end.tv_sec - m->start.tv_sec) +
		      (double)(m->end.tv_nsec - m->start.tv_nsec) / 1e9;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	fprintf(f, "{\n  \"format\": \"sandrun-meta\",\n  \"version\": 1,\n");
	fprintf(f, "  \"uuid\": \"%s\",\n", m->uuid);
	write_time(f, "start", &m->start);
	write_time(f, "end", &m->end);
	fprintf(f, "  \"duration_s\": %.3f,\n", secs);
	if (m->recorded) {
		fprintf(f, "  \"recording\": {\"events\": %llu, \"stops\": %llu, "
			"\"in_process\": %llu, \"in_process_rejected\": %llu, "
			"\"files_hashed\": %llu, \"digests_from_cache\": %llu, "
			"\"digests_from_run\": %llu, "
			"\"canonicalize_s\": %.3f, \"trace_write_s\": %.3f, "
			"\"sorted_on_disk\": %llu, "
			"\"execs_without_stop\": %llu, \"exits_without_stop\": %llu, "
			"\"code_through_mem\": %llu, \"forks_without_event\": %llu, "
			"\"memory_reads\": %llu, \"tracer_cpu_s\": %.3f,\n"
			"    \"stops_by\": {",
			m->events, m->stops, m->in_process, m->in_process_rejected,
			m->hashed, m->cache_hits, m->fresh_hits, m->canon_s, m->write_s, m->canon_on_disk,
			m->execs_without_stop,
			m->exits_without_stop, m->code_through_mem, m->forks_without_event,
			m->memory_reads, m->tracer_cpu_s);
		for (int k = 0; k < STOP_KINDS; k++)
			fprintf(f, "%s\"%s\": %llu", k ? ", " : "", stop_kind_names[k],
				m->stops_by[k]);
		/* (keys of their own: a line-oriented reader of stops_by's
		 * finds each of its keys once) */
		fprintf(f, "},\n    \"handling\": {");
		for (int k = 0; k < STOP_KINDS; k++)
			fprintf(f, "%s\"%s_us\": %llu", k ? ", " : "", stop_kind_names[k],
				m->handling_us_by[k]);
		fprintf(f, "},\n    \"notifications\": [");
		for (size_t i = 0; i < m->nnotify; i++)
			fprintf(f, "%s{\"syscall\": \"%s\", \"count\": %llu, \"us\": %llu}",
				i ? ", " : "", m->notify[i].name, m->notify[i].count,
				m->notify[i].us);
		fprintf(f, "]},\n");
	}
	fprintf(f, "  \"host\": {\"hostname\": ");
	json_write_string(f, host);
	fprintf(f, ", \"kernel\": ");
	json_write_string(f, u.release);
	fprintf(f, ", \"machine\": ");
	json_write_string(f, u.machine);
	fprintf(f, "},\n  \"uid\": %u,\n  \"gid\": %u,\n", cfg->uid, cfg->gid);
	fprintf(f, "  \"src\": ");
	json_write_string(f, cfg->src);
	fprintf(f, ",\n  \"command\": [");
	for (char **a = cfg->argv; *a; a++) {
		if (a != cfg->argv)
			fputs(", ", f);
		json_write_string(f, *a);
	}
	fprintf(f, "],\n");
	if (WIFSIGNALED(m->wstatus))
		fprintf(f, "  \"signal\": %d,\n", WTERMSIG(m->wstatus));
	else
		fprintf(f, "  \"status\": %d,\n", WEXITSTATUS(m->wstatus));
	fprintf(f, "  \"exit_code\": %d\n}\n", m->exit_code);
}

int meta_write(const struct run_meta *m, const struct run_config *cfg,
	       const char *path, struct sr_error **err)
{
	struct outfile out;

	if (outfile_open(&out, path, err) < 0)
		return -1;
	write_meta(out.f, m, cfg);
	return outfile_commit(&out, err);
}
