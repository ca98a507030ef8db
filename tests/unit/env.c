// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the command environment (runner/env.c). */
#include <stdlib.h>
#include <string.h>

#include "runner/env.h"
#include "tests/unit/tap.h"

static char *join(const struct strv *sv)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + 1;
	s = xcalloc(1, len);
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, sv->v[i]);
	}
	return s;
}

int main(void)
{
	char *host[] = { "PATH=/bin", "HOME=/root", "SECRET=x", "ODD", "TZ=EST", NULL };
	struct env_spec spec = { 0 };
	struct strv env;
	char *s;

	env_build(&spec, host, &env);
	s = join(&env);
	is_str(s, "HOME=/root PATH=/bin SECRET=x TZ=EST",
	       "pass-through keeps everything valid, sorted");
	free(s);
	strv_free(&env);

	spec.clean = true;
	spec.have_epoch = true;
	spec.epoch = 1700000000;
	env_spec_add(&spec, "CC", "gcc");
	env_spec_add(&spec, "HOME", NULL);
	env_build(&spec, host, &env);
	s = join(&env);
	is_str(s, "CC=gcc LC_ALL=C.UTF-8 PATH=/bin SOURCE_DATE_EPOCH=1700000000 TZ=UTC",
	       "clean env: allowlist, fixed locale and zone, epoch, edits in order");
	free(s);
	strv_free(&env);

	env_build(&spec, (char *[]){ NULL }, &env);
	s = join(&env);
	is_str(s, "CC=gcc LC_ALL=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin "
	       "SOURCE_DATE_EPOCH=1700000000 TZ=UTC",
	       "clean env without PATH gets a default PATH");
	free(s);
	strv_free(&env);
	env_spec_free(&spec);
	return done_testing();
}
