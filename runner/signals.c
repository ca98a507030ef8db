// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/util.h"
#include "runner/signals.h"

const int forwarded_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
};
const size_t n_forwarded_signals = ARRAY_SIZE(forwarded_signals);

void forwarded_sigset(sigset_t *ret)
{
	sigemptyset(ret);
	for (size_t i = 0; i < n_forwarded_signals; i++)
		sigaddset(ret, forwarded_signals[i]);
}

void ignored_forwarded(sigset_t *ret)
{
	sigemptyset(ret);
	for (size_t i = 0; i < n_forwarded_signals; i++) {
		struct sigaction sa;

		if (sigaction(forwarded_signals[i], NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			sigaddset(ret, forwarded_signals[i]);
	}
}
