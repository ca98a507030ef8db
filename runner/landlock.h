/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_LANDLOCK_H
#define SR_LANDLOCK_H

#include "lib/error.h"

#include "policy/policy.h"

/* The kernel's Landlock ABI version, or 0 when it has none (or it is
 * disabled at boot). */
int landlock_abi(void);

/*
 * Restrict this process and what it starts to the policy's paths: read
 * rules get file reads and directory listings, write rules every change,
 * exec rules execution.  A glob's rules are what it matches when the run
 * starts (the tracer checks the glob itself).  Write directories that do
 * not exist are created first; other missing paths are skipped.  Needs
 * no_new_privs.
 */
int landlock_apply(const struct policy *p, int abi, struct sr_error **err);


#endif
