// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "lib/exitcode.h"
#include "runner/caps.h"

int caps_drop_all(struct sr_error **err)
{
	cap_t none;

	/* The bounding set first: dropping it needs CAP_SETPCAP. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP || cap_valid(c); c++) {
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return sr_error_make(err, SR_EXIT_FAILURE, errno,
					     "cannot drop capability %d from "
					     "the bounding set", c);
	}
	if (cap_reset_ambient() < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot clear ambient capabilities");
	none = cap_init();
	if (!none)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot allocate a capability set");
	if (cap_set_proc(none) < 0) {
		int e = errno;

		cap_free(none);
		return sr_error_make(err, SR_EXIT_FAILURE, e,
				     "cannot drop capabilities");
	}
	cap_free(none);
	return 0;
}
