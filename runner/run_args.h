/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_RUN_ARGS_H
#define SR_RUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/config.h"
#include "runner/env.h"

/* A user mount as given on the command line, before the plan exists. */
struct user_mount {
	enum mount_op_kind kind;
	char *src, *dst;
};

struct run_args {
	struct user_mount *mounts;
	size_t n_mounts;
	struct env_spec env;
	char *src, *chdir, *trace, *policy;
	bool no_trace, digest_given;
	bool no_preload;
	bool no_notify;
	char *digest_cache;
	bool no_digest_cache;
	bool net_given;
};

/* argv into a and cfg's plain fields (cfg->argv: the command): 0, a
 * usage error's exit code (124, said), or -1 after --help. */
int parse_run_args(int argc, char **argv, struct run_args *a, struct run_config *cfg);
void run_args_free(struct run_args *a);

#endif
