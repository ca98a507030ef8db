// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the spool's record encoding (tracer/spool.c): every
 * field back as it went in, and a cut or damaged record refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/sbuf.h"
#include "tracer/spool.h"
#include "tests/unit/event_same.h"
#include "tests/unit/tap.h"

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
	ok(n == (int64_t)b.len && event_same(ev, &back), "%s: read back (%zu bytes)", what, b.len);
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

/* What a light read keeps: the fixed part, and an open's or mkdir's
 * path (a state's everything). */
static bool light_same(const struct event *full, const struct event *light)
{
	bool whole = full->kind == EV_BEFORE || full->kind == EV_AFTER;
	bool path = whole || full->kind == EV_OPEN || full->kind == EV_MKDIR;

	if (whole)
		return event_same(full, light);
	return light->kind == full->kind && light->pid == full->pid &&
	       light->tid == full->tid && light->other == full->other &&
	       light->result == full->result && light->flags == full->flags &&
	       light->mode == full->mode && light->aux == full->aux &&
	       same_digest(&light->digest, &full->digest) &&
	       light->post.has == full->post.has && light->post.size == full->post.size &&
	       same_str(light->path, path ? full->path : NULL) && !light->name &&
	       !light->path2 && !light->argv && !light->envp && !light->post.target &&
	       !light->loader;
}

/* Records written to a real spool, then read back at their offsets,
 * light and whole, through the read window: past its 1 MiB, and one
 * record larger than it. */
static void through_a_spool(void)
{
	enum { N = 20000 };
	static char paths[N][32];
	static struct event evs[N];
	static const enum ev_kind kinds[] = { EV_OPEN, EV_PROBE, EV_MKDIR, EV_EXEC, EV_AFTER };
	char dir[] = "/tmp/sandrun-unit-XXXXXX", path[64];
	char *big = malloc(1500000), *argv[] = { "cc", "-c", NULL }, *envp[] = { big, "A=b", NULL };
	struct sr_error *err = NULL;
	struct spool sp;
	uint64_t off = 0;
	int bad_light = 0, bad_whole = 0, bad_len = 0;

	memset(big, 'x', 1500000 - 1);
	big[1500000 - 1] = '\0';
	memset(&sp, 0, sizeof(sp));
	if (!mkdtemp(dir) || snprintf(path, sizeof(path), "%s/spool", dir) < 0 ||
	    spool_create(&sp, path, &err) < 0) {
		ok(0, "a spool to write");
		return;
	}
	for (int i = 0; i < N; i++) {
		struct event *ev = &evs[i];

		snprintf(paths[i], sizeof(paths[i]), "/src/dir%d/file%d.c", i % 97, i);
		*ev = (struct event){ .kind = kinds[i % 5], .pid = 100 + i % 7, .result = -(i % 3),
				      .flags = (uint32_t)i, .aux = (int64_t)i * 1000003,
				      .path = paths[i], .name = i % 2 ? "openat" : NULL,
				      .path2 = kinds[i % 5] == EV_AFTER ? "target" : NULL,
				      .digest = { .len = i % 3 ? 16 : 0, .bytes = { (uint8_t)i } } };
		ev->tid = ev->pid + (i % 11 == 0);
		if (ev->kind == EV_EXEC) {
			ev->argv = argv;
			ev->envp = i == 4003 ? envp : NULL;	/* ~1.5 MB: past the window */
			ev->loader = i % 2 ? "/lib64/ld-linux-x86-64.so.2" : NULL;
		}
		spool_append(&sp, ev);
	}
	ok(spool_rewind(&sp, &err) == 0, "the spool written: %llu records",
	   (unsigned long long)sp.count);
	for (int i = 0; i < N; i++) {
		struct event light, whole;
		int64_t n = spool_peek_at(&sp, off, &light), m;

		if (n < 0) {
			bad_light++;
			break;
		}
		bad_light += !light_same(&evs[i], &light);
		event_clear(&light);
		m = spool_read_at(&sp, off, &whole);
		if (m < 0) {
			bad_whole++;
			break;
		}
		bad_whole += !event_same(&evs[i], &whole);
		bad_len += m != n;
		event_clear(&whole);
		off += (uint64_t)n;
	}
	ok(bad_light == 0, "every record read light: the fixed part and its path");
	ok(bad_whole == 0, "every record read whole, the same");
	ok(bad_len == 0, "light and whole reads agree on where the next one is");
	spool_close(&sp);
	rmdir(dir);
	free(big);
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
	ev.loader = "/lib/ld-musl-x86_64.so.1";
	ev.post = (struct fstate){ .digest = { .len = 16, .bytes = { 7 } }, .target = "/bin/sh" };
	round_trip(&ev, "an exec with a loader, its digest and an interpreter");
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
	sbuf_add(&b, (char[]){ EV_SPAWN, 0, 0 }, 3);
	sbuf_add(&b, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 10);	/* bit 64 */
	ok(spool_parse(b.p, b.len, &back) < 0, "a tenth varint byte with more than bit 63 is refused");
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
	through_a_spool();
	return done_testing();
}
