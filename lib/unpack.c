// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Compressed modules decompressed whole into memory (lib/unpack.h), by
 * the formats' own libraries: liblzma and zlib here, libzstd in
 * lib/zstdio.c.  Each stream may be several frames, streams or members
 * one after the other, as the tools write them when concatenated.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

char *module_installed(char *path)
{
	static const char *const packed[] = { ".zst", ".xz", ".gz" };

	if (!has_suffix(path, ".ko") || access(path, F_OK) == 0 || errno != ENOENT)
		return path;
	for (size_t i = 0; i < sizeof(packed) / sizeof(*packed); i++) {
		char *p = xasprintf("%s%s", path, packed[i]);

		if (access(p, F_OK) == 0) {
			free(path);
			return p;
		}
		free(p);
	}
	return path;
}

/* (one byte past UNPACK_MAX: an output of exactly UNPACK_MAX bytes
 * still finds its stream's end) */
bool unpack_room(struct unpack_out *o)
{
	if (o->len < o->cap)
		return true;
	if (o->cap > UNPACK_MAX)
		return false;
	o->cap = o->cap ? o->cap * 2 : 1 << 20;
	if (o->cap > UNPACK_MAX + 1)
		o->cap = UNPACK_MAX + 1;
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

static int too_packed(const char *name, struct sr_error **err)
{
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: a compressed module of more "
			     "than %llu bytes, no module's size", name,
			     (unsigned long long)UNPACK_MAX);
}

static int unxz(const uint8_t *in, size_t len, const char *name, struct unpack_out *o,
		struct sr_error **err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	int ret = 0;

	if (lzma_stream_decoder(&s, UNPACK_XZ_MEMORY, LZMA_CONCATENATED) != LZMA_OK)
		die_oom();
	s.next_in = in;
	s.avail_in = len;
	for (;;) {
		if (!unpack_room(o)) {
			ret = too_large(name, s.total_in, err);
			break;
		}
		s.next_out = o->p + o->len;
		s.avail_out = o->cap - o->len;
		r = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len = o->cap - s.avail_out;
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_MEM_ERROR)
			die_oom();
		ret = bad(name, s.total_in, r == LZMA_BUF_ERROR || r == LZMA_FORMAT_ERROR ? NULL : "xz",
			  r == LZMA_BUF_ERROR ? "the xz stream ends early" :
			  r == LZMA_FORMAT_ERROR ? "not an xz stream" :
			  r == LZMA_MEMLIMIT_ERROR ? "its dictionary needs more than 256 MiB" :
			  r == LZMA_DATA_ERROR ? "corrupt data" :
			  r == LZMA_OPTIONS_ERROR ? "unsupported options" : "bad stream", err);
		break;
	}
	lzma_end(&s);
	return ret;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n && !*p)
		p++, n--;
	return !n;
}

/* (gzip -t and kmod's gzread take zeros after the last member for the
 * padding of a tape or block device; anything else there is refused) */
static int ungzip(const uint8_t *in, size_t len, const char *name, struct unpack_out *o,
		  struct sr_error **err)
{
	size_t member = 0;	/* where the member being read starts */
	z_stream z;
	int r, ret = 0;

	memset(&z, 0, sizeof(z));
	/* (16: a gzip header and trailer, checked) */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		die_oom();
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;		/* (len <= UNPACK_MAX: unpack_module) */
	for (;;) {
		if (!unpack_room(o)) {
			ret = too_large(name, len - z.avail_in, err);
			break;
		}
		z.next_out = o->p + o->len;
		z.avail_out = (uInt)(o->cap - o->len);
		r = inflate(&z, Z_NO_FLUSH);
		o->len = o->cap - z.avail_out;
		if (r == Z_OK)
			continue;
		if (r == Z_STREAM_END) {
			member = len - z.avail_in;
			if (all_zero(in + member, z.avail_in))
				break;
			if (z.avail_in < 2 || in[member] != 0x1f || in[member + 1] != 0x8b) {
				ret = bad(name, member, "gzip", "data after the stream's end", err);
				break;
			}
			inflateReset(&z);
			continue;
		}
		if (r == Z_MEM_ERROR)
			die_oom();
		if (r == Z_BUF_ERROR && !z.avail_in)
			ret = bad(name, len, NULL, "the gzip stream ends early", err);
		else
			ret = bad(name, len - z.avail_in, "gzip", z.msg ? z.msg : "corrupt data", err);
		break;
	}
	inflateEnd(&z);
	return ret;
}

int unpack_module(struct mapped *m, const char *name, const char *packing,
		  struct sr_error **err)
{
	struct unpack_out o = { 0 };
	const char *what = NULL;
	uint64_t at = 0;
	int r;

	if (m->size > UNPACK_MAX)
		return too_packed(name, err);
	if (!strcmp(packing, "zstd")) {
		r = zstd_unpack(m->buf, m->size, &o, &at, &what);
		r = r == -2 ? too_large(name, at, err) :
		    r == -3 ? bad(name, at, NULL, "the zstd stream ends early", err) :
		    r < 0 ? bad(name, at, "zstd", what, err) : 0;
	} else if (!strcmp(packing, "xz")) {
		r = unxz(m->buf, m->size, name, &o, err);
	} else {
		r = ungzip(m->buf, m->size, name, &o, err);
	}
	if (r == 0 && o.len > UNPACK_MAX)
		r = too_large(name, m->size, err);
	if (r < 0) {
		free(o.p);
		return -1;
	}
	free(m->heap);
	m->heap = o.p;
	m->buf = o.p ? o.p : (const uint8_t *)"";
	m->size = o.len;
	return 0;
}

int load_unpacked(int dirfd, const char *rel, const char *name, const char *packing,
		  struct mapped *m, struct sr_error **err)
{
	struct stat st;

	/* (not read into memory first if it is larger than any module) */
	if (packing && fstatat(dirfd, rel, &st, 0) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > UNPACK_MAX) {
		*m = (struct mapped){ .buf = (const uint8_t *)"", .fd = -1 };
		return too_packed(name, err);
	}
	if (load_file(dirfd, rel, name, m, err) < 0)
		return -1;
	return packing ? unpack_module(m, name, packing, err) : 0;
}
