// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun fold`: a run's delta, from the states its trace has of every
 * path it changed (docs/delta-format.md), checked on the way; the state
 * records' reading that fold_scope.c shares; the delta's text and
 * checksum.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/mtree.h"
#include "lib/strset.h"
#include "lib/util.h"
#include "tracer/fold.h"
#include "tracer/fold_priv.h"
#include "tracer/trace_read.h"

/* A trace string (docs/trace-format.md: \xHH, \\) as an mtree path. */
char *fold_path_of(const char *s)
{
	char *raw = bytes_unescape(s);
	char *out = mtree_escape(raw);

	free(raw);
	return out;
}

/* Whether p is a path as a trace writes it: "/" or a root ($SRC, $TMP,
 * $HOME), then names, none empty, "." or "..". */
bool fold_trace_path_ok(const char *p)
{
	static const char *const roots[] = { "$SRC", "$TMP", "$HOME" };
	const char *c = p[0] == '/' ? p : NULL;

	/* (each byte in its one spelling: a backslash doubled, \xhh a byte
	 * that is not UTF-8, never an ASCII one: "\x2f" would make a "/" of
	 * the delta's path that this walk did not see, and "\q" or "\xzz"
	 * would be a byte the trace's writer never spells so) */
	for (const char *x = p; *x; x++) {
		if (x[0] != '\\')
			continue;
		if (x[1] == '\\') {
			x++;
		} else if (x[1] == 'x' && x[2] >= '8' && x[2] <= 'f' && (x[2] <= '9' || x[2] >= 'a') &&
			   ((x[3] >= '0' && x[3] <= '9') || (x[3] >= 'a' && x[3] <= 'f'))) {
			x += 3;
		} else {
			return false;
		}
	}
	for (size_t i = 0; !c && i < ARRAY_SIZE(roots); i++) {
		size_t n = strlen(roots[i]);

		if (!strncmp(p, roots[i], n) && (!p[n] || p[n] == '/'))
			c = p + n;
	}
	if (!c || !*c)
		return c != NULL;	/* (a root itself) */
	if (!strcmp(c, "/"))
		return c == p;		/* ("/", not "$SRC/") */
	for (c++;;) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

int fold_state_entry(const json_t *rec, struct fsentry *e, bool need_path,
		     const char *algo, const char **why)
{
	static const struct { const char *name; enum fs_type t; } types[] = {
		{ "absent", FS_ABSENT }, { "file", FS_FILE }, { "dir", FS_DIR },
		{ "symlink", FS_LINK }, { "fifo", FS_FIFO }, { "chardev", FS_CHAR },
		{ "blockdev", FS_BLOCK }, { "socket", FS_SOCKET },
	};
	static const char *const strs[] = { "type", "perm", "path", "digest", "target", "state" };
	const char *type = jstr(rec, "type"), *perm = jstr(rec, "perm");
	const char *path = jstr(rec, "path"), *digest = jstr(rec, "digest");
	json_t *size = json_object_get(rec, "size");
	size_t i;

	memset(e, 0, sizeof(*e));
	*why = NULL;
	for (i = 0; i < ARRAY_SIZE(strs); i++)
		if (json_object_get(rec, strs[i]) && !json_is_string(json_object_get(rec, strs[i])))
			*why = "a member that should be a string is not one";
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i].name, type))
			break;
	/* (what the delta's line is made of, checked: a digest or a
	 * number could otherwise carry another line into it) */
	if (*why)
		;
	else if (i == ARRAY_SIZE(types))
		*why = "no known type";
	else if (need_path && strcmp(jstr(rec, "state"), "before") &&
		 strcmp(jstr(rec, "state"), "after"))
		*why = "a state neither \"before\" nor \"after\"";
	else if (need_path && !fold_trace_path_ok(path))
		*why = "no path, or one that is neither absolute nor under a root, or not "
		       "normalized";
	else if ((*perm || types[i].t != FS_ABSENT) &&
		 (!*perm || strlen(perm) > 4 || perm[strspn(perm, "01234567")]))
		*why = "a perm that is not 1-4 octal digits";
	else if (size && (!json_is_integer(size) || json_integer_value(size) < 0))
		*why = "a size that is not a count of bytes";
	else if (!size && types[i].t == FS_FILE)
		*why = "a file without its size";
	else if (*digest && (algo ? !mtree_hex_digest(digest, algo) :
			     !mtree_hex_digest(digest, "xxh128") && !mtree_hex_digest(digest, "sha256")))
		*why = "a digest that is not lowercase hex of the trace's digest";
	/* (the members each type has, as the tracer writes them) */
	else if (json_object_get(rec, "res"))
		*why = "a type and an errno (res) both";
	else if (types[i].t == FS_ABSENT && *perm)
		*why = "a perm of what is absent";
	/* (a symlink's target may be unknown: /proc/self's in the
	 * tracer's view) */
	else if (types[i].t != FS_LINK && json_object_get(rec, "target"))
		*why = "a target of what is no symlink";
	else if (types[i].t != FS_FILE && (size || *digest))
		*why = "a size or digest of what is no file";
	if (*why)
		return -1;
	e->type = types[i].t;
	e->path = fold_path_of(path);
	e->perm = (unsigned)strtoul(perm, NULL, 8);
	e->size = (long long)json_integer_value(size);
	if (*digest)
		e->digest = xstrdup(digest);
	if (*jstr(rec, "target"))
		e->target = fold_path_of(jstr(rec, "target"));
	return 0;
}

bool fold_state_unknown(const json_t *rec)
{
	const char *res = jstr(rec, "res");

	/* (an errno's name: ENOENT, EACCES, ...) */
	return !json_object_get(rec, "type") && json_is_string(json_object_get(rec, "res")) &&
	       res[0] == 'E' && res[1] && !res[1 + strspn(res + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")];
}

bool fold_state_ok(const json_t *rec, const char *algo, const char **why)
{
	struct fsentry e;

	if (fold_state_entry(rec, &e, true, algo, why) < 0)
		return false;
	fsentry_free(&e);
	return true;
}

/* The run's before and after states, sorted, each path's given once
 * (an error else). */
int fold_states_sorted(struct fslist *before, struct fslist *after, const char *trace,
		       struct sr_error **err)
{
	struct fslist *l[2] = { before, after };

	for (int k = 0; k < 2; k++) {
		fslist_sort(l[k]);
		for (size_t i = 1; i < l[k]->n; i++)
			if (!strcmp(l[k]->v[i - 1].path, l[k]->v[i].path))
				return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: the %s "
						     "state of '%s' is given twice", trace,
						     k ? "after" : "before", l[k]->v[i].path);
	}
	return 0;
}

int fold_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A delta's symlink needs its target, which the tracer can lack (its
 * readlink lost a race with a removal; /proc/self is its own in its
 * view): a delta line "link=" that apply refuses is not written.  (The
 * same unknown target before and after is no change, and no line.)
 */
int fold_delta_whole(const struct fold_result *r, const char *trace, struct sr_error **err)
{
	for (size_t i = 0; i < r->delta.n; i++)
		if (r->delta.v[i].type == FS_LINK && !r->delta.v[i].target)
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: '%s' ends a symlink "
					     "whose target the trace does not have", trace,
					     r->delta.v[i].path);
	return 0;
}

void fold_diff_states(struct fslist *before, struct fslist *after, struct fold_result *r)
{
	size_t i = 0;

	for (size_t j = 0; j < after->n; j++) {
		struct fsentry *a = &after->v[j];
		int c = 1;

		while (i < before->n && (c = strcmp(before->v[i].path, a->path)) < 0)
			i++;
		if (i < before->n && c == 0 && fsentry_same(&before->v[i], a))
			continue;
		if (i < before->n && c == 0 && before->v[i].type != FS_ABSENT)
			a->type == FS_ABSENT ? r->deleted++ : r->modified++;
		else if (a->type != FS_ABSENT)
			r->created++;
		else
			continue;	/* absent before (or unknown) and after */
		fslist_push(&r->delta, a);
	}
}

/* The end of the JSON string whose contents start at p (its closing
 * quote, or the NUL). */
static const char *string_end(const char *p)
{
	for (; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return p;
}

/*
 * The records a run-level fold parses: states and processes.  Successful
 * reads of files are only counted, by their path as written (canonical
 * JSON escaping is deterministic, so equal paths are equal strings), in
 * a set (a build reads the same files again and again).  A trace sandrun
 * wrote has its keys in one order ("p", "ev", "path", "mode", "res",
 * "type"): its open lines are taken apart in that order, not searched
 * along; any other line is searched.
 */
struct run_fold_ctx {
	struct strset reads;
	unsigned long untraceable;
};

static bool run_fold_wants(const char *line, void *ctx)
{
	static const char open_path[] = "\",\"ev\":\"open\",\"path\":\"";
	static const char mode_r[] = "\",\"mode\":\"r\"", mode[] = "\",\"mode\":\"";
	static const char res_ok[] = ",\"res\":\"ok\"", res[] = ",\"res\":\"";
	static const char type_file[] = ",\"type\":\"file\"", type[] = ",\"type\":\"";
	struct run_fold_ctx *c = ctx;
	struct strset *reads = &c->reads;
	const char *p, *q, *t;

	if (str_has_prefix(line, "{\"state\"") || str_has_prefix(line, "{\"proc\""))
		return true;
	if (str_has_prefix(line, "{\"p\":\"") && (q = strchr(line + 6, '"')) != NULL &&
	    str_has_prefix(q, "\",\"ev\":\"")) {
		if (str_has_prefix(q, "\",\"ev\":\"untraceable\""))
			c->untraceable++;
		if (!str_has_prefix(q, open_path))
			return false;	/* another event */
		p = q + sizeof(open_path) - 1;
		q = string_end(p);
		/* in sandrun's order, each key that is there decides */
		t = q;
		if (str_has_prefix(t, mode) && !str_has_prefix(t, mode_r))
			return false;
		if (str_has_prefix(t, mode_r)) {
			t += sizeof(mode_r) - 1;
			if (str_has_prefix(t, res) && !str_has_prefix(t, res_ok))
				return false;
			if (str_has_prefix(t, res_ok)) {
				t += sizeof(res_ok) - 1;
				if (str_has_prefix(t, type_file)) {
					strset_add(reads, p, (size_t)(q - p));
					return false;
				}
				if (str_has_prefix(t, type))
					return false;
			}
		}
	}
	if (!strstr(line, ",\"ev\":\"open\",") || !strstr(line, ",\"mode\":\"r\",") ||
	    !strstr(line, ",\"res\":\"ok\",\"type\":\"file\""))
		return false;
	p = strstr(line, ",\"path\":\"");
	if (!p)
		return false;
	p += 9;
	q = string_end(p);
	strset_add(reads, p, (size_t)(q - p));
	return false;
}

/* The fold of an open trace (closed after it). */
static int fold_reader(struct trace_reader *tr, const char *trace, struct fold_result *r,
		       struct sr_error **err);

int fold_trace(const char *trace, struct fold_result *r, struct sr_error **err)
{
	struct trace_reader tr;

	memset(r, 0, sizeof(*r));
	if (trace_open(&tr, trace, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	return fold_reader(&tr, trace, r, err);
}

int fold_file(FILE *f, const char *trace, struct fold_result *r, struct sr_error **err)
{
	struct trace_reader tr;

	memset(r, 0, sizeof(*r));
	if (trace_open_file(&tr, f, trace, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	return fold_reader(&tr, trace, r, err);
}

static int fold_reader(struct trace_reader *tr, const char *trace, struct fold_result *r,
		       struct sr_error **err)
{
	struct fslist before = { 0 }, after = { 0 };
	struct run_fold_ctx c = { 0 };
	json_t *rec;
	int n;

	r->delta.algo = xstrdup(jstr(tr->header, "digest"));
	while ((n = trace_next_if(tr, run_fold_wants, &c, &rec, err)) > 0) {
		const char *state;

		if (n == 2)
			continue;
		state = jstr(rec, "state");

		if (*state && fold_state_unknown(rec)) {
			r->unknown++;
		} else if (*state) {
			struct fsentry e;

			const char *why;

			if (fold_state_entry(rec, &e, true, r->delta.algo, &why) < 0) {
				json_decref(rec);
				n = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
						  "%s:%lu: bad state record: %s", trace, tr->line, why);
				break;
			}
			fslist_push(!strcmp(state, "before") ? &before : &after, &e);
		} else if (*jstr(rec, "proc")) {
			r->processes++;
		}
		json_decref(rec);
	}
	if (n == 0)
		n = trace_require_complete(tr, "nothing to fold", err);
	if (n == 0)
		n = fold_states_sorted(&before, &after, trace, err);
	if (n == 0) {
		fold_diff_states(&before, &after, r);
		r->read = c.reads.n;
		r->untraceable = c.untraceable;
		n = fold_delta_whole(r, trace, err);
	}
	trace_close(tr);
	strset_free(&c.reads);
	fslist_free(&before);
	fslist_free(&after);
	if (n < 0)
		fold_free(r);
	return n < 0 ? -1 : 0;
}

void fold_write(FILE *f, const struct fold_result *r)
{
	fprintf(f, "#sandrun-delta 1 digest=%s\n", r->delta.algo);
	for (size_t i = 0; i < r->delta.n; i++)
		mtree_write_entry(f, &r->delta.v[i], r->delta.algo);
}

void fold_checksum(const struct fold_result *r, char hex[65])
{
	char *buf = NULL;
	size_t len = 0;
	struct digest d;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die_oom();
	fold_write(f, r);
	fclose(f);
	digest_buf(DIGEST_SHA256, buf, len, &d);
	digest_hex(&d, hex);
	free(buf);
}

void fold_free(struct fold_result *r)
{
	fslist_free(&r->delta);
}
