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
#include <unistd.h>

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

static void drop(struct tracer *t)
{
	free(t->cache);
	free(t->cache_used);
	t->cache = NULL;
	t->cache_used = NULL;
	t->ncache_used = t->cache_used_cap = t->cache_len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[64], out[64];
	struct tracer_opts opts = { .algo = size && (data[0] & 1) ? DIGEST_SHA256 : DIGEST_XXH128 };
	struct tracer t = { .opts = &opts, .root_fd = -1 };
	size_t first;
	FILE *f;

	if (!in[0]) {
		snprintf(in, sizeof(in), "/tmp/sandrun-fuzz-dc.%d", (int)getpid());
		snprintf(out, sizeof(out), "/tmp/sandrun-fuzz-dc.%d.out", (int)getpid());
	}
	f = fopen(in, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	opts.digest_cache = in;
	quiet(true);	/* its warnings, not libFuzzer's reports */
	digest_cache_load(&t);
	first = t.ncache_used;
	/* what was loaded, written out and read back */
	opts.digest_cache = out;
	t.cache_dirty = true;
	for (size_t i = 0; i < t.ncache_used; i++)
		t.cache[t.cache_used[i]].from_file = false;
	digest_cache_save(&t);
	drop(&t);
	if (first) {
		digest_cache_load(&t);
		if (t.ncache_used != first)
			abort();
		drop(&t);
	}
	quiet(false);
	unlink(in);
	unlink(out);
	return 0;
}
