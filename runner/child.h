/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CHILD_H
#define SR_CHILD_H

#include <signal.h>

#include "runner/config.h"

/*
 * The sandbox side of the launch, run as pid 1 of the new pid namespace:
 * wait for the parent to write the id maps (go_fd), set up hostname,
 * network and mounts, start the command, then act as its init (reap
 * orphans, forward signals) and send its wait status on report_fd.
 * Failures are sent on report_fd as errors.  Starts with the forwarded
 * signals blocked (queued, not lost, while it sets up); orig_mask is the
 * invoker's mask, restored once the handlers are in place.  filter_fd,
 * if not -1, brings the seccomp filter's program built by the parent
 * (tracer/filter.h: filter_prog_recv; EOF: none, the command's process
 * builds it).  Never returns.
 */
__attribute__((noreturn))
void sandbox_child(const struct run_config *cfg, const sigset_t *orig_mask,
		   int go_fd, int report_fd, int filter_fd);

#endif
