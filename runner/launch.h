/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_LAUNCH_H
#define SR_LAUNCH_H

#include <stdio.h>

#include "lib/error.h"
#include "runner/config.h"

/*
 * Run cfg's command in a new sandbox and wait for it.  On success
 * *ret_status is what sandrun exits with: the command's status, or 128+N
 * when it died of signal N.  Setup failures are returned as errors.
 */
int launch_run(const struct run_config *cfg, int *ret_status,
	       struct sr_error **err);

/* The run's metadata (cfg->meta_path) written with status, sandrun's
 * exit status, as its exit_code: launch_run leaves it in cfg->outcome
 * for this, once the verdict is known; a failure is a warning. */
struct run_meta;
void launch_meta_write(const struct run_config *cfg, struct run_meta *meta, int status);

/* The --dry-run output: every step the launch would take, in order. */
void launch_print_plan(const struct run_config *cfg, FILE *f);

#endif
