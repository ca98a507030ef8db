// SPDX-License-Identifier: GPL-2.0-or-later
/* The lines of `sandrun hash` and `hash -c`: names escaped as sha256sum
 * escapes them, and the check lines it reads back. */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "runner/hash.h"

char *escape_name(const char *name)
{
	char *out, *q;

	if (!strpbrk(name, "\\\n\r"))
		return (char *)name;
	out = q = xmalloc(2 * strlen(name) + 1);
	for (const char *p = name; *p; p++) {
		if (*p == '\\' || *p == '\n' || *p == '\r') {
			*q++ = '\\';
			*q++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : '\\';
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	return out;
}

void unescape_name(char *s)
{
	char *q = s;

	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			*q++ = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
}

bool split_check(char *l, char **ret_hex, char **ret_path, enum digest_algo *algo)
{
	static const struct { const char *tag; enum digest_algo algo; size_t len; } tags[] = {
		{ "SHA256 (", DIGEST_SHA256, 64 },
		{ "XXH128 (", DIGEST_XXH128, 32 },
	};
	size_t hexlen;

	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		char *path = l + strlen(tags[i].tag), *close;

		if (!str_has_prefix(l, tags[i].tag))
			continue;
		close = strrchr(path, ')');
		if (!close || close == path || strncmp(close, ") = ", 4))
			return false;
		*close = '\0';
		*ret_path = path;
		*ret_hex = close + 4;
		*algo = tags[i].algo;
		hexlen = strspn(*ret_hex, "0123456789abcdefABCDEF");
		return hexlen == tags[i].len && !(*ret_hex)[hexlen];
	}
	hexlen = strspn(l, "0123456789abcdefABCDEF");
	if ((hexlen != 64 && hexlen != 32) || l[hexlen] != ' ')
		return false;
	*algo = hexlen == 64 ? DIGEST_SHA256 : DIGEST_XXH128;
	*ret_hex = l;
	l[hexlen] = '\0';
	l += hexlen + 1;
	if (*l == ' ' || *l == '*')
		l++;
	*ret_path = l;
	return *l != '\0';
}

bool merkle_line(const char *path, size_t *n)
{
	unsigned long levels, mods;
	char again[80];

	/* (as printed, exactly: sscanf's spaces match none, its %lu a sign) */
	if (sscanf(path, "(merkle root, %lu levels, %lu modules)", &levels, &mods) != 2 ||
	    !mods || levels != merkle_levels(mods))
		return false;
	snprintf(again, sizeof(again), "(merkle root, %lu levels, %lu modules)", levels, mods);
	if (strcmp(again, path))
		return false;
	*n = mods;
	return true;
}
