/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_HASH_H
#define SR_HASH_H

/*
 * `sandrun hash`'s parts: options and results (cli_hash.c runs the jobs
 * and prints), one file's digest (hash_file.c), user mask rules and tree
 * listing (hash_rules.c), the module hash list (hash_modules.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/artifact.h"
#include "lib/error.h"
#include "lib/util.h"

/* A user mask rule: `GLOB bytes START:END` or `GLOB section NAME`. */
struct rule {
	char *glob;
	char *section;		/* or NULL for a byte range */
	long long start, end;	/* negative: from the end; end 0: to the end */
};

struct hash_opts {
	enum mask_mode mode;
	enum digest_algo algo;
	bool verbose, json;
	struct rule *rules;
	size_t nrules;
};

struct hash_out {
	struct digest d;
	struct region r[MAX_REGIONS];	/* offsets in the content hashed */
	size_t n;
	const char *unpacked;	/* a compressed module's format, its content
				 * the decompressed module (lib/unpack.h) */
};

/* One file's digest into out (hash_file.c): rel under dirfd, called name
 * in errors; "-" is standard input, and a pipe is read as a stream.
 * block: MASKED_BLOCK bytes of scratch.  -1 with *err. */
int hash_file(const struct hash_opts *o, enum digest_algo algo, int dirfd,
	      const char *rel, const char *name, uint8_t *block,
	      struct hash_out *out, struct sr_error **err);
/* A file that shrinks while mapped is an I/O error, not a crash: once,
 * before hash_file runs. */
void hash_catch_sigbus(void);

/* --rules FILE: FILE:LINE errors (123). */
int parse_rules(const char *path, struct hash_opts *o, struct sr_error **err);
/* Adds the regions the rules give for name to out (-1 on a bad ELF). */
int apply_rules(const struct hash_opts *o, const uint8_t *buf, uint64_t size,
		const char *name, struct hash_out *out, struct sr_error **err);
int hash_cmp_names(const void *a, const void *b);
/* Files below dir (relative paths); what cannot be read goes to errors
 * as "REL\tmessage". */
void list_tree(const char *dir, const char *rel, struct strv *out, struct strv *errors);
/* --module-hashes DIR: prints the list and its Merkle root; an exit code. */
int module_hashes(const char *dir);
/* A module's leaf in that root's tree, SHA256(0x01 || be32(pos) || its
 * unsigned payload), and the payload's own SHA-256 if payload is not
 * NULL; -1 with *err. */
int module_leaf(const char *path, uint32_t pos, struct digest *leaf, struct digest *payload,
		struct sr_error **err);
/* The tree's levels over n leaves; its root, put in level[0] (the n
 * leaves are overwritten). */
size_t merkle_levels(size_t n);
void merkle_root(struct digest *level, size_t n);
/* A name with a backslash, newline or CR escaped as sha256sum does (its
 * line then starts with a backslash); name itself when none needs it.
 * unescape_name: the reverse, in place (hash_lines.c). */
char *escape_name(const char *name);
void unescape_name(char *s);
/* A check line, as sha256sum -c reads them: "DIGEST  PATH", "DIGEST
 * *PATH" or "DIGEST PATH", or BSD's "SHA256 (PATH) = DIGEST" (--tag;
 * XXH128 for xxhsum's); l is cut in place.  False for anything else. */
bool split_check(char *l, char **ret_hex, char **ret_path, enum digest_algo *algo);
/* "(merkle root, L levels, N modules)", the path of --module-hashes's
 * last line: N, and L checked against it; false for any other path. */
bool merkle_line(const char *path, size_t *n);

#endif
