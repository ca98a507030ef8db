/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SIGNALS_H
#define SR_SIGNALS_H

#include <signal.h>
#include <stddef.h>

/*
 * The signals sandrun passes on to the command (through the sandbox's
 * pid 1, to the command's process group).  A signal the invoker ignores
 * (nohup) is neither forwarded nor un-ignored for the command.
 */
extern const int forwarded_signals[];
extern const size_t n_forwarded_signals;

void forwarded_sigset(sigset_t *ret);
/* The forwarded signals that are ignored right now. */
void ignored_forwarded(sigset_t *ret);

#endif
