/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether two events are the same in every field the spool keeps (for
 * the spool's unit test and fuzz harness). */
#ifndef SR_TEST_EVENT_SAME_H
#define SR_TEST_EVENT_SAME_H

#include <stdbool.h>
#include <string.h>

#include "tracer/event.h"

static inline bool same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static inline bool same_strv(char **a, char **b)
{
	size_t i = 0;

	if (!a || !b)	/* an empty list reads back as none */
		return (!a || !a[0]) && (!b || !b[0]);
	for (; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return !a[i] && !b[i];
}

static inline bool same_digest(const struct digest *a, const struct digest *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

static inline bool event_same(const struct event *a, const struct event *b)
{
	return a->kind == b->kind && a->pid == b->pid && a->tid == b->tid &&
	       a->other == b->other && a->result == b->result && a->flags == b->flags &&
	       a->mode == b->mode && a->aux == b->aux && same_str(a->name, b->name) &&
	       same_str(a->path, b->path) && same_str(a->path2, b->path2) &&
	       same_strv(a->argv, b->argv) && same_strv(a->envp, b->envp) &&
	       same_digest(&a->digest, &b->digest) && a->post.has == b->post.has &&
	       a->post.mode == b->post.mode && a->post.size == b->post.size &&
	       same_digest(&a->post.digest, &b->post.digest) &&
	       same_str(a->post.target, b->post.target) && same_str(a->loader, b->loader);
}

#endif
