// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XXH3-128 compiled for AVX2 (this file only is built with -mavx2), with
 * xxhash's own inline code: Debian's libxxhash is built for the x86-64
 * baseline (SSE2) and hashes at a third of xxhsum's speed, which
 * dispatches at run time.  xxh.c calls these only when the CPU has AVX2.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "lib/util.h"
#include "lib/xxh_priv.h"

static void canon(XXH128_hash_t h, uint8_t out[16])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	for (size_t i = 0; i < 16; i++)
		out[i] = c.digest[i];
}

void xxh128_avx2_buf(const void *buf, size_t len, uint8_t out[16])
{
	canon(XXH3_128bits(buf, len), out);
}

void *xxh128_avx2_begin(void)
{
	XXH3_state_t *st = XXH3_createState();

	if (!st)
		die_oom();
	XXH3_128bits_reset(st);
	return st;
}

void xxh128_avx2_update(void *state, const void *buf, size_t len)
{
	XXH3_128bits_update(state, buf, len);
}

void xxh128_avx2_end(void *state, uint8_t out[16])
{
	canon(XXH3_128bits_digest(state), out);
	XXH3_freeState(state);
}
