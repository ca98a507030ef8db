/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_XXH_PRIV_H
#define SR_XXH_PRIV_H

#include <stddef.h>
#include <stdint.h>

/* XXH3-128 built for AVX2 (xxh_avx2.c); call only when the CPU has it.
 * Digests are canonical (big-endian, as xxhsum -H2 prints them). */
void xxh128_avx2_buf(const void *buf, size_t len, uint8_t out[16]);
void *xxh128_avx2_begin(void);
void xxh128_avx2_update(void *state, const void *buf, size_t len);
void xxh128_avx2_end(void *state, uint8_t out[16]);

#endif
