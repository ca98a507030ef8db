/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CAPS_H
#define SR_CAPS_H

#include "lib/error.h"

/*
 * Drop every capability (effective, permitted, inheritable, ambient and
 * the bounding set), so that not even a uid 0 inside can regain one
 * across execve.  The only file that includes libcap.
 */
int caps_drop_all(struct sr_error **err);

#endif
