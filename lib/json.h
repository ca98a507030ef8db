/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_JSON_H
#define SR_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal (RFC 8259 escaping; bytes that are
 * not valid UTF-8 are written as \u00XX of the byte). */
void json_write_string(FILE *f, const char *s);

#endif
