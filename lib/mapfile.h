/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_MAPFILE_H
#define SR_MAPFILE_H

#include <stdint.h>

#include "lib/error.h"

/* A whole file, read-only, mapped (an empty file is an empty buffer). */
struct mapped {
	const uint8_t *buf;
	uint64_t size;
	void *map;
	void *heap;		/* load_file's copy */
	int fd;			/* open until unmap_file, -1 for none */
};

int map_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	     struct sr_error **err);
/* The same, read into memory: for a reader that parses all of a file
 * (a mapping of a file truncated meanwhile would fault). */
int load_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	      struct sr_error **err);
/* A file of at most cap bytes read into buf (ret->map stays NULL), a
 * larger one mapped. */
int read_or_map_file(int dirfd, const char *rel, const char *name, uint8_t *buf,
		     uint64_t cap, struct mapped *ret, struct sr_error **err);
void unmap_file(struct mapped *m);

#endif
