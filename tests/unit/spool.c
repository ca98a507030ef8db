// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the spool's record encoding (tracer/spool.c): every
 * field back as it went in, and a cut or damaged record refused. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/sbuf.h"
#include "tracer/spool.h"
#include "tests/unit/tap.h"

static bool same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static bool same_strv(char **a, char **b)
{
	size_t i = 0;

	if (!a || !b)	/* an empty list reads back as none */
		return (!a || !a[0]) && (!b || !b[0]);
	for (; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return !a[i] && !b[i];
}

static bool same_digest(const struct digest *a, const struct digest *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

static bool same(const struct event *a, const struct event *b)
{
	return a->kind == b->kind && a->pid == b->pid && a->tid == b->tid &&
	       a->other == b->other && a->result == b->result && a->flags == b->flags &&
	       a->mode == b->mode && a->aux == b->aux && same_str(a->name, b->name) &&
	       same_str(a->path, b->path) && same_str(a->path2, b->path2) &&
	       same_strv(a->argv, b->argv) && same_strv(a->envp, b->envp) &&
	       same_digest(&a->digest, &b->digest) && a->post.has == b->post.has &&
	       a->post.mode == b->post.mode && a->post.size == b->post.size &&
	       same_digest(&a->post.digest, &b->post.digest) &&
	       same_str(a->post.target, b->post.target);
}

static void put_varint(struct sbuf *b, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		sbuf_putc(b, (char)(v | 0x80));
	sbuf_putc(b, (char)v);
}

/* ev encoded, then parsed back whole; then every shorter cut refused. */
static void round_trip(const struct event *ev, const char *what)
{
	struct sbuf b = { 0 };
	struct event back;
	int64_t n;
	bool cuts = true;

	spool_encode(&b, ev);
	n = spool_parse(b.p, b.len, &back);
	ok(n == (int64_t)b.len && same(ev, &back), "%s: read back (%zu bytes)", what, b.len);
	if (n >= 0)
		event_clear(&back);
	for (size_t len = 0; len < b.len; len++) {
		if (spool_parse(b.p, len, &back) >= 0) {
			event_clear(&back);
			cuts = false;
		}
	}
	ok(cuts, "%s: every cut short is refused", what);
	sbuf_free(&b);
}

int main(void)
{
	char *argv[] = { "cc", "-c", "", "a.c", NULL };
	char *envp[] = { "PATH=/usr/bin", "LANG=C.UTF-8", NULL };
	char *none[] = { NULL };
	struct event ev = { .kind = EV_SPAWN, .pid = 1, .tid = 1, .other = 2 };
	struct sbuf b = { 0 };
	struct event back;

	round_trip(&ev, "a spawn");
	ev = (struct event){ .kind = EV_EXEC, .pid = 4194304, .tid = 4194303,
			     .path = "/usr/bin/cc", .path2 = "/src", .argv = argv,
			     .envp = envp, .aux = 1 };
	round_trip(&ev, "an exec with argv and env");
	ev = (struct event){ .kind = EV_OPEN, .pid = 7, .tid = 7, .path = "/usr/include/stdio.h",
			     .flags = 0x80000000u | 02101, .result = -2,
			     .digest = { .len = 16, .bytes = { 0xff, 1, 2 } } };
	round_trip(&ev, "an open: top flag bit, negative result, digest");
	ev = (struct event){ .kind = EV_WROTE, .pid = 7, .tid = 7, .path = "out.o", .name = "",
			     .aux = INT64_MIN, .mode = UINT32_MAX,
			     .post = { .has = true, .mode = 0100644, .size = INT64_MAX,
				       .digest = { .len = DIGEST_MAX, .bytes = { 9 } },
				       .target = "" } };
	round_trip(&ev, "extremes, empty strings kept apart from none");
	ev = (struct event){ .kind = EV_AFTER, .pid = -1, .tid = INT32_MIN, .other = INT32_MAX,
			     .post = { .size = -1 } };
	round_trip(&ev, "negative pids, a post with only a size");
	ev = (struct event){ .kind = EV_EXEC, .pid = 3, .tid = 3, .argv = none, .envp = none };
	round_trip(&ev, "empty lists");

	/* damage */
	ev = (struct event){ .kind = EV_OPEN, .pid = 7, .tid = 7, .path = "a" };
	spool_encode(&b, &ev);
	b.p[0] = (char)EV_KIND_MAX;
	ok(spool_parse(b.p, b.len, &back) < 0, "an unknown kind is refused");
	b.p[0] = (char)EV_OPEN;
	b.p[2] = (char)0x80;
	ok(spool_parse(b.p, b.len, &back) < 0, "an unknown field bit is refused");
	b.len = 0;
	spool_encode(&b, &ev);
	memset(b.p + 3, 0xff, b.len - 3);	/* a varint that never ends */
	sbuf_add(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
	ok(spool_parse(b.p, b.len, &back) < 0, "a varint past 64 bits is refused");
	b.len = 0;
	ev = (struct event){ .kind = EV_OPEN, .pid = 7, .tid = 7,
			     .digest = { .len = 4, .bytes = { 1 } } };
	spool_encode(&b, &ev);
	b.p[b.len - 5] = DIGEST_MAX + 1;
	ok(spool_parse(b.p, b.len, &back) < 0, "a digest longer than any is refused");
	b.len = 0;
	sbuf_add(&b, (char[]){ EV_SPAWN, 0, 0 }, 3);
	put_varint(&b, 1ull << 33);	/* a pid of 2^32, zigzagged */
	ok(spool_parse(b.p, b.len, &back) < 0, "a pid past 32 bits is refused");
	sbuf_free(&b);
	return done_testing();
}
