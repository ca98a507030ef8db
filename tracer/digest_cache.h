/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_DIGEST_CACHE_H
#define SR_DIGEST_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "tracer/tracer.h"

static inline int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The slot for the file st describes (digest_cache.c); e, in use from
 * now on, holding v; whether the cache has the digest of st's version. */
struct hash_entry *digest_cache_slot(struct tracer *t, const struct stat *st);
void digest_cache_set(struct tracer *t, struct hash_entry *e, const struct hash_entry *v);
bool digest_cached(struct tracer *t, const struct stat *st, struct digest *ret);

#endif
