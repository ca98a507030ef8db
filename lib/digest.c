// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "lib/digest.h"

const char *digest_algo_name(enum digest_algo algo)
{
	return algo == DIGEST_SHA256 ? "sha256" : "xxh128";
}

int digest_algo_parse(const char *name, enum digest_algo *ret)
{
	if (!strcmp(name, "xxh128") || !strcmp(name, "xxh3-128"))
		*ret = DIGEST_XXH128;
	else if (!strcmp(name, "sha256"))
		*ret = DIGEST_SHA256;
	else
		return -1;
	return 0;
}

int digest_fd(enum digest_algo algo, int fd, struct digest *ret)
{
	return algo == DIGEST_SHA256 ? sha256_fd(fd, ret) : xxh128_fd(fd, ret);
}

void digest_buf(enum digest_algo algo, const void *buf, size_t len,
		struct digest *ret)
{
	if (algo == DIGEST_SHA256)
		sha256_buf(buf, len, ret);
	else
		xxh128_buf(buf, len, ret);
}

void digest_hex(const struct digest *d, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < d->len; i++) {
		out[2 * i] = hex[d->bytes[i] >> 4];
		out[2 * i + 1] = hex[d->bytes[i] & 15];
	}
	out[2 * d->len] = '\0';
}

void digest_init(struct digest_ctx *ctx, enum digest_algo algo)
{
	ctx->algo = algo;
	ctx->state = algo == DIGEST_SHA256 ? sha256_begin() : xxh128_begin();
}

void digest_update(struct digest_ctx *ctx, const void *buf, size_t len)
{
	if (ctx->algo == DIGEST_SHA256)
		sha256_update(ctx->state, buf, len);
	else
		xxh128_update(ctx->state, buf, len);
}

void digest_final(struct digest_ctx *ctx, struct digest *ret)
{
	if (ctx->algo == DIGEST_SHA256)
		sha256_end(ctx->state, ret);
	else
		xxh128_end(ctx->state, ret);
	ctx->state = NULL;
}
