// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "tracer/fold.h"
#include "tracer/trace_read.h"

static int state_entry(const json_t *rec, struct fsentry *e)
{
	static const struct { const char *name; enum fs_type t; } types[] = {
		{ "absent", FS_ABSENT }, { "file", FS_FILE }, { "dir", FS_DIR },
		{ "symlink", FS_LINK }, { "fifo", FS_FIFO }, { "chardev", FS_CHAR },
		{ "blockdev", FS_BLOCK }, { "socket", FS_SOCKET },
	};
	const char *type = jstr(rec, "type");
	size_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i].name, type))
			break;
	if (i == ARRAY_SIZE(types) || !*jstr(rec, "path"))
		return -1;
	e->type = types[i].t;
	e->path = mtree_escape(jstr(rec, "path"));
	e->perm = (unsigned)strtoul(jstr(rec, "perm"), NULL, 8);
	e->size = (long long)json_integer_value(json_object_get(rec, "size"));
	if (*jstr(rec, "digest"))
		e->digest = xstrdup(jstr(rec, "digest"));
	if (*jstr(rec, "target"))
		e->target = mtree_escape(jstr(rec, "target"));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void count_reads(struct strv *reads, struct fold_result *r)
{
	if (reads->n > 1)
		qsort(reads->v, reads->n, sizeof(*reads->v), cmp_str);
	for (size_t i = 0; i < reads->n; i++)
		if (i == 0 || strcmp(reads->v[i], reads->v[i - 1]))
			r->read++;
}

static void diff_states(struct fslist *before, struct fslist *after,
			struct fold_result *r)
{
	size_t i = 0;

	fslist_sort(before);
	fslist_sort(after);
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

int fold_trace(const char *trace, struct fold_result *r, struct sr_error **err)
{
	struct fslist before = { 0 }, after = { 0 };
	struct strv reads = { 0 };
	struct trace_reader tr;
	json_t *rec;
	int n;

	memset(r, 0, sizeof(*r));
	if (trace_open(&tr, trace, err) < 0) {
		trace_close(&tr);
		return -1;
	}
	r->delta.algo = xstrdup(jstr(tr.header, "digest"));
	while ((n = trace_next(&tr, &rec, err)) > 0) {
		const char *state = jstr(rec, "state");

		if (*state) {
			struct fsentry e;

			if (state_entry(rec, &e) < 0) {
				json_decref(rec);
				n = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
						  "%s:%lu: bad state record", trace, tr.line);
				break;
			}
			fslist_push(!strcmp(state, "before") ? &before : &after, &e);
		} else if (*jstr(rec, "proc")) {
			r->processes++;
		} else if (!strcmp(jstr(rec, "ev"), "open") &&
			   !strcmp(jstr(rec, "mode"), "r") &&
			   !strcmp(jstr(rec, "res"), "ok") &&
			   !strcmp(jstr(rec, "type"), "file")) {
			strv_push(&reads, xstrdup(jstr(rec, "path")));
		}
		json_decref(rec);
	}
	if (n == 0 && strcmp(jstr(tr.end, "end"), "complete"))
		n = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				  "%s: the trace is incomplete (%s); nothing to fold",
				  trace, jstr(tr.end, "reason"));
	if (n == 0) {
		diff_states(&before, &after, r);
		count_reads(&reads, r);
	}
	trace_close(&tr);
	strv_free(&reads);
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
