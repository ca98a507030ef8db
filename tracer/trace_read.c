// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/sbuf.h"
#include "lib/util.h"
#include "lib/zstdio.h"
#include "tracer/trace_read.h"

const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static int bad(struct trace_reader *r, struct sr_error **err, const char *what)
{
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: %s", r->path,
			     r->line, what);
}

/*
 * The strings of the JSON array at p ('['), joined by '\n' into text
 * (which jansson would give for them): the end of the array, just past
 * its ']'; NULL if it is not one, or not plain (a string with an escape
 * or a byte outside printable ASCII, which only jansson reads alike
 * however it is spelt).
 */
static char *plain_strings(char *p, struct sbuf *text)
{
	text->len = 0;
	if (*p++ != '[')
		return NULL;
	if (*p == ']')
		return p + 1;
	for (bool first = true;; first = false) {
		char *s;

		if (*p++ != '"')
			return NULL;
		for (s = p; *p != '"'; p++) {
			unsigned char ch = (unsigned char)*p;

			if (ch < 0x20 || ch > 0x7e || ch == '\\')
				return NULL;	/* (the line's NUL too) */
		}
		if (!first)	/* (an empty string is one too) */
			sbuf_putc(text, '\n');
		sbuf_add(text, s, (size_t)(p - s));
		p++;
		if (*p == ']')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/* r->cut's array out of the line of n bytes (r->buf), its strings in
 * r->cut_text: the line's new length.  Not cut: the line as it was. */
static size_t cut_member(struct trace_reader *r, size_t n)
{
	char *key = strstr(r->buf, r->cut), *val, *end;

	r->cut_done = false;
	if (!key || key == r->buf || key[-1] != ',')
		return n;
	val = key + strlen(r->cut);
	end = plain_strings(val, &r->cut_text);
	/* (a second one: left for the parser to refuse) */
	if (!end || strstr(end, r->cut))
		return n;
	r->cut_done = true;
	/* (the comma before the key goes with it) */
	memmove(key - 1, end, n - (size_t)(end - r->buf) + 1);
	return n - (size_t)(end - (key - 1));
}

/* A read that failed, errno set: damaged compressed data, or I/O. */
static int read_failed(struct trace_reader *r, struct sr_error **err)
{
	if (errno == EBADMSG)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: damaged zstd data: %s",
				     r->path, r->line + 1, zstd_read_error());
	return sr_error_make(err, SR_EXIT_FAILURE, errno, "%s:%lu: cannot read",
			     r->path, r->line + 1);
}

/* The length of the process ID at s ("1", "1.2.3": numbers from 1, no
 * zeros before them, as the canonicalizer numbers them) up to its '"',
 * or 0 if it is not one. */
static size_t proc_id_len(const char *s)
{
	const char *p = s;

	for (;;) {
		if (*p < '1' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '"')
			return (size_t)(p - s);
		if (*p++ != '.')
			return 0;
	}
}

/* A process's line, as the canonicalizer writes it ({"proc":"ID"} for a
 * root, 1, 2, ..., or {"proc":"ID","parent":"ID"} for a child, whose ID
 * is its parent's and a number): its ID new, its parent declared before
 * it.  Read from the text, so that a reader skipping the line unparsed
 * checks it too. */
static int check_proc(struct trace_reader *r, struct sr_error **err)
{
	const char *id = r->buf + strlen("{\"proc\":\""), *q, *dot;
	size_t n = proc_id_len(id), np;
	char msg[200];

	if (!n)
		return bad(r, err, "a process ID that is not 1, 2, ... or PARENT.N");
	q = id + n;
	if (!strset_add(&r->procs, id, n)) {
		snprintf(msg, sizeof(msg), "process %.*s is declared twice",
			 (int)(n < 64 ? n : 64), id);
		return bad(r, err, msg);
	}
	r->last_proc.len = 0;
	sbuf_add(&r->last_proc, id, n);
	r->last_exited = false;
	dot = memrchr(id, '.', n);
	np = dot ? (size_t)(dot - id) : 0;
	/* (the whole line: {"proc":"ID"} or {"proc":"ID","parent":"PID"}) */
	if (!dot && strcmp(q, "\"}\n"))
		snprintf(msg, sizeof(msg), "process %.*s, a root: {\"proc\":\"%.*s\"} and "
			 "nothing more", (int)(n < 64 ? n : 64), id, (int)(n < 64 ? n : 64), id);
	else if (dot && (!str_has_prefix(q, "\",\"parent\":\"") ||
			 strncmp(q + strlen("\",\"parent\":\""), id, np) ||
			 strcmp(q + strlen("\",\"parent\":\"") + np, "\"}\n")))
		snprintf(msg, sizeof(msg), "process %.*s without its parent %.*s",
			 (int)(n < 64 ? n : 64), id, (int)(np < 64 ? np : 64), id);
	else if (dot && !strset_has(&r->procs, id, np))
		snprintf(msg, sizeof(msg), "the parent %.*s is not declared before "
			 "its child", (int)(np < 64 ? np : 64), id);
	else
		return 0;
	return bad(r, err, msg);
}

/* Whether s is an event's kind up to its '"', as the format names them
 * (lowercase words joined by '-': "exec-fail"). */
static bool event_kind_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz-");

	return n && s[n] == '"';
}

/* Whether s, what follows an exit's kind, begins with its status (0-255)
 * or its signal, as the format writes them: ,"status":N or
 * ,"signal":"SIGNAME" ("SIG?" for a signal with no name).  Read from the
 * text, as readers skip an exit unparsed: a status "0" or none read as
 * success. */
static bool exit_rest_ok(const char *s)
{
	static const char status[] = "\",\"status\":", sig[] = "\",\"signal\":\"SIG";
	char *end;
	size_t n;

	if (str_has_prefix(s, status)) {
		s += strlen(status);
		return *s >= '0' && *s <= '9' && strtoul(s, &end, 10) <= 255 &&
		       (*end == '}' || *end == ',');
	}
	if (!str_has_prefix(s, sig))
		return false;
	s += strlen(sig);
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+?");
	return n && s[n] == '"' && (s[n + 1] == '}' || s[n + 1] == ',');
}

/* An event ({"p":"ID","ev":"KIND",...}) of the process declared last: a
 * reader takes it for that process's (diff does), so one that is not
 * (moved, or of a process never declared) is refused.  Its kind is its
 * second member, as the format writes it: read from the text, so that a
 * reader skipping the line unparsed refuses one without it too. */
static int check_event(struct trace_reader *r, struct sr_error **err)
{
	static const char ev[] = "\",\"ev\":\"";
	const char *id = r->buf + strlen("{\"p\":\""), *kind;
	size_t n = proc_id_len(id);
	char msg[200];

	if (!n)
		return bad(r, err, "an event whose process ID is not 1, 2, ... or PARENT.N");
	kind = id + n + strlen(ev);
	if (!str_has_prefix(id + n, ev) || !event_kind_ok(kind))
		return bad(r, err, "an event without its kind as its second member "
			   "({\"p\":\"ID\",\"ev\":\"KIND\", as the format writes it)");
	if (r->last_proc.len == n && !memcmp(r->last_proc.p, id, n)) {
		/* (a process's exit is its last event) */
		if (r->last_exited)
			return bad(r, err, "an event after its process's exit (a process's "
				   "exit is its last event)");
		r->last_exited = str_has_prefix(kind, "exit\"");
		if (r->last_exited && !exit_rest_ok(kind + strlen("exit")))
			return bad(r, err, "an exit whose member after its kind is not "
				   "\"status\":N (N 0-255) or \"signal\":\"SIGNAME\"");
		return 0;
	}
	if (!r->nprocs)
		snprintf(msg, sizeof(msg), "an event of process %.*s before any process record",
			 (int)(n < 64 ? n : 64), id);
	else
		snprintf(msg, sizeof(msg), "an event of process %.*s among those of %.*s "
			 "(each process's events follow its record)",
			 (int)(n < 64 ? n : 64), id,
			 (int)(r->last_proc.len < 64 ? r->last_proc.len : 64), r->last_proc.p);
	return bad(r, err, msg);
}

/* The longest record read, with its newline: far past any exec's argv
 * and environment (the kernel's limit is a quarter of the stack), and
 * short of a line that would take the reader's memory. */
#define TRACE_LINE_MAX ((size_t)64 << 20)
#define TRACE_IN_BUF ((size_t)64 << 10)

/* One line of r->f into r->buf (its newline and a NUL after): its length,
 * 0 at the end, -1 on a read error (errno), -2 past TRACE_LINE_MAX, which
 * getline would have taken whole first. */
static ssize_t line_get(struct trace_reader *r)
{
	size_t len = 0;

	if (!r->in)
		r->in = xmalloc(TRACE_IN_BUF);
	for (;;) {
		const char *at, *nl;
		size_t avail, take;

		if (r->in_pos == r->in_len) {
			size_t k = fread(r->in, 1, TRACE_IN_BUF, r->f);

			if (!k)
				return ferror(r->f) ? -1 : (ssize_t)len;
			r->in_pos = 0;
			r->in_len = k;
		}
		at = r->in + r->in_pos;
		avail = r->in_len - r->in_pos;
		nl = memchr(at, '\n', avail);
		take = nl ? (size_t)(nl - at) + 1 : avail;
		if (len + take >= TRACE_LINE_MAX)
			return -2;
		if (len + take + 1 > r->cap) {
			r->cap = len + take + 1 > 2 * r->cap ? len + take + 1 : 2 * r->cap;
			r->buf = xrealloc(r->buf, r->cap);
		}
		memcpy(r->buf + len, at, take);
		len += take;
		r->in_pos += take;
		r->buf[len] = '\0';
		if (nl)
			return (ssize_t)len;
	}
}

/* The most values (arrays, objects, members and elements) a record may
 * hold, far past any exec's argv and environment: each is a node of
 * jansson's, ~90 bytes for 3 of a line ("[],"): a 63 MiB line of them
 * took show 3 GB and diff 6 GB. */
#define TRACE_VALUES_MAX ((size_t)4 << 20)

/* Whether a line holds more than TRACE_VALUES_MAX values, counted from
 * above (each value but the first follows a ',' or opens a '[' or '{',
 * in strings or not); short lines cannot. */
static bool too_many_values(const char *s, size_t n)
{
	size_t count = 0;

	if (n / 3 <= TRACE_VALUES_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		count += s[i] == ',' || s[i] == '[' || s[i] == '{';
	return count > TRACE_VALUES_MAX;
}

/* One line as a JSON object; 0 at end of file, 2 when skipped. */
static int read_object_if(struct trace_reader *r,
			  bool (*want)(const char *, void *), void *ctx,
			  json_t **ret, struct sr_error **err)
{
	json_error_t je;
	ssize_t n;
	json_t *j;
	bool skip;

	errno = 0;
	n = line_get(r);
	if (n == -1)
		return read_failed(r, err);
	r->line++;
	if (n == -2)
		return bad(r, err, "a record longer than 64 MiB");
	if (n == 0) {
		r->line--;
		return 0;
	}
	if (n == 0 || r->buf[n - 1] != '\n')
		return bad(r, err, "truncated line");
	/* (counted for check_end; the kind is the first member, as the
	 * format writes it: a line is one kind, whatever else it has) */
	r->is_end = false;
	if (r->header) {
		if (str_has_prefix(r->buf, "{\"proc\":\"")) {
			r->nprocs++;
			if (check_proc(r, err) < 0)
				return -1;
		} else if (str_has_prefix(r->buf, "{\"state\":\"")) {
			r->nstates++;
		} else if (str_has_prefix(r->buf, "{\"end\":\"")) {
			r->is_end = true;
		} else if (str_has_prefix(r->buf, "{\"p\":\"")) {
			r->nevents++;
			if (check_event(r, err) < 0)
				return -1;
		} else {
			return bad(r, err, "a record that does not begin with its kind's member "
				   "({\"proc\":, {\"p\":, {\"state\": or {\"end\":, as the format "
				   "writes them)");
		}
	}
	/* (a record skipped unparsed is still checked to be one: the
	 * same JSON as jansson reads; one json_check does not take is
	 * parsed, for jansson's word on it, and then skipped) */
	skip = want && !r->is_end && !want(r->buf, ctx);
	if (skip) {
		size_t at;

		if (r->buf[0] != '{')
			return bad(r, err, "a record must be a JSON object");
		if (json_check(r->buf, (size_t)n - 1, &at))
			return 2;
	}
	/* (jansson would take a NUL for the record's end) */
	if (memchr(r->buf, '\0', (size_t)n))
		return bad(r, err, "a NUL byte in a record");
	if (too_many_values(r->buf, (size_t)n))
		return bad(r, err, "a record of more than 4M JSON values");
	if (r->cut)
		n = (ssize_t)cut_member(r, (size_t)n);
	j = json_loadb(r->buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		char msg[256];

		snprintf(msg, sizeof(msg), "invalid JSON: %s (column %d)", je.text, je.column);
		return bad(r, err, msg);
	}
	if (skip) {
		json_decref(j);
		return 2;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return bad(r, err, "a record must be a JSON object");
	}
	*ret = j;
	return 1;
}

static int read_object(struct trace_reader *r, json_t **ret, struct sr_error **err)
{
	return read_object_if(r, NULL, NULL, ret, err);
}

/* path opened to read, "-" standard input (as sha256sum's), or -1. */
static int open_in(const char *path)
{
	if (!strcmp(path, "-"))
		return fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int trace_open(struct trace_reader *r, const char *path, struct sr_error **err)
{
	int fd = open_in(path);
	FILE *f = fd >= 0 ? zstd_fdopen_any(fd) : NULL;	/* (takes fd) */

	if (!f) {
		memset(r, 0, sizeof(*r));
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot open '%s'", path);
	}
	return trace_open_file(r, f, path, err);
}

/* Whether line (len bytes, its newline included) is a trace's header. */
static bool header_line(const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	bool ok = json_is_object(j) && !strcmp(jstr(j, "format"), "sandrun-trace");

	json_decref(j);
	return ok;
}

/*
 * Where a copy of a stream can stop: the reader will refuse what follows
 * (a first line that is no header, a line past TRACE_LINE_MAX), so no
 * more is copied (a `diff /dev/zero B` filled $TMPDIR).  A zstd stream is
 * copied whole.
 */
struct copy_check {
	bool plain, header_seen;
	struct sbuf first;	/* the first line, up to its newline */
	size_t line_len;	/* the current line's bytes so far */
};

/* How many of the n bytes at buf to copy (fewer: the copy ends there). */
static size_t copy_take(struct copy_check *c, const unsigned char *buf, size_t n, bool start)
{
	static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	/* (a zstd frame, or a skippable one: 0x184D2A5?) */
	if (start)
		c->plain = n < 4 || (memcmp(buf, zstd_magic, 4) &&
				     ((buf[0] & 0xf0) != 0x50 || memcmp(buf + 1, "\x2a\x4d\x18", 3)));
	if (!c->plain)
		return n;
	for (size_t i = 0; i < n; i++) {
		if (!c->header_seen)
			sbuf_putc(&c->first, (char)buf[i]);
		if (buf[i] != '\n') {
			if (++c->line_len > TRACE_LINE_MAX)
				return i + 1;
			continue;
		}
		c->line_len = 0;
		if (!c->header_seen) {
			c->header_seen = true;
			if (!header_line(c->first.p, c->first.len))
				return i + 1;
		}
	}
	return n;
}

/*
 * A trace read more than once: held open, so that each pass reads the
 * same file (one renamed over it between two passes made a report of
 * both); one that is no regular file (a pipe, `<(zstdcat ...)`) is
 * copied first to a temporary file with no name, in $TMPDIR or /tmp, up
 * to where the reader will refuse it.
 */
int trace_copy_if_pipe(const char *path, int *copy, struct sr_error **err)
{
	struct copy_check c = { 0 };
	struct stat st;
	unsigned char buf[1 << 16];
	bool start = true, done = false;
	ssize_t n;
	int in;

	*copy = -1;
	if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return sr_error_make(err, SR_EXIT_FAILURE, EISDIR, "cannot read '%s'", path);
	in = open_in(path);
	if (in < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot open '%s'", path);
	if (fstat(in, &st) == 0 && S_ISREG(st.st_mode)) {
		*copy = in;
		return 0;
	}
	*copy = tmpfile_unnamed();
	if (*copy < 0) {
		int e = errno;

		close(in);
		return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot make a temporary "
				     "copy of '%s' (a pipe is read twice)", path);
	}
	while (!done && (n = read(in, buf, sizeof(buf))) > 0) {
		size_t take;

		/* (the first four bytes together: zstd's magic or not) */
		while (start && n < 4) {
			ssize_t more = read(in, buf + n, sizeof(buf) - (size_t)n);

			if (more <= 0)
				break;
			n += more;
		}
		take = copy_take(&c, buf, (size_t)n, start);
		start = false;
		done = take < (size_t)n;
		if (write_all(*copy, buf, take) < 0)
			break;
	}
	sbuf_free(&c.first);
	if (!done && n != 0) {
		int e = errno;

		close(in);
		close(*copy);
		*copy = -1;
		return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot copy '%s' to a "
				     "temporary file", path);
	}
	close(in);
	return 0;
}

int trace_reopen(struct trace_reader *r, const char *path, int copy,
		 struct sr_error **err)
{
	FILE *f;
	int fd;

	if (copy < 0)
		return trace_open(r, path, err);
	fd = dup(copy);		/* (the offset is shared: one pass at a time) */
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;

		close(fd);
		fd = -1;
		errno = e;
	}
	f = fd >= 0 ? zstd_fdopen_any(fd) : NULL;	/* (takes fd) */
	if (!f) {
		int e = errno;

		memset(r, 0, sizeof(*r));
		return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot read '%s' again", path);
	}
	return trace_open_file(r, f, path, err);
}

int trace_open_file(struct trace_reader *r, FILE *f, const char *name,
		    struct sr_error **err)
{
	enum digest_algo algo;
	json_t *version;
	int ok;

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(name);
	r->f = f;
	ok = read_object(r, &r->header, err);
	if (ok <= 0) {
		if (ok == 0)
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				      "%s: empty file, not a sandrun trace", r->path);
		return -1;
	}
	if (strcmp(jstr(r->header, "format"), "sandrun-trace"))
		return bad(r, err, "not a sandrun trace (no \"format\":\"sandrun-trace\" header)");
	version = json_object_get(r->header, "version");
	if (!json_is_integer(version))
		return bad(r, err, "the header's \"version\" is not an integer");
	if (json_integer_value(version) != TRACE_VERSION) {
		char msg[128];

		snprintf(msg, sizeof(msg), "unsupported trace format version %lld "
			 "(this sandrun reads version %d)",
			 (long long)json_integer_value(version), TRACE_VERSION);
		return bad(r, err, msg);
	}
	/* (what fold, lock and diff write after the digests' hex) */
	if (digest_algo_parse(jstr(r->header, "digest"), &algo) < 0)
		return bad(r, err, "the header's \"digest\" is not sha256 or xxh128");
	return 0;
}

/* A count the end record gives must match; a complete trace's gives
 * the processes and events (0 when it gives none: required). */
static int check_count(struct trace_reader *r, const char *key, unsigned long have,
		       bool required, struct sr_error **err)
{
	json_t *v = json_object_get(r->end, key);

	if (!v && required)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "%s:%lu: the end record of a complete trace has no \"%s\" "
				     "count", r->path, r->line, key);
	if (!v || (json_is_integer(v) && json_integer_value(v) >= 0 &&
		   (unsigned long long)json_integer_value(v) == have))
		return 0;
	if (!json_is_integer(v))
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "%s:%lu: the end record's \"%s\" is not a count",
				     r->path, r->line, key);
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
			     "%s:%lu: the end record counts %lld %s, the trace has %lu "
			     "(lines lost or added)", r->path, r->line,
			     (long long)json_integer_value(v), key, have);
}

/* The end record's counts, and its "exit": the command's status (0-255:
 * 128+N for signal N), a complete trace's required (a reader would take
 * "zero", or none, for 0: success). */
static int check_end(struct trace_reader *r, struct sr_error **err)
{
	bool complete = !strcmp(jstr(r->end, "end"), "complete");
	json_t *v = json_object_get(r->end, "exit");

	if (check_count(r, "processes", r->nprocs, complete, err) < 0 ||
	    check_count(r, "events", r->nevents, complete, err) < 0 ||
	    check_count(r, "states", r->nstates, false, err) < 0)
		return -1;
	if (!v && complete)
		return bad(r, err, "the end record of a complete trace has no \"exit\" status");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
		  json_integer_value(v) > 255))
		return bad(r, err, "the end record's \"exit\" is not an exit status (0-255)");
	return 0;
}

int trace_next(struct trace_reader *r, json_t **ret, struct sr_error **err)
{
	return trace_next_if(r, NULL, NULL, ret, err);
}

int trace_next_if(struct trace_reader *r,
		  bool (*want)(const char *line, void *ctx), void *ctx,
		  json_t **ret, struct sr_error **err)
{
	json_t *j;
	int ok;

	if (r->end)
		return 0;
	ok = read_object_if(r, want, ctx, &j, err);
	if (ok < 0 || ok == 2)
		return ok;
	if (ok == 0)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "%s:%lu: truncated: the trace has no end record",
				     r->path, r->line);
	if (r->is_end) {
		r->end = j;
		/* (named by its own line: the end record's is whole) */
		if (r->in_pos < r->in_len || getc(r->f) != EOF)
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: data after "
					     "the end record", r->path, r->line + 1);
		if (ferror(r->f))
			return read_failed(r, err);
		return check_end(r, err);
	}
	*ret = j;
	return 1;
}

int trace_require_complete(struct trace_reader *r, const char *then,
			   struct sr_error **err)
{
	char *reason;
	int rc;

	if (!strcmp(jstr(r->end, "end"), "complete"))
		return 0;
	reason = str_visible(*jstr(r->end, "reason") ? jstr(r->end, "reason") :
			     "no reason given");
	rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: the trace is incomplete (%s); %s",
			   r->path, reason, then);
	free(reason);
	return rc;
}

void trace_close(struct trace_reader *r)
{
	if (r->f)
		fclose(r->f);
	json_decref(r->header);
	json_decref(r->end);
	free(r->buf);
	free(r->in);
	free(r->path);
	sbuf_free(&r->cut_text);
	sbuf_free(&r->last_proc);
	strset_free(&r->procs);
	memset(r, 0, sizeof(*r));
}
