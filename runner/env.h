/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_ENV_H
#define SR_ENV_H

#include <stdbool.h>

#include "lib/util.h"

/* An ordered list of changes to the environment, from the command line. */
struct env_edit {
	char *name;
	char *value;	/* NULL: unset */
};

struct env_spec {
	bool clean;		/* start from the allowlist, not the host env */
	bool epoch_given;	/* --epoch (an edit, in order) */
	bool have_epoch;	/* --clean-env's default: set before the edits */
	long long epoch;	/* SOURCE_DATE_EPOCH */
	struct env_edit *edits;
	size_t n_edits;
};

/* Names kept by --clean-env, NULL-terminated. */
extern const char *const env_clean_allowlist[];

void env_spec_add(struct env_spec *spec, const char *name, const char *value);
void env_spec_free(struct env_spec *spec);

/* Build the command's environment from `host` and the spec, sorted. */
void env_build(const struct env_spec *spec, char *const *host,
	       struct strv *ret);

/* Set (value NULL: remove) one variable of a built environment. */
void env_put(struct strv *env, const char *name, const char *value);

/* The source tree's last git commit time, or -1 when it has none. */
long long env_git_epoch(const char *src);

#endif
