// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun diff`: why two runs of a build differ. */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/mapfile.h"
#include "lib/util.h"
#include "runner/cli.h"
#include "runner/word_diff.h"
#include "tracer/diff.h"

static const char diff_usage[] =
	"Usage: sandrun diff [--json] [--all] [--outputs] A.trace B.trace\n"
	"Explain why two runs of a build differ, from their traces: the root\n"
	"causes first (the first processes that saw a different input: a file's\n"
	"content, a file found on one side only, a directory listing, an\n"
	"environment variable, argv or executable), each with the final outputs\n"
	"it reaches and the steps it went through (data is followed through\n"
	"files by content, renames, pipelines and exit statuses); then the\n"
	"steps that saw identical inputs but produced different outputs\n"
	"(nondeterministic), with the randomness they drew; then a summary of\n"
	"what differs downstream.  Processes are matched by their place in the\n"
	"tree and their content; traces recorded in other directories, on\n"
	"other hosts or by other users compare equal when the builds are.\n"
	"A trace may be zstd-compressed or a pipe; - (one of them) is standard\n"
	"input.\n"
	"\n"
	"      --json   one JSON object for tools (documented in sandrun(1))\n"
	"      --all    list every difference that reaches no output too\n"
	"      --outputs  exit 0 when the outputs are the same (and so is the\n"
	"               command's exit status), however the runs differed in\n"
	"               how they ran (a compiler probe's temporary files):\n"
	"               a reproducibility check; the report is the same\n"
	"  -h, --help   print this help and exit\n"
	"\n"
	"Exit status: 0 when the runs are equivalent, 1 when they differ, 123\n"
	"when a trace is unusable (malformed, truncated, another format version,\n"
	"different digests), 124 usage error, 125 when a trace cannot be read.\n";

#define SHOW_PATHS 5

/*
 * s for a reader of the report: its control characters (a path's
 * newline, an escape sequence) as \n, \t or \xHH, so that no string
 * from a trace makes a line of its own or moves a terminal's cursor.
 * The result lasts until eight more calls.
 */
static const char *vis(const char *s)
{
	static char *ring[8];
	static unsigned next;
	const unsigned char *u = (const unsigned char *)s;
	char *out;

	while (*u && *u >= 0x20 && *u != 0x7f)
		u++;
	if (!*u)
		return s;	/* (nearly always: nothing to escape) */
	out = str_visible(s);
	free(ring[next]);
	ring[next] = out;
	next = (next + 1) % 8;
	return out;
}

/* A side's lookup outcomes for people: "found", "found dir", "not
 * found (ENOENT)", joined by " | ". */
static void print_outcomes(const char *side, const char *v)
{
	const char *s;
	size_t n;

	printf("       %s: ", side);
	for (const char *p = v; diff_next_outcome(&p, &s, &n);) {
		if (s != v)
			fputs(" | ", stdout);
		if (n >= 2 && !memcmp(s, "ok", 2))
			printf("found%.*s", (int)n - 2, s + 2);
		else
			printf("not found (%.*s)", (int)n, s);
	}
	putchar('\n');
}

/* trees: whether the runs were made in source trees at different paths. */
static const char *describe(const struct diff_cause *c, bool trees, char *buf, size_t len)
{
	switch (c->kind) {
	case CAUSE_CONTENT:
		snprintf(buf, len, "%s was read with different content", vis(c->what));
		break;
	case CAUSE_FOUND:
		if (c->a && c->b && diff_found(c->a) && diff_found(c->b))
			snprintf(buf, len, "%s was looked up with different results", vis(c->what));
		else
			snprintf(buf, len, "%s was looked up and found on one side only",
				 vis(c->what));
		break;
	case CAUSE_LISTING:
		snprintf(buf, len, "the listing of directory %s differs", vis(c->what));
		break;
	case CAUSE_ENV:
		snprintf(buf, len, "environment variable %s differs", vis(c->what));
		break;
	case CAUSE_ARGV:
		snprintf(buf, len, "a process was started differently (%s)", vis(c->what));
		break;
	case CAUSE_NET:
		snprintf(buf, len, "a network operation had another result (%s)", vis(c->what));
		break;
	case CAUSE_NONDET:
		snprintf(buf, len, "process %s saw identical inputs%s did not "
			 "produce identical results", vis(c->what),
			 trees ? " but for the source tree's path, and" : " but");
		break;
	}
	return buf;
}

/* A cause's side in JSON: null for a variable that is not set. */
static void json_write_side(const char *v)
{
	if (v)
		json_write_string(stdout, v);
	else
		fputs("null", stdout);
}

/* A value for people: a read's "ok file DIGEST" says the digest only. */
static void print_side(const char *side, const struct diff_cause *c, const char *v)
{
	if (!v)
		printf("       %s: (not set)\n", side);
	else if (c->kind == CAUSE_ENV && !*v)
		printf("       %s: \"\" (set, empty)\n", side);
	else if (!*v)
		printf("       %s: (absent)\n", side);
	else if (c->kind == CAUSE_CONTENT && !strncmp(v, "ok file ", 8))
		printf("       %s: %s\n", side, vis(v + 8));
	else if (c->kind == CAUSE_FOUND)
		print_outcomes(side, vis(v));
	else
		printf("       %s: %s\n", side, vis(v));
}

/* How much of s (longer than max bytes) to print: max bytes, less the
 * start of a UTF-8 character they would cut. */
static int cut_at(const char *s, int max)
{
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* A value past this many bytes (a kbuild recipe's command line, some
 * 5 KB) is cut, with its length, and B's told by the words that differ. */
#define LONG_VALUE 200

static void print_sides(const struct diff_cause *c)
{
	char *a, *b;

	if ((c->kind != CAUSE_ARGV && c->kind != CAUSE_ENV) || !c->a || !c->b ||
	    (strlen(c->a) <= LONG_VALUE && strlen(c->b) <= LONG_VALUE)) {
		print_side("A", c, c->a);
		print_side("B", c, c->b);
		return;
	}
	a = xstrdup(vis(c->a));
	b = xstrdup(vis(c->b));
	printf("       A: %.*s ... (%zu bytes)\n", cut_at(a, 100), a, strlen(a));
	printf("       B: A, but for these words (git's word diff: [-A's-] {+B's+}):\n");
	word_diff(stdout, "          ", a, b);
	free(a);
	free(b);
}

/* A process as "ID (argv...)", long command lines cut. */
static void print_proc(const char *prefix, const struct diff_proc_ref *p)
{
	const char *cmd = vis(*p->cmd ? p->cmd : *p->exe ? p->exe : "no exec");
	int max = 120;

	if ((int)strlen(cmd) > max)
		printf("%s%s (%.*s ...)", prefix, vis(p->id), cut_at(cmd, max), cmd);
	else
		printf("%s%s (%s)", prefix, vis(p->id), cmd);
}

static void print_cause(size_t n, const struct diff_cause *c, const struct diff_result *r,
			bool trees)
{
	char buf[1024];

	printf("  %zu. %s\n", n, describe(c, trees, buf, sizeof(buf)));
	if (c->kind != CAUSE_NONDET) {
		print_sides(c);
		print_proc(c->kind == CAUSE_ENV ? "       in process " : "       first seen by ",
			   &c->procs[0]);
		if (c->nprocs > 1)
			printf(", and by %zu more process%s", c->nprocs - 1,
			       c->nprocs > 2 ? "es" : "");
		putchar('\n');
	} else {
		print_proc("       ", &c->procs[0]);
		putchar('\n');
		if (trees)
			printf("       it may write the tree's path, which it was given "
			       "(its directory, a $SRC name)\n");
		if (c->nrandom) {
			printf("       %srandomness it drew:", trees ? "or " : "");
			for (size_t i = 0; i < c->nrandom; i++)
				printf("%s %s", i ? "," : "", vis(c->random[i]));
			/* (glibc's malloc draws at every program's start: the
			 * cause may as well be what no trace records) */
			printf("; or what is not recorded: the clock, a directory "
			       "listing's order, a race or uninitialised memory\n");
		} else {
			printf("       %s: the clock, a directory listing's order, a race "
			       "or uninitialised memory\n", trees ? "or, as it drew no recorded "
			       "randomness, what is not recorded" : "it drew no recorded randomness");
		}
	}
	for (size_t i = 0; i < c->nreaches && i < SHOW_PATHS; i++) {
		int max = 100;

		const char *via = vis(c->via[i]);

		printf("       %s %s, %s ", i ? "       " : "reaches", vis(c->reaches[i]),
		       strcmp(c->reaches[i], DIFF_EXIT_OUTPUT) ? "written by" : "of");
		if ((int)strlen(via) > max)
			printf("%.*s ...)\n", cut_at(via, max), via);
		else
			printf("%s\n", via);
		if (*c->chains[i])
			printf("               through %s\n", vis(c->chains[i]));
	}
	if (c->nreaches > SHOW_PATHS)
		printf("               and %zu more of the %zu differing outputs\n",
		       c->nreaches - SHOW_PATHS, r->noutputs);
}

/* The source tree a trace was recorded in, from its TRACE.meta.json
 * beside it (NULL: none there, not readable, or no regular file, as
 * sandrun writes it: a FIFO there is not waited on). */
static char *meta_src(const char *trace)
{
	struct sr_error *err = NULL;
	struct mapped f;
	char *path, *src = NULL;
	json_t *m;

	if (!strcmp(trace, "-"))
		return NULL;
	path = xasprintf("%s.meta.json", trace);
	if (load_file(AT_FDCWD, path, path, &f, &err) < 0) {
		sr_error_free(err);
		free(path);
		return NULL;
	}
	m = json_loadb((const char *)f.buf, (size_t)f.size, 0, NULL);
	if (m && json_is_string(json_object_get(m, "src")))
		src = xstrdup(json_string_value(json_object_get(m, "src")));
	json_decref(m);
	unmap_file(&f);
	free(path);
	return src;
}

/* An output's size from its state ("file mode=... size=N ..."), or -1. */
static long long state_size(const char *state)
{
	const char *p = strstr(state, " size=");

	return p && !strncmp(state, "file ", 5) ? strtoll(p + 6, NULL, 10) : -1;
}

/* B's tree's path's length less A's (0: either unknown). */
static long long path_delta(char *const src[2])
{
	return src[0] && src[1] ? (long long)strlen(src[1]) - (long long)strlen(src[0]) : 0;
}

/* How many differing outputs are files whose size differs by a nonzero
 * multiple of the trees' paths' difference in length (a file that embeds
 * the path that many times), where it is not 0. */
static size_t path_sized(const struct diff_result *r, char *const src[2])
{
	long long delta = path_delta(src);
	size_t k = 0;

	for (size_t i = 0; delta && i < r->noutputs; i++) {
		long long a = state_size(r->outputs[i].a), b = state_size(r->outputs[i].b);

		k += a >= 0 && b >= 0 && b != a && (b - a) % delta == 0 && (b - a) / delta > 0;
	}
	return k;
}

static void print_report(const char *pa, const char *pb, const struct diff_result *r,
			 bool all, char *const src[2])
{
	size_t reaching = 0, n = 0, rest = 0;
	bool trees = src[0] && src[1] && strcmp(src[0], src[1]);

	pa = vis(pa);
	pb = vis(pb);

	if (r->equivalent) {
		printf("%s and %s are equivalent: %zu process%s, the same inputs and "
		       "outputs\n", pa, pb, r->processes_a, r->processes_a == 1 ? "" : "es");
		return;
	}
	for (size_t i = 0; i < r->ncauses; i++)
		reaching += r->causes[i].nreaches > 0;
	if (r->noutputs || r->exit_a != r->exit_b) {
		char *what = !r->noutputs ? xstrdup("the command's exit status (no other output)") :
			     xasprintf("%zu output%s%s", r->noutputs, r->noutputs == 1 ? "" : "s",
				       r->exit_a != r->exit_b ? " and the command's exit status" :
				       "");

		printf("%s and %s differ: %s, %zu process%s (of %zu and %zu)\n", pa, pb, what,
		       r->differing, r->differing == 1 ? "" : "es", r->processes_a,
		       r->processes_b);
		free(what);
	}
	else
		printf("%s and %s differ in how they ran, not in their outputs: %zu "
		       "process%s (of %zu and %zu)\n", pa, pb, r->differing,
		       r->differing == 1 ? "" : "es", r->processes_a, r->processes_b);
	/* (traces name the tree $SRC; what a build writes of its path, its
	 * own content, differs all the same) */
	if (trees) {
		size_t k = path_sized(r, src);

		printf("\nRecorded in different source trees (what embeds the tree's path,\n"
		       "as debug information or kbuild's .mod files do, differs for that alone):\n");
		printf("  A: %s\n", vis(src[0]));
		printf("  B: %s\n", vis(src[1]));
		if (k)
			printf("%zu of the %zu differing outputs differ in size by a multiple of the\n"
			       "paths' difference in length (%+lld bytes), as files that embed the "
			       "path do.\nBuild in the same path on both sides, or have the "
			       "tools map it away\n(gcc's -ffile-prefix-map=OLD=NEW).\n", k,
			       r->noutputs, path_delta(src));
	}
	if (reaching) {
		printf("\nRoot causes of the differing outputs:\n");
		for (size_t i = 0; i < r->ncauses && r->causes[i].nreaches; i++)
			print_cause(++n, &r->causes[i], r, trees);
	}
	for (size_t i = 0; i < r->ncauses; i++)
		rest += !r->causes[i].nreaches;
	if (rest && (all || !reaching)) {
		printf("\nDifferences that reach no differing output:\n");
		for (size_t i = 0; i < r->ncauses; i++)
			if (!r->causes[i].nreaches)
				print_cause(++n, &r->causes[i], r, trees);
	} else if (rest) {
		printf("\n%zu more difference%s reach%s no differing output "
		       "(--all lists them):", rest, rest == 1 ? "" : "s", rest == 1 ? "es" : "");
		for (size_t i = 0, k = 0; i < r->ncauses && k < 8; i++)
			if (!r->causes[i].nreaches && r->causes[i].kind == CAUSE_ARGV &&
			    r->causes[i].nprocs)	/* (what: exec, argv or cwd) */
				printf("%s %s of %s", k++ ? "," : "", vis(r->causes[i].what),
				       vis(r->causes[i].procs[0].id));
			else if (!r->causes[i].nreaches)
				printf("%s %s %s", k++ ? "," : "",
				       cause_kind_name(r->causes[i].kind), vis(r->causes[i].what));
		printf("%s\n", rest > 8 ? ", ..." : "");
	}
	printf("\nDownstream: %zu process%s differ%s only because of the above",
	       r->downstream, r->downstream == 1 ? "" : "es", r->downstream == 1 ? "s" : "");
	if (r->env_only)
		printf("; %zu only by an inherited environment", r->env_only);
	printf(".\n");
	if (r->nonly_a || r->nonly_b) {
		printf("Processes without a match: %zu in A, %zu in B", r->nonly_a, r->nonly_b);
		if (r->nonly_a)
			print_proc("; first in A: ", &r->only_a[0]);
		if (r->nonly_b)
			print_proc("; first in B: ", &r->only_b[0]);
		printf(".\n");
	}
	if (r->exit_a != r->exit_b)
		printf("Exit status: A %d, B %d.\n", r->exit_a, r->exit_b);
	if (r->noutputs) {
		printf("\nOutputs that differ (%zu):\n", r->noutputs);
		for (size_t i = 0; i < r->noutputs && (all || i < 20); i++)
			printf("  %s\n      A: %s\n      B: %s\n", vis(r->outputs[i].path),
			       *r->outputs[i].a ? vis(r->outputs[i].a) : "(absent)",
			       *r->outputs[i].b ? vis(r->outputs[i].b) : "(absent)");
		if (!all && r->noutputs > 20)
			printf("  ... and %zu more (--all)\n", r->noutputs - 20);
	}
}

static void json_proc(const struct diff_proc_ref *p)
{
	printf("{\"id\":");
	json_write_string(stdout, p->id);
	printf(",\"exe\":");
	json_write_string(stdout, p->exe);
	printf(",\"cmd\":");
	json_write_string(stdout, p->cmd);
	putchar('}');
}

static void json_strs(const char *name, char *const *v, size_t n)
{
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_write_string(stdout, v[i]);
	}
	putchar(']');
}

static void json_procs(const char *name, const struct diff_proc_ref *v, size_t n)
{
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_proc(&v[i]);
	}
	putchar(']');
}

static void print_json(const struct diff_result *r, char *const src[2])
{
	printf("{\"equivalent\":%s,\"digest\":\"%s\",\"processes\":[%zu,%zu],"
	       "\"differing\":%zu,\"downstream\":%zu,\"env_only\":%zu,\"exit\":[%d,%d],"
	       "\"causes\":[", r->equivalent ? "true" : "false", r->digest,
	       r->processes_a, r->processes_b, r->differing, r->downstream, r->env_only,
	       r->exit_a, r->exit_b);
	for (size_t i = 0; i < r->ncauses; i++) {
		const struct diff_cause *c = &r->causes[i];

		printf("%s{\"kind\":\"%s\",\"what\":", i ? "," : "", cause_kind_name(c->kind));
		json_write_string(stdout, c->what);
		printf(",\"a\":");
		json_write_side(c->a);
		printf(",\"b\":");
		json_write_side(c->b);
		json_procs("processes", c->procs, c->nprocs);
		json_strs("random", c->random, c->nrandom);
		json_strs("reaches", c->reaches, c->nreaches);
		json_strs("via", c->via, c->nvia);
		json_strs("chains", c->chains, c->nchains);
		putchar('}');
	}
	printf("],\"outputs\":[");
	for (size_t i = 0; i < r->noutputs; i++) {
		printf("%s{\"path\":", i ? "," : "");
		json_write_string(stdout, r->outputs[i].path);
		printf(",\"a\":");
		json_write_string(stdout, r->outputs[i].a);
		printf(",\"b\":");
		json_write_string(stdout, r->outputs[i].b);
		putchar('}');
	}
	putchar(']');
	json_procs("only_a", r->only_a, r->nonly_a);
	json_procs("only_b", r->only_b, r->nonly_b);
	printf(",\"src\":[");
	for (int k = 0; k < 2; k++) {
		if (k)
			putchar(',');
		if (src[k])
			json_write_bytes(stdout, src[k]);
		else
			fputs("null", stdout);
	}
	printf("],\"path_sized\":%zu}\n", path_sized(r, src));
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "outputs", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sr_error *err = NULL;
	struct diff_result r;
	bool json = false, all = false, outputs = false;
	char *src[2];
	int c, rc;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'a') {
			all = true;
		} else if (c == 'o') {
			outputs = true;
		} else if (c == 'h') {
			fputs(diff_usage, stdout);
			return SR_EXIT_OK;
		} else {
			return cli_try_help("diff");
		}
	}
	if (optind != argc - 2)
		return cli_usage("diff", "needs two traces, TRACE-A and TRACE-B");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return cli_usage("diff", "only one trace can be read from standard input");
	if (diff_traces(argv[optind], argv[optind + 1], &r, &err) < 0)
		return sr_error_report(err);
	src[0] = meta_src(argv[optind]);
	src[1] = meta_src(argv[optind + 1]);
	if (json)
		print_json(&r, src);
	else
		print_report(argv[optind], argv[optind + 1], &r, all, src);
	free(src[0]);
	free(src[1]);
	rc = r.equivalent || (outputs && !r.noutputs && r.exit_a == r.exit_b) ?
	     SR_EXIT_OK : SR_EXIT_DIFFERS;
	diff_free(&r);
	return rc;
}
