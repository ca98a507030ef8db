/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_WORD_DIFF_H
#define SR_WORD_DIFF_H

#include <stdio.h>

/*
 * Two long strings (a command line, an environment variable's value)
 * told apart word by word, as git's --word-diff=plain does: each place
 * where they differ, on a line of its own after indent, with two words
 * of context either side, A's words as [-...-] and B's as {+...+}.
 * Words are what blanks separate.  Returns the number of places.
 */
size_t word_diff(FILE *f, const char *indent, const char *a, const char *b);

#endif
