/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SITECACHE_H
#define SR_SITECACHE_H

#include <stddef.h>
#include <sys/types.h>

#include "preload/sites.h"
#include "tracer/filter.h"
#include "tracer/tracer.h"

/* A piece of the cache's file past its head and entries: len bytes from
 * src, at offset at. */
struct sitecache_part {
	const void *src;
	size_t len, at;
	bool loaded;	/* src: this process's loaded libc or loader, kept loaded */
	int fd;		/* loaded: its file, those bytes at off in it; or -1 */
	off_t off;
};

#define SITECACHE_IMAGES 2	/* libc's, the loader's */
#define SITECACHE_PARTS (SITECACHE_IMAGES * (4 + SITES_MAX))

/* The cache of rewrite sites a run gives the build (preload/sites.h):
 * its head and entries, and libc's and the loader's images (sites.h), in
 * parts: each one's code as this process has it loaded (src: there),
 * then its rewritten sites and the thunks in its slack (src: code,
 * here). */
struct sitecache {
	struct sites_cache_head head;
	struct sites_cache_entry entry[SITES_CACHE_MAX];
	struct sitecache_part part[SITECACHE_PARTS];
	size_t nparts;
	unsigned char code[SITECACHE_IMAGES][4096 + 8 * (SITES_MAX + 2)];
};

/* The sites of this process's own dynamic loader and libc (those the
 * build's processes run too, if they have the same build IDs), with an
 * image of each where its code's slack holds the thunks, and the output
 * files (sitecache_outputs), into c; the length in bytes of its
 * head and entries, 0 if it holds no sites.  And the loader's openat and
 * newfstatat sites and its fstat's "", for the filter, into *ld (none
 * if it has no sites).  A part's fd, if any, is the caller's to close. */
size_t sitecache_make(struct sitecache *c, const struct output_files *out,
		      struct filter_loader *ld);

/* The regular files sandrun's own stdio is open for writing on (the
 * build inherits them: a log), stdin's too (a shell's <>). */
void sitecache_outputs(struct output_files *o);
/* A warning if stdin is one of them, in the source tree src. */
void sitecache_outputs_warn(const char *src);

#endif
