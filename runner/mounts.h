/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_MOUNTS_H
#define SR_MOUNTS_H

#include "lib/error.h"
#include "runner/plan.h"

/*
 * Build the sandbox's root from the plan and pivot into it.  Runs in the
 * child, inside its own user and mount namespaces.  Needs the new mount
 * API (open_tree, move_mount, fsopen, mount_setattr: Linux 5.12).
 */
int mounts_apply(const struct mount_plan *plan, struct sr_error **err);

#endif
