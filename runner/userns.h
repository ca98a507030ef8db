/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_USERNS_H
#define SR_USERNS_H

#include <sys/types.h>

#include "lib/error.h"

/* Write the child's uid_map, setgroups and gid_map. */
int userns_write_maps(pid_t pid, uid_t outer_uid, gid_t outer_gid,
		      uid_t inner_uid, gid_t inner_gid, struct sr_error **err);

/*
 * Turn a failed namespace creation into an error that names the cause
 * and the fix (a sysctl, AppArmor's userns restriction, ...).
 */
int userns_diagnose(int errnum, const char *what, struct sr_error **err);

#endif
