// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "lib/unpack.h"
#include "lib/util.h"
#include "lib/zstdio.h"

struct zcookie {
	FILE *raw;
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
	char *buf;		/* compressed side */
	size_t cap, pos, len;	/* reader: buf[pos, len) is unread */
	bool eof;
	bool mid_frame;		/* reader: the last frame is not finished */
	int error;		/* the first failed write's errno */
};

/* What a read that failed with EBADMSG found wrong (per thread). */
static __thread const char *read_error = "";

const char *zstd_read_error(void)
{
	return read_error;
}

/* (fopencookie: 0 on an error, never -1, which glibc would take for a
 * count and read past data; zclose then fails) */
static ssize_t zwrite(void *cookie, const char *data, size_t n)
{
	struct zcookie *z = cookie;
	ZSTD_inBuffer in = { data, n, 0 };

	while (in.pos < in.size && !z->error) {
		ZSTD_outBuffer out = { z->buf, z->cap, 0 };
		size_t r = ZSTD_compressStream2(z->c, &out, &in, ZSTD_e_continue);

		if (ZSTD_isError(r))
			z->error = EIO;
		else if (fwrite(z->buf, 1, out.pos, z->raw) != out.pos)
			z->error = errno ? errno : EIO;	/* (ENOSPC) */
	}
	if (z->error) {
		errno = z->error;
		return 0;
	}
	return (ssize_t)n;
}

#define ZREAD_MAX (16u << 10)

static ssize_t zread(void *cookie, char *data, size_t n)
{
	struct zcookie *z = cookie;
	ZSTD_outBuffer out = { data, n, 0 };

	while (out.pos == 0) {
		ZSTD_inBuffer in;
		size_t r;

		if (z->pos == z->len && !z->eof) {
			/* (a stream still being written, the live fold's, blocks
			 * until the whole count is there: a count well under the
			 * stream's suggested input keeps its reader close behind) */
			z->len = fread(z->buf, 1, z->cap < ZREAD_MAX ? z->cap : ZREAD_MAX, z->raw);
			z->pos = 0;
			if (z->len == 0) {
				z->eof = true;
				if (ferror(z->raw)) {
					errno = EIO;
					return -1;
				}
			}
		}
		if (z->eof && z->pos == z->len && !z->mid_frame)
			return 0;
		/* (at the end of the input, a frame not done yet may still
		 * have output to flush) */
		in = (ZSTD_inBuffer){ z->buf, z->len, z->pos };
		r = ZSTD_decompressStream(z->d, &out, &in);
		z->pos = in.pos;
		if (ZSTD_isError(r)) {
			read_error = ZSTD_getErrorName(r);
			errno = EBADMSG;
			return -1;
		}
		z->mid_frame = r != 0;	/* (0: a frame just ended) */
		if (z->eof && z->mid_frame && out.pos == 0) {
			read_error = "the compressed stream ends mid-frame (truncated)";
			errno = EBADMSG;
			return -1;
		}
	}
	return (ssize_t)out.pos;
}

static int zclose(void *cookie)
{
	struct zcookie *z = cookie;
	int r = z->c && z->error ? -1 : 0, z_error = z->error;

	if (z->c && !z->error) {
		for (;;) {
			ZSTD_inBuffer in = { NULL, 0, 0 };
			ZSTD_outBuffer out = { z->buf, z->cap, 0 };
			size_t left = ZSTD_compressStream2(z->c, &out, &in, ZSTD_e_end);

			if (ZSTD_isError(left) ||
			    fwrite(z->buf, 1, out.pos, z->raw) != out.pos) {
				r = -1;
				break;
			}
			if (left == 0)
				break;
		}
	}
	if (z->c)
		ZSTD_freeCCtx(z->c);
	if (z->d)
		ZSTD_freeDCtx(z->d);
	if (fclose(z->raw) != 0)
		r = -1;
	free(z->buf);
	free(z);
	if (r)
		errno = z_error ? z_error : EIO;
	return r;
}

FILE *zstd_open_write(FILE *raw, int level)
{
	struct zcookie *z = xcalloc(1, sizeof(*z));
	cookie_io_functions_t io = { .write = zwrite, .close = zclose };
	FILE *f;

	z->raw = raw;
	z->c = ZSTD_createCCtx();
	z->cap = ZSTD_CStreamOutSize();
	z->buf = xmalloc(z->cap);
	ZSTD_CCtx_setParameter(z->c, ZSTD_c_compressionLevel, level);
	/* A frame's checksum: damage that still decompresses (zstd frames
	 * have none by default) is caught at the frame's end. */
	ZSTD_CCtx_setParameter(z->c, ZSTD_c_checksumFlag, 1);
	f = fopencookie(z, "w", io);
	if (!f)
		zclose(z);
	return f;
}

/* A reader of raw whose first n bytes, read from it already, are head. */
static FILE *open_read_after(FILE *raw, const unsigned char *head, size_t n)
{
	struct zcookie *z = xcalloc(1, sizeof(*z));
	cookie_io_functions_t io = { .read = zread, .close = zclose };
	FILE *f;

	z->raw = raw;
	z->d = ZSTD_createDCtx();
	z->cap = ZSTD_DStreamInSize();
	z->buf = xmalloc(z->cap);
	if (n)
		memcpy(z->buf, head, n);
	z->len = n;
	f = fopencookie(z, "r", io);
	if (!f)
		zclose(z);
	return f;
}

FILE *zstd_open_read(FILE *raw)
{
	return open_read_after(raw, NULL, 0);
}

bool zstd_wanted(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".zst");
}

/* A plain stream whose first bytes were read to look for the magic: a
 * pipe's cannot be put back, so they are given first, then the rest. */
struct after {
	FILE *raw;
	unsigned char head[4];
	size_t n, pos;
};

static ssize_t after_read(void *cookie, char *data, size_t n)
{
	struct after *a = cookie;
	size_t k;

	if (a->pos < a->n) {
		k = a->n - a->pos < n ? a->n - a->pos : n;
		memcpy(data, a->head + a->pos, k);
		a->pos += k;
		return (ssize_t)k;
	}
	k = fread(data, 1, n, a->raw);
	if (k == 0 && ferror(a->raw)) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return (ssize_t)k;
}

static int after_close(void *cookie)
{
	struct after *a = cookie;
	int r = fclose(a->raw);

	free(a);
	return r;
}

static FILE *plain_after(FILE *raw, const unsigned char *head, size_t n)
{
	cookie_io_functions_t io = { .read = after_read, .close = after_close };
	struct after *a = xcalloc(1, sizeof(*a));
	FILE *f;

	a->raw = raw;
	memcpy(a->head, head, n);
	a->n = n;
	f = fopencookie(a, "r", io);
	if (!f)
		after_close(a);
	return f;
}

FILE *zstd_fopen_any(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : zstd_fdopen_any(fd);
}

/* Whether a stream's first 4 bytes start a zstd frame, or a skippable
 * frame (0x184D2A50-5F, little-endian), which zstd -d reads past too. */
static bool zstd_head(const unsigned char *head, size_t n)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	return n == 4 && (!memcmp(head, magic, 4) ||
			  ((head[0] & 0xf0) == 0x50 && !memcmp(head + 1, "\x2a\x4d\x18", 3)));
}

FILE *zstd_fdopen_any(int fd)
{
	unsigned char head[4] = { 0 };
	FILE *f = fdopen(fd, "r");
	size_t n;

	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	n = fread(head, 1, 4, f);
	if (n == 0 && ferror(f)) {
		int e = errno;

		fclose(f);
		errno = e;
		return NULL;
	}
	/* (a file is read again from its start; a pipe cannot be) */
	if (fseeko(f, 0, SEEK_SET) == 0)
		return zstd_head(head, n) ? zstd_open_read(f) : f;
	clearerr(f);
	if (zstd_head(head, n))
		return open_read_after(f, head, n);
	return plain_after(f, head, n);
}

int zstd_unpack(const uint8_t *in, size_t len, struct unpack_out *o, uint64_t *at,
		const char **what)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t r = 1;		/* 0: at a frame's end, all of it out */
	int ret = 0;

	if (!z)
		die_oom();
	while (ib.pos < ib.size || r) {
		ZSTD_outBuffer ob;
		size_t was = ib.pos;

		if (!unpack_room(o)) {
			*at = ib.pos;
			ret = -2;
			break;
		}
		ob = (ZSTD_outBuffer){ o->p + o->len, o->cap - o->len, 0 };
		r = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(r)) {
			*at = ib.pos;
			*what = ZSTD_getErrorName(r);
			ret = -1;
			break;
		}
		o->len += ob.pos;
		/* (no input left, none taken, nothing out: in a frame) */
		if (!ob.pos && ib.pos == was && ib.pos == ib.size) {
			*at = len;
			ret = -3;
			break;
		}
	}
	ZSTD_freeDCtx(z);
	return ret;
}
