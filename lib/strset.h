/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_STRSET_H
#define SR_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A set of byte strings, each copied in once: for counting the distinct
 * ones among many repeats (the files a build reads), in memory that
 * follows the distinct strings, not the repeats.  Open addressing,
 * linear probing, grown at half full.
 */
struct strset_slot {
	uint64_t hash;
	char *s;	/* NULL: empty */
	size_t len;
};

struct strset {
	struct strset_slot *slot;
	size_t n, cap;
};

/* True when s[0..len) was not in the set (it is now). */
bool strset_add(struct strset *set, const char *s, size_t len);
bool strset_has(const struct strset *set, const char *s, size_t len);
void strset_free(struct strset *set);

#endif
