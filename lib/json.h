/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_JSON_H
#define SR_JSON_H

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

#endif
