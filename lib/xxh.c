// SPDX-License-Identifier: GPL-2.0-or-later
/* XXH3-128 through libxxhash: the only file that includes it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "lib/digest.h"
#include "lib/util.h"
#include "lib/xxh_priv.h"

/* A streaming state tagged with the implementation that made it. */
struct xxh_state {
	bool avx2;
	void *st;
};

static bool have_avx2(void)
{
	static int cached = -1;	/* threads may race to set it: atomically */
	int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (v < 0) {
		v = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	}
	return v;
}

static void canonical(XXH128_hash_t h, struct digest *ret)
{
	XXH128_canonical_t c;

	/* Big-endian, as `xxhsum -H2` prints it. */
	XXH128_canonicalFromHash(&c, h);
	ret->len = sizeof(c.digest);
	for (size_t i = 0; i < sizeof(c.digest); i++)
		ret->bytes[i] = c.digest[i];
}

void xxh128_buf(const void *buf, size_t len, struct digest *ret)
{
	if (have_avx2()) {
		ret->len = 16;
		xxh128_avx2_buf(buf, len, ret->bytes);
		return;
	}
	canonical(XXH3_128bits(buf, len), ret);
}

uint64_t hash64(const void *buf, size_t len)
{
	struct digest d;
	uint64_t h;

	xxh128_buf(buf, len, &d);
	memcpy(&h, d.bytes, sizeof(h));
	return h;
}

void *xxh128_begin(void)
{
	struct xxh_state *s = xmalloc(sizeof(*s));

	s->avx2 = have_avx2();
	if (s->avx2) {
		s->st = xxh128_avx2_begin();
		return s;
	}
	s->st = XXH3_createState();
	if (!s->st)
		die_oom();
	XXH3_128bits_reset(s->st);
	return s;
}

void xxh128_update(void *state, const void *buf, size_t len)
{
	struct xxh_state *s = state;

	if (s->avx2)
		xxh128_avx2_update(s->st, buf, len);
	else
		XXH3_128bits_update(s->st, buf, len);
}

void xxh128_end(void *state, struct digest *ret)
{
	struct xxh_state *s = state;

	if (s->avx2) {
		ret->len = 16;
		xxh128_avx2_end(s->st, ret->bytes);
	} else {
		canonical(XXH3_128bits_digest(s->st), ret);
		XXH3_freeState(s->st);
	}
	free(s);
}
