/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PREFLIGHT_H
#define SR_PREFLIGHT_H

#include "lib/error.h"
#include "runner/config.h"

/*
 * An enforcing policy's check that the command can start: its program and
 * the interpreter the kernel loads for it need the exec right.  -1 with a
 * 122 error naming the path and rule otherwise.
 */
int policy_preflight(const struct run_config *cfg, struct sr_error **err);

#endif
