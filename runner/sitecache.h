/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SITECACHE_H
#define SR_SITECACHE_H

#include <stddef.h>

#include "preload/sites.h"
#include "tracer/filter.h"
#include "tracer/tracer.h"

/* The cache of rewrite sites a run gives the build (preload/sites.h). */
struct sitecache {
	struct sites_cache_head head;
	struct sites_cache_entry entry[SITES_CACHE_MAX];
};

/* The sites of this process's own dynamic loader and libc (those the
 * build's processes run too, if they have the same build IDs), and the
 * output files (sitecache_outputs), into c; its length in bytes, 0 if it
 * holds no sites.  And the loader's openat and newfstatat sites, for
 * the filter, into *ld (none if it has no sites). */
size_t sitecache_make(struct sitecache *c, const struct output_files *out,
		      struct filter_loader *ld);

/* The regular files sandrun's own stdout and stderr write to (the build
 * inherits them: a log). */
void sitecache_outputs(struct output_files *o);

#endif
