// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/util.c and lib/error.c. */
#include <errno.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "tests/unit/tap.h"

static void check_normalize(const char *in, const char *want)
{
	char *got = path_normalize(in);

	is_str(got, want, "path_normalize(\"%s\")", in);
	free(got);
}

int main(void)
{
	struct sr_error *err = NULL;
	char buf[256];
	long v;

	check_normalize("/", "/");
	check_normalize("//usr//include/", "/usr/include");
	check_normalize("/usr/./include/../lib", "/usr/lib");
	check_normalize("/a/b/../../..", "/");
	check_normalize("/a/../b/./c/..", "/b");
	check_normalize("/tmp/x.d/..d", "/tmp/x.d/..d");

	ok(path_is_under("/tmp/src/a", "/tmp/src"), "a child is under its parent");
	ok(path_is_under("/tmp/src", "/tmp/src"), "a path is under itself");
	ok(!path_is_under("/tmp/srcx", "/tmp/src"), "a sibling prefix is not under");
	ok(path_is_under("/anything", "/"), "everything is under /");

	ok(parse_long("42", 0, 100, &v) == 0 && v == 42, "parse_long accepts 42");
	ok(parse_long("4x", 0, 100, &v) < 0, "parse_long rejects trailing junk");
	ok(parse_long("", 0, 100, &v) < 0, "parse_long rejects an empty string");
	ok(parse_long("101", 0, 100, &v) < 0, "parse_long rejects out of range");

	ok(sr_error_make(&err, SR_EXIT_FAILURE, ENOENT, "cannot open '%s'", "x") < 0,
	   "sr_error_make returns <0");
	sr_error_wrap(&err, "loading %s", "policy");
	is_str(sr_error_text(err, buf, sizeof(buf)),
	       "loading policy: cannot open 'x': No such file or directory",
	       "errors gain context and errno text");
	sr_error_make(&err, SR_EXIT_USAGE, 0, "second");
	ok(err->status == SR_EXIT_FAILURE, "the first error is kept");
	sr_error_free(err);
	return done_testing();
}
