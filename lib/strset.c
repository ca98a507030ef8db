// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/strset.h"
#include "lib/util.h"

static struct strset_slot *find(struct strset_slot *slot, size_t cap, uint64_t h,
				const char *s, size_t len)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct strset_slot *e = &slot[i];

		if (!e->s || (e->hash == h && e->len == len && !memcmp(e->s, s, len)))
			return e;
	}
}

static void grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 256;
	struct strset_slot *slot = xcalloc(cap, sizeof(*slot));

	for (size_t i = 0; i < set->cap; i++) {
		const struct strset_slot *e = &set->slot[i];

		if (e->s)
			*find(slot, cap, e->hash, e->s, e->len) = *e;
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
}

bool strset_add(struct strset *set, const char *s, size_t len)
{
	uint64_t h = hash64(s, len);
	struct strset_slot *e;

	if (2 * (set->n + 1) > set->cap)
		grow(set);
	e = find(set->slot, set->cap, h, s, len);
	if (e->s)
		return false;
	e->s = memcpy(xmalloc(len + 1), s, len);
	e->s[len] = '\0';
	e->hash = h;
	e->len = len;
	set->n++;
	return true;
}

bool strset_has(const struct strset *set, const char *s, size_t len)
{
	return set->cap && find(set->slot, set->cap, hash64(s, len), s, len)->s;
}

void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i].s);
	free(set->slot);
	memset(set, 0, sizeof(*set));
}
