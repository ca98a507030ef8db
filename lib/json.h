/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_JSON_H
#define SR_JSON_H

#include <stdbool.h>
#include <stdio.h>

/* Write s as a JSON string literal (RFC 8259 escaping; bytes that are
 * not valid UTF-8 are written as \u00XX of the byte). */
void json_write_string(FILE *f, const char *s);

/*
 * Write bytes that may not be UTF-8 (paths, argv, environment) as a JSON
 * string without ambiguity: valid UTF-8 as is; a byte that is not UTF-8
 * as the four characters \xHH, and a backslash as two backslashes (so
 * the decoded string says \\).  bytes_unescape() reverses it.
 */
void json_write_bytes(FILE *f, const char *s);

/* The same, appended to a buffer. */
struct sbuf;
void json_put_string(struct sbuf *b, const char *s);
void json_put_bytes(struct sbuf *b, const char *s);
char *bytes_unescape(const char *decoded);

/*
 * Whether the n bytes at s are one JSON value (whitespace around it
 * allowed), as jansson would read it with JSON_REJECT_DUPLICATES: UTF-8
 * only, no \u0000, surrogates in pairs, integers within 64 bits, reals
 * finite, no key twice in an object (compared decoded); an object of more
 * than 32 keys is not taken either (its 33rd key is *bad), for the
 * caller to leave to jansson; if not, *bad is the offset of the
 * first byte that is wrong (n: the text ends too soon).  s goes on to a
 * NUL at or after s + n.  Nothing is allocated: for records read only
 * to be skipped.
 */
bool json_check(const char *s, size_t n, size_t *bad);

#endif
