/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_VERDICT_H
#define SR_VERDICT_H

#include "runner/config.h"

/*
 * After a run under --policy or --lock: the violation summary (and GitHub
 * Actions annotations when GITHUB_ACTIONS is set), the lock comparison,
 * the --report JSON.  Returns the run's exit status: 122 when the policy
 * was violated, else 121 when a host input drifted, else the command's.
 */
int verdict(const struct run_config *cfg, const struct run_outcome *out, int status);

#endif
