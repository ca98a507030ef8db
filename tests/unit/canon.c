// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the canonicalizer's root rewriting (tracer/canon_names.c). */
#include <stdlib.h>

#include "tracer/canon_priv.h"
#include "tests/unit/tap.h"

static const struct canon_root roots[] = {
	{ "$SRC", "/build/src" },
	{ "$HOME", "/home/u" },
	{ "$TMP", "/tmp" },
	{ "$X", "/x" },		/* a root shorter than its name */
};
static const struct canon_opts opts = { .roots = roots, .nroots = 4 };

static void check(const char *in, const char *want)
{
	char *got = canon_rewrite_roots(&opts, in);

	is_str(got, want, "rewrite \"%s\"", in);
	free(got);
}

int main(void)
{
	check("", "");
	check("no slash here", "no slash here");
	check("/build/src", "$SRC");
	check("/build/src/a.c", "$SRC/a.c");
	check("/build/srcx/a.c", "/build/srcx/a.c");
	check("/usr/include/stdio.h", "/usr/include/stdio.h");
	check("-I/build/src/include", "-I$SRC/include");
	check("--sysroot=/build/src", "--sysroot=$SRC");
	check("PATH=/home/u/bin:/usr/bin:/build/src/tools", "PATH=$HOME/bin:/usr/bin:$SRC/tools");
	check("/build/src/.tmp_1/tmp", "$SRC/.tmp_1/tmp");
	check("/usr/tmp/x", "/usr/tmp/x");
	check("/tmp/ccA.s /tmp/ccB.o", "$TMP/ccA.s $TMP/ccB.o");
	check("/x/y:/x:/x/z", "$X/y:$X:$X/z");
	check("-DDIR=\"/x/a\",/x", "-DDIR=\"$X/a\",$X");
	check("'/home/u'", "'$HOME'");
	return done_testing();
}
