// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void update_zeros(struct digest_ctx *ctx, uint64_t n)
{
	static const uint8_t zeros[1 << 16];

	for (; n; n -= n < sizeof(zeros) ? n : sizeof(zeros))
		digest_update(ctx, zeros, n < sizeof(zeros) ? n : sizeof(zeros));
}

/*
 * Read in the file's data, a hole's zeros hashed from memory (SEEK_DATA,
 * SEEK_HOLE): a sparse image of gigabytes is hashed, not read, where the
 * filesystem says where its holes are (else it is all data).
 */
int digest_fd(enum digest_algo algo, int fd, struct digest *ret)
{
	struct digest_ctx ctx;
	uint8_t buf[1 << 16];
	off_t pos = lseek(fd, 0, SEEK_CUR), end = -1;	/* of pos's data */
	ssize_t n;
	int e;

	digest_init(&ctx, algo);
	for (;;) {
		if (pos >= 0 && (end < 0 || pos == end)) {
			/* (the size first: no data after pos then says the rest
			 * of that size was holes, not what a writer appended) */
			struct stat st;
			int have = fstat(fd, &st) == 0;
			off_t data = lseek(fd, pos, SEEK_DATA);

			if (data < 0 && errno == ENXIO && have)
				data = st.st_size > pos ? st.st_size : pos;
			if (data >= pos) {
				update_zeros(&ctx, (uint64_t)(data - pos));
				pos = data;
				end = lseek(fd, pos, SEEK_HOLE);
			}
			if (end <= pos)		/* (unknown: read on) */
				end = INT64_MAX;
		}
		n = pos >= 0 ? pread(fd, buf, (size_t)(end - pos < (off_t)sizeof(buf) ?
						      end - pos : (off_t)sizeof(buf)), pos) :
		    read(fd, buf, sizeof(buf));		/* (a pipe) */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		digest_update(&ctx, buf, (size_t)n);
		if (pos >= 0)
			pos += n;
	}
	e = errno;
	if (pos >= 0)
		lseek(fd, pos, SEEK_SET);	/* (as read would leave it) */
	digest_final(&ctx, ret);
	return n < 0 ? (errno = e, -1) : 0;
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
