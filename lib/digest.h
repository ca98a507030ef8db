/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_DIGEST_H
#define SR_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Content digests.  XXH3-128 by default (fast); SHA-256 where a
 * cryptographic digest is wanted.  Bytes are kept in the order the
 * reference tools print them (`xxhsum -H2`, `sha256sum`), so hex output
 * can be checked against those tools.  xxhash lives in xxh.c, OpenSSL in
 * sha256.c.
 */
enum digest_algo {
	DIGEST_XXH128,
	DIGEST_SHA256,
};

#define DIGEST_MAX 32

struct digest {
	uint8_t len;		/* 0: none */
	uint8_t bytes[DIGEST_MAX];
};

const char *digest_algo_name(enum digest_algo algo);
int digest_algo_parse(const char *name, enum digest_algo *ret);

/* Digest everything readable from fd (from its current offset, which is
 * left at the end; a hole's zeros not read); -1 with errno on a read
 * error. */
int digest_fd(enum digest_algo algo, int fd, struct digest *ret);
void digest_buf(enum digest_algo algo, const void *buf, size_t len,
		struct digest *ret);

/* Lowercase hex into out (2 * DIGEST_MAX + 1 bytes). */
void digest_hex(const struct digest *d, char *out);

/* Streaming, for digests of files with parts masked. */
struct digest_ctx {
	enum digest_algo algo;
	void *state;
};

void digest_init(struct digest_ctx *ctx, enum digest_algo algo);
void digest_update(struct digest_ctx *ctx, const void *buf, size_t len);
void digest_final(struct digest_ctx *ctx, struct digest *ret);

/* The per-algorithm back ends. */
void *xxh128_begin(void);
void xxh128_update(void *state, const void *buf, size_t len);
void xxh128_end(void *state, struct digest *ret);
void *sha256_begin(void);
void sha256_update(void *state, const void *buf, size_t len);
void sha256_end(void *state, struct digest *ret);
void xxh128_buf(const void *buf, size_t len, struct digest *ret);
/* A 64-bit hash for tables (the first half of the XXH3-128 digest). */
uint64_t hash64(const void *buf, size_t len);
void sha256_buf(const void *buf, size_t len, struct digest *ret);
/* OpenSSL's first SHA-256 costs ~3 ms (its configuration, providers,
 * the fetch): done on a thread of its own meanwhile, for a caller that
 * will need it later (the canonicalizer, after the build). */
void sha256_warm_up(void);

#endif
