// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Compressed modules decompressed whole into memory (lib/unpack.h), by
 * the formats' own libraries: libzstd, liblzma, zlib.  Each stream may
 * be several frames or members one after the other, as the tools write
 * them when concatenated.
 */
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>
#include <zstd.h>

#include "lib/exitcode.h"
#include "lib/unpack.h"
#include "lib/util.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

const char *module_packing(const char *name)
{
	if (has_suffix(name, ".ko.zst"))
		return "zstd";
	if (has_suffix(name, ".ko.xz"))
		return "xz";
	if (has_suffix(name, ".ko.gz"))
		return "gzip";
	return NULL;
}

/* The output so far; room for at least one more byte, up to UNPACK_MAX. */
struct out {
	uint8_t *p;
	size_t len, cap;
};

static bool out_room(struct out *o)
{
	if (o->len < o->cap)
		return true;
	if (o->cap >= UNPACK_MAX)
		return false;
	o->cap = o->cap ? o->cap * 2 : 1 << 20;
	if (o->cap > UNPACK_MAX)
		o->cap = UNPACK_MAX;
	o->p = xrealloc(o->p, o->cap);
	return true;
}

/* "NAME: byte OFF: WHAT", WHAT after the format's name if it is one's own */
static int bad(const char *name, uint64_t off, const char *format, const char *what,
	       struct sr_error **err)
{
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %llu: %s%s%s", name,
			     (unsigned long long)off, format ? format : "", format ? ": " : "",
			     what);
}

static int too_large(const char *name, uint64_t off, struct sr_error **err)
{
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %llu: decompresses to "
			     "more than %llu bytes, no module's size", name,
			     (unsigned long long)off, (unsigned long long)UNPACK_MAX);
}

static int unzstd(const uint8_t *in, size_t len, const char *name, struct out *o,
		  struct sr_error **err)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t r = 1;		/* 0: at a frame's end, all of it out */
	int ret = 0;

	if (!z)
		abort();
	while (ib.pos < ib.size || r) {
		ZSTD_outBuffer ob;
		size_t was = ib.pos;

		if (!out_room(o)) {
			ret = too_large(name, ib.pos, err);
			break;
		}
		ob = (ZSTD_outBuffer){ o->p + o->len, o->cap - o->len, 0 };
		r = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(r)) {
			ret = bad(name, ib.pos, "zstd", ZSTD_getErrorName(r), err);
			break;
		}
		o->len += ob.pos;
		/* (no input left, none taken, nothing out: in a frame) */
		if (!ob.pos && ib.pos == was && ib.pos == ib.size) {
			ret = bad(name, len, NULL, "the zstd stream ends early", err);
			break;
		}
	}
	ZSTD_freeDCtx(z);
	return ret;
}

static int unxz(const uint8_t *in, size_t len, const char *name, struct out *o,
		struct sr_error **err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	int ret = 0;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		abort();
	s.next_in = in;
	s.avail_in = len;
	for (;;) {
		if (!out_room(o)) {
			ret = too_large(name, s.total_in, err);
			break;
		}
		s.next_out = o->p + o->len;
		s.avail_out = o->cap - o->len;
		r = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len = o->cap - s.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_BUF_ERROR)
			ret = bad(name, s.total_in, NULL, "the xz stream ends early", err);
		else if (r == LZMA_FORMAT_ERROR)
			ret = bad(name, s.total_in, NULL, "not an xz stream", err);
		else if (r == LZMA_MEM_ERROR)
			abort();
		else
			ret = bad(name, s.total_in, "xz", r == LZMA_DATA_ERROR ? "corrupt data" :
				  r == LZMA_OPTIONS_ERROR ? "unsupported options" : "bad stream", err);
		break;
	}
	lzma_end(&s);
	return ret;
}

static int ungzip(const uint8_t *in, size_t len, const char *name, struct out *o,
		  struct sr_error **err)
{
	z_stream z;
	int r = Z_OK, ret = 0;

	memset(&z, 0, sizeof(z));
	/* (16: a gzip header and trailer, checked) */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		abort();
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	if (len > UINT32_MAX)
		ret = too_large(name, 0, err);
	while (!ret) {
		if (!out_room(o)) {
			ret = too_large(name, z.total_in, err);
			break;
		}
		z.next_out = o->p + o->len;
		z.avail_out = (uInt)(o->cap - o->len);
		r = inflate(&z, Z_NO_FLUSH);
		o->len = o->cap - z.avail_out;
		if (r == Z_STREAM_END) {
			if (!z.avail_in)
				break;
			/* another member after it */
			inflateReset(&z);
			continue;
		}
		if (r == Z_OK)
			continue;
		if (r == Z_BUF_ERROR && !z.avail_in)
			ret = bad(name, len, NULL, "the gzip stream ends early", err);
		else if (r == Z_MEM_ERROR)
			abort();
		else
			ret = bad(name, len - z.avail_in, "gzip",
				  z.msg ? z.msg : "corrupt data", err);
	}
	inflateEnd(&z);
	return ret;
}

int unpack_module(struct mapped *m, const char *name, struct sr_error **err)
{
	const char *how = module_packing(name);
	struct out o = { 0 };
	int r;

	if (!how)
		return 0;
	if (!strcmp(how, "zstd"))
		r = unzstd(m->buf, m->size, name, &o, err);
	else if (!strcmp(how, "xz"))
		r = unxz(m->buf, m->size, name, &o, err);
	else
		r = ungzip(m->buf, m->size, name, &o, err);
	if (r < 0) {
		free(o.p);
		return -1;
	}
	if (m->map)
		munmap(m->map, (size_t)m->size);
	free(m->heap);
	m->map = NULL;
	m->heap = o.p;
	m->buf = o.p ? o.p : (const uint8_t *)"";
	m->size = o.len;
	return 0;
}
