// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun show`: a canonical trace for a person. */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/cli.h"
#include "tracer/trace_read.h"

static const char show_usage[] =
	"Usage: sandrun show [OPTION]... TRACE\n"
	"Print a trace's process tree and what each process did.\n"
	"\n"
	"  -t, --tree          only the process tree\n"
	"  -p, --process=ID    only this process (e.g. 1.2)\n"
	"  -s, --subtree=ID    only this process and its descendants\n"
	"      --path=GLOB     only events on paths matching GLOB ($SRC/*.c);\n"
	"                      '*' matches '/' too\n"
	"  -h, --help          print this help and exit\n"
	"\n"
	"TRACE may be zstd-compressed; - is standard input.  Exit status: 0, 123\n"
	"for a malformed or unsupported trace, 124 for a usage error, 125 when\n"
	"TRACE cannot be read or the output cannot be written.\n";

struct show_opts {
	bool tree;
	const char *process, *subtree, *path;
};

static bool in_scope(const struct show_opts *o, const char *id)
{
	size_t n;

	if (o->process)
		return !strcmp(id, o->process);
	if (o->subtree) {
		n = strlen(o->subtree);
		return !strncmp(id, o->subtree, n) && (id[n] == '\0' || id[n] == '.');
	}
	return true;
}

static int depth(const char *id)
{
	int d = 0;

	for (; *id; id++)
		d += *id == '.';
	return d;
}

/* A string of the trace's, its control bytes as \xHH (as the trace
 * writes a byte that is not UTF-8): a name the build chose (a newline,
 * an escape sequence) can neither break a line nor reach the terminal. */
static void put(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* before, s as put() prints it, after. */
static void label(const char *before, const char *s, const char *after)
{
	fputs(before, stdout);
	put(s);
	fputs(after, stdout);
}

static void print_argv(const json_t *argv)
{
	size_t i;
	json_t *a;

	json_array_foreach(argv, i, a) {
		if (i)
			putchar(' ');
		put(json_string_value(a) ? json_string_value(a) : "?");
	}
}

static bool path_matches(const struct show_opts *o, const json_t *ev)
{
	if (!o->path)
		return true;
	return !fnmatch(o->path, jstr(ev, "path"), 0) ||
	       !fnmatch(o->path, jstr(ev, "to"), 0);
}

static void print_event(const json_t *ev)
{
	/* (a state record: its kind, before or after) */
	const char *kind = *jstr(ev, "ev") ? jstr(ev, "ev") : jstr(ev, "state");
	json_t *status = json_object_get(ev, "status");

	fputs("    ", stdout);
	put(kind);
	printf("%*s", strlen(kind) < 11 ? 11 - (int)strlen(kind) : 1, "");
	if (!strcmp(kind, "exec")) {
		print_argv(json_object_get(ev, "argv"));
		fputs("  [", stdout);
		put(jstr(ev, "path"));
		fputs(" in ", stdout);
		put(jstr(ev, "cwd"));
		fputs("]\n", stdout);
		return;
	}
	if (!strcmp(kind, "exit")) {
		if (status)
			printf("status %lld\n", (long long)json_integer_value(status));
		else
			label("killed by ", jstr(ev, "signal"), "\n");
		return;
	}
	if (!strcmp(kind, "spawn")) {
		put(jstr(ev, "child"));
		putchar('\n');
		return;
	}
	if (*jstr(ev, "mode")) {
		put(jstr(ev, "mode"));
		printf("%*s", strlen(jstr(ev, "mode")) < 6 ? 7 - (int)strlen(jstr(ev, "mode")) : 1, "");
	}
	if (*jstr(ev, "call")) {
		put(jstr(ev, "call"));
		putchar(' ');
	}
	if (*jstr(ev, "target")) {
		put(jstr(ev, "target"));
		fputs(" -> ", stdout);
	}
	put(*jstr(ev, "path") ? jstr(ev, "path") : jstr(ev, "addr"));
	if (*jstr(ev, "to")) {
		fputs(" -> ", stdout);
		put(jstr(ev, "to"));
	}
	if (*jstr(ev, "attr")) {
		putchar(' ');
		put(jstr(ev, "attr"));
	}
	if (*jstr(ev, "res") && strcmp(jstr(ev, "res"), "ok"))
		label("  ", jstr(ev, "res"), "");
	if (*jstr(ev, "type"))
		label("  (", jstr(ev, "type"), ")");
	if (*jstr(ev, "digest"))
		label("  ", jstr(ev, "digest"), "");
	putchar('\n');
}

static void print_header(struct trace_reader *r, const char *path)
{
	printf("trace %s: ", path);
	print_argv(json_object_get(r->header, "command"));
	printf("  (digests: %s)\n", jstr(r->header, "digest"));	/* (checked) */
}

/* --tree needs process records and execs only: the rest is not parsed. */
static bool tree_line(const char *line, void *ctx)
{
	(void)ctx;
	return str_has_prefix(line, "{\"proc\"") || strstr(line, ",\"ev\":\"exec\",");
}

/* The heading a record waits under, printed once: a process's
 * (*proc, its record) or the states' (*states). */
static void print_heading(json_t **proc, bool *states)
{
	if (*states)
		puts("states");	/* (after the processes, the run's) */
	*states = false;
	if (!*proc)
		return;
	printf("process %s", jstr(*proc, "proc"));
	if (*jstr(*proc, "parent"))
		label(" (parent ", jstr(*proc, "parent"), ")");
	putchar('\n');
	json_decref(*proc);
	*proc = NULL;
}

static int show(const struct show_opts *o, const char *path)
{
	struct trace_reader r;
	struct sr_error *err = NULL;
	const char *scope = o->process ? o->process : o->subtree;
	bool found = false, states = false, states_waits = false;
	json_t *rec, *heading = NULL;
	int n;

	if (trace_open(&r, path, &err) < 0) {
		trace_close(&r);
		return sr_error_report(err);
	}
	/* (with a scope, the header waits for its first record: a trace
	 * without that process prints nothing but the usage error) */
	if (!scope)
		print_header(&r, path);
	while ((n = trace_next_if(&r, o->tree ? tree_line : NULL, NULL, &rec, &err)) > 0) {
		const char *id;

		if (n == 2)
			continue;	/* skipped unparsed */
		id = *jstr(rec, "proc") ? jstr(rec, "proc") : jstr(rec, "p");

		if (!in_scope(o, id)) {
			json_decref(rec);
			continue;
		}
		if (scope && !found)
			print_header(&r, path);
		found = true;
		/* (with --path, a heading waits for its first match) */
		if (*jstr(rec, "state") && !states && !o->tree) {
			states = true;
			json_decref(heading);
			heading = NULL;
			states_waits = true;
		}
		if (*jstr(rec, "proc") && !o->tree) {
			json_decref(heading);
			heading = json_incref(rec);
		} else if (*jstr(rec, "proc")) {
			printf("%*s%s\n", 2 * depth(id), "", id);
		} else if (o->tree) {
			if (!strcmp(jstr(rec, "ev"), "exec") && path_matches(o, rec)) {
				printf("%*s  ", 2 * depth(id), "");
				print_argv(json_object_get(rec, "argv"));
				putchar('\n');
			}
		} else if (path_matches(o, rec)) {
			print_heading(&heading, &states_waits);
			print_event(rec);
		}
		if (!o->path)
			print_heading(&heading, &states_waits);
		json_decref(rec);
	}
	json_decref(heading);
	if (n < 0) {
		trace_close(&r);
		return sr_error_report(err);
	}
	if (scope && !found) {
		trace_close(&r);
		return cli_usage("show", "%s has no process %s", path, scope);
	}
	if (strcmp(jstr(r.end, "end"), "complete"))
		label("warning: the trace is incomplete: ", jstr(r.end, "reason"), "\n");
	else
		printf("end: exit %lld, %lld processes, %lld events\n",
		       (long long)json_integer_value(json_object_get(r.end, "exit")),
		       (long long)json_integer_value(json_object_get(r.end, "processes")),
		       (long long)json_integer_value(json_object_get(r.end, "events")));
	trace_close(&r);
	return SR_EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tree", no_argument, NULL, 't' },
		{ "process", required_argument, NULL, 'p' },
		{ "subtree", required_argument, NULL, 's' },
		{ "path", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct show_opts o = { 0 };
	int c;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "tp:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.tree = true; break;
		case 'p': o.process = optarg; break;
		case 's': o.subtree = optarg; break;
		case 'P': o.path = optarg; break;
		case 'h': fputs(show_usage, stdout); return SR_EXIT_OK;
		default: return cli_try_help("show");
		}
	}
	if (o.process && o.subtree)
		return cli_usage("show", "--process and --subtree exclude each other");
	/* (no process's: it showed them all) */
	if ((o.process && !*o.process) || (o.subtree && !*o.subtree))
		return cli_usage("show", "an empty process ID");
	if (optind != argc - 1)
		return cli_usage("show", "needs exactly one TRACE");
	return show(&o, argv[optind]);
}
