// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: a digest cache file (tracer/digest_cache.c) as a run
 * loads it, then saved and loaded again: what the second load takes must
 * be what the first did.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracer/digest_cache.h"
#include "tracer/tracer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* stderr to /dev/null, or back. */
static void quiet(bool on)
{
	static int saved = -1;

	fflush(stderr);
	if (on) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		saved = dup(2);
		if (null < 0 || saved < 0 || dup2(null, 2) < 0)
			abort();
		close(null);
	} else if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
		saved = -1;
	}
}

/* The file's digests a load took (indexed, to be looked up). */
static size_t loaded(const struct tracer *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cache_index_len; i++)
		n += t->cache_index[i] != 0;
	return n;
}

/* The input made a well-formed file (data[0] & 2: its header's magic,
 * layout, algorithm, count and sum set; & 4: each entry's digest of the
 * algorithm's length), so that the fuzzer gets past the sum: into the
 * index, the lookups and the save.  In buf, its new size. */
static size_t well_formed(const uint8_t *data, size_t size, uint8_t *buf, bool sha)
{
	size_t n = size >= 48 ? (size - 48) / 80 : 0;
	uint32_t order = 0x01020304, esize = 80, count = (uint32_t)n;
	struct digest sum;

	memcpy(buf, data, size);
	if (size < 48 || !(data[0] & 2))
		return size;
	memcpy(buf, "SRDIGC02", 8);
	memcpy(buf + 8, &order, 4);
	memcpy(buf + 12, &esize, 4);
	memset(buf + 16, 0, 8);
	strcpy((char *)buf + 16, sha ? "sha256" : "xxh128");
	memcpy(buf + 24, &count, 4);
	for (size_t i = 0; (data[0] & 4) && i < n; i++)
		buf[48 + i * 80 + 40] = sha ? 32 : 16;
	digest_buf(DIGEST_XXH128, buf + 48, n * 80, &sum);
	memcpy(buf + 32, sum.bytes, 16);
	return 48 + n * 80;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[64], out[64];
	struct tracer_opts opts = { .algo = size && (data[0] & 1) ? DIGEST_SHA256 : DIGEST_XXH128 };
	struct tracer t = { .opts = &opts, .root_fd = -1 };
	uint8_t *buf;
	size_t first;
	FILE *f;

	if (!in[0]) {
		snprintf(in, sizeof(in), "/tmp/sandrun-fuzz-dc.%d", (int)getpid());
		snprintf(out, sizeof(out), "/tmp/sandrun-fuzz-dc.%d.out", (int)getpid());
	}
	buf = malloc(size + 1);
	if (!buf)
		abort();
	size = well_formed(data, size, buf, opts.algo == DIGEST_SHA256);
	data = buf;
	f = fopen(in, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	opts.digest_cache = in;
	quiet(true);	/* its warnings, not libFuzzer's reports */
	digest_cache_load(&t);
	first = loaded(&t);
	/* every other entry looked up, so taken into the table: it is
	 * written from there, the rest from the file (48: the header, 80: an
	 * entry, dev and ino first) */
	for (size_t o = 48; t.cache_index && o + 16 <= size; o += 160) {
		struct stat st = { 0 };
		uint64_t dev, ino;

		memcpy(&dev, data + o, sizeof(dev));
		memcpy(&ino, data + o + 8, sizeof(ino));
		st.st_dev = (dev_t)dev;
		st.st_ino = (ino_t)ino;
		digest_cache_slot(&t, &st);
	}
	/* what was loaded, written out and read back */
	opts.digest_cache = out;
	t.cache_dirty = true;
	digest_cache_save(&t);
	digest_cache_free(&t);
	if (first) {
		digest_cache_load(&t);
		if (loaded(&t) != first)
			abort();
		digest_cache_free(&t);
	}
	quiet(false);
	unlink(in);
	unlink(out);
	free(buf);
	return 0;
}
