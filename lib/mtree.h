/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_MTREE_H
#define SR_MTREE_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"

/*
 * Filesystem states as mtree(5) lines, the format libarchive and the BSD
 * tools read: `./path type=file mode=0644 size=12 sha256digest=...`.
 * Manifests and deltas share it; a delta adds `type=absent`.  No times,
 * owners or inode numbers.  XXH3-128 digests use the key xxh128digest.
 */
enum fs_type {
	FS_ABSENT, FS_FILE, FS_DIR, FS_LINK, FS_FIFO, FS_CHAR, FS_BLOCK,
	FS_SOCKET,
};

struct fsentry {
	char *path;		/* escaped as in the file */
	enum fs_type type;
	unsigned perm;
	long long size;
	char *digest;		/* hex */
	char *target;		/* symlink target, escaped */
};

struct fslist {
	struct fsentry *v;
	size_t n, cap;
	char *algo;		/* "xxh128" or "sha256" */
	char *kind;		/* the header's: "manifest", "delta"; NULL: none */
};

const char *fs_type_name(enum fs_type t);
int fs_type_parse(const char *name);
/* mtree's escaping: bytes outside 0x21..0x7e, and '\', as \ooo. */
char *mtree_escape(const char *s);
/* The bytes of a name escaped so (as mtree_read checks them: every \ooo
 * one that mtree_escape writes). */
char *mtree_unescape(const char *s);
/* Whether s is lowercase hex of the length of algo's digests. */
bool mtree_hex_digest(const char *s, const char *algo);
/* Whether p is a path as a delta or a lock writes one: under a root
 * ("$SRC", "$HOME", ...) or "/", then names, none empty, "." or "..",
 * escaped as mtree_escape does, in its one spelling. */
bool mtree_rooted_path_ok(const char *p);

void fslist_push(struct fslist *l, struct fsentry *e);	/* takes ownership */
void fslist_sort(struct fslist *l);
void fslist_free(struct fslist *l);
void fsentry_free(struct fsentry *e);
bool fsentry_same(const struct fsentry *a, const struct fsentry *b);

void mtree_write_entry(FILE *f, const struct fsentry *e, const char *algo);
/*
 * Read entries; a `#sandrun-KIND 1 digest=ALGO` header names the kind and
 * the digest.  Errors are file:line (123): a truncated last line, a bad
 * keyword or digest, a path listed twice; a read error is 125.
 */
int mtree_read(FILE *f, const char *name, struct fslist *ret,
	       struct sr_error **err);

#endif
