// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the word diff of long values (runner/word_diff.c). */
#include <stdlib.h>

#include "runner/word_diff.h"
#include "tests/unit/tap.h"

static void check(const char *a, const char *b, const char *want, size_t places)
{
	char *got = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&got, &len);

	n = word_diff(f, "> ", a, b);
	fclose(f);
	is_str(got, want, "'%s' against '%s'", a, b);
	ok(n == places, "... %zu place%s (got %zu)", places, places == 1 ? "" : "s", n);
	free(got);
}

int main(void)
{
	/* a word added, one taken, one changed, with two words of context */
	check("cc -O2 -g -c x.c", "cc -O2 -g -DX -c x.c", "> ... -O2 -g {+-DX+} -c x.c\n", 1);
	check("cc -O2 -g -DX -c x.c", "cc -O2 -g -c x.c", "> ... -O2 -g [--DX-] -c x.c\n", 1);
	check("a b c d e f g", "a b c D e f g", "> ... b c [-d-] {+D+} e f ...\n", 1);
	/* at either end: no "..." on that side */
	check("x a b c", "y a b c", "> [-x-] {+y+} a b ...\n", 1);
	check("a b c x", "a b c y", "> ... b c [-x-] {+y+}\n", 1);
	/* two places far apart: two lines; near: one */
	check("a 1 2 3 4 5 6 7 8 b", "A 1 2 3 4 5 6 7 8 B",
	      "> [-a-] {+A+} 1 2 ...\n> ... 7 8 [-b-] {+B+}\n", 2);
	check("a 1 2 b", "A 1 2 B", "> [-a-] {+A+} 1 2 [-b-] {+B+}\n", 1);
	/* the same change twice (a recipe that echoes its command): twice */
	check("gcc -g -c x; echo 1 2 3 4 5 gcc -g -c x", "gcc -g -DE -c x; echo 1 2 3 4 5 gcc -g -DE -c x",
	      "> gcc -g {+-DE+} -c x; ...\n> ... gcc -g {+-DE+} -c x\n", 2);
	/* blanks run together are one separator; all words new */
	check("a  b", "c d", "> [-a-] [-b-] {+c+} {+d+}\n", 1);
	check("", "x", "> {+x+}\n", 1);
	/* past the table's bound (3000 words a side, all different): the
	 * middle is one place, A's words out, then B's in */
	{
		char *a = NULL, *b = NULL, *got = NULL;
		size_t la = 0, lb = 0, len = 0, n;
		FILE *fa = open_memstream(&a, &la), *fb = open_memstream(&b, &lb), *f;

		for (int i = 0; i < 3000; i++) {
			fprintf(fa, "a%d ", i);
			fprintf(fb, "b%d ", i);
		}
		fclose(fa);
		fclose(fb);
		f = open_memstream(&got, &len);
		n = word_diff(f, "", a, b);
		fclose(f);
		ok(n == 1 && !strncmp(got, "[-a0-] [-a1-] ", 14) &&
		   strstr(got, "[-a2999-] {+b0+} ") && len > 2 &&
		   !strcmp(got + len - 10, "{+b2999+}\n"),
		   "3000 words against 3000 others: one place, A's out, B's in");
		free(a);
		free(b);
		free(got);
	}
	return done_testing();
}
