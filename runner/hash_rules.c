// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun hash`: user mask rules, and the files of a tree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "runner/hash.h"

/* Whether s (up to stop, or its end) is an offset in decimal: an
 * optional '-', then digits (not 010 for 8, nor 0x10). */
static bool offset_ok(const char *s, const char *stop)
{
	size_t len = stop ? (size_t)(stop - s) : strlen(s);
	size_t i = len && s[0] == '-';

	if (i == len || (s[i] == '0' && len - i > 1))
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int parse_rules(const char *path, struct hash_opts *o, struct sr_error **err)
{
	cleanup_fclose FILE *f = input_open(path, "", err);
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t len;

	if (!f)
		return -1;
	while ((len = text_getline(&line, &cap, f)) >= 0) {
		char glob[1024], kind[32], arg[1024], extra[2];
		struct rule r = { 0 };
		int n;

		lineno++;
		/* (sscanf would stop at it: the rest of the line unread) */
		if (memchr(line, '\0', (size_t)len)) {
			free(line);
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a NUL byte "
					     "in the line", path, lineno);
		}
		line[strcspn(line, "#\n")] = '\0';
		n = sscanf(line, "%1023s %31s %1023s %1s", glob, kind, arg, extra);
		if (n <= 0)
			continue;
		if (n != 3) {
			free(line);
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: expected "
					     "'GLOB bytes START:END' or 'GLOB section NAME'",
					     path, lineno);
		}
		if (!strcmp(kind, "section")) {
			r.section = xstrdup(arg);
		} else if (!strcmp(kind, "bytes")) {
			char *colon = strchr(arg, ':'), *end;

			bool explicit_end = colon && colon[1];

			errno = 0;	/* (ERANGE: past 2^63, not saturated) */
			r.start = colon && offset_ok(arg, colon) ? strtoll(arg, &end, 10) : 0;
			if (!colon || !offset_ok(arg, colon) || end != colon ||
			    (explicit_end && (!offset_ok(colon + 1, NULL) ||
					      (r.end = strtoll(colon + 1, &end, 10), *end))) ||
			    errno == ERANGE ||
			    /* (an END of 0 would be nothing, or the end: END is
			     * left empty for the end of the file) */
			    (explicit_end && !r.end) ||
			    ((r.start < 0) == (r.end < 0) && r.end && r.start >= r.end)) {
				free(line);
				return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: bad "
						     "byte range '%s' (START:END in decimal, "
						     "START before END, negative from the end, "
						     "END empty for the end)", path, lineno, arg);
			}
		} else {
			free(line);
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: unknown "
					     "rule kind '%s' (bytes or section)", path,
					     lineno, kind);
		}
		r.glob = xstrdup(glob);
		o->rules = xrealloc(o->rules, (o->nrules + 1) * sizeof(*o->rules));
		o->rules[o->nrules++] = r;
	}
	free(line);
	if (len == -2)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a line longer than "
				     "1 MiB", path, lineno + 1);
	if (ferror(f))
		return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read '%s'", path);
	return 0;
}

static uint64_t clamp_off(long long v, uint64_t size)
{
	/* (0 - v in unsigned: -LLONG_MIN is no long long) */
	if (v < 0)
		return 0 - (uint64_t)v > size ? 0 : size - (0 - (uint64_t)v);
	return (uint64_t)v > size ? size : (uint64_t)v;
}

int apply_rules(const struct hash_opts *o, const uint8_t *buf, uint64_t size,
		       const char *name, struct hash_out *out, struct sr_error **err)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	uint64_t end = size;

	/* Offsets from the end are from the signed content's: the regions
	 * found already that run to the file's end (a module's signature
	 * and its trailer, a PE's certificate table) are not counted, so that a signed and an
	 * unsigned copy mask the same bytes. */
	for (size_t i = 0; i < out->n; i++)
		if (out->r[i].len && out->r[i].off + out->r[i].len == end) {
			end = out->r[i].off;
			i = (size_t)-1;	/* (the one before it may end there) */
		}
	for (size_t i = 0; i < o->nrules; i++) {
		const struct rule *r = &o->rules[i];
		struct region reg = { REGION_USER, 0, 0 };

		if (fnmatch(r->glob, name, 0) && fnmatch(r->glob, base, 0))
			continue;
		if (r->section) {
			int k = elf_section(buf, size, name, r->section, &reg, err);

			if (k < 0)
				return -1;
			if (k == 0)
				continue;
		} else {
			uint64_t a = clamp_off(r->start, end);
			uint64_t b = r->end ? clamp_off(r->end, end) : end;

			if (b <= a)
				continue;
			reg.off = a;
			reg.len = b - a;
		}
		if (out->n == MAX_REGIONS)
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
					     "%s: more than %d masked regions", name,
					     MAX_REGIONS);
		out->r[out->n++] = reg;
	}
	return 0;
}

int hash_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files below dir (relative paths); what cannot be read goes to errors
 * as "REL\tmessage", so a tree is never silently short of a file. */
void list_tree(const char *dir, const char *rel, struct strv *out,
		      struct strv *errors)
{
	cleanup_free char *path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d) {
		strv_push(errors, xasprintf("%s\t%s", *rel ? rel : ".", strerror(errno)));
		return;
	}
	while ((errno = 0, de = readdir(d))) {
		char *child;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			strv_push(errors, xasprintf("%s\t%s", child, strerror(errno)));
			free(child);
		} else if (S_ISDIR(st.st_mode)) {
			list_tree(dir, child, out, errors);
			free(child);
		} else if (S_ISREG(st.st_mode)) {
			strv_push(out, child);
		} else {
			free(child);
		}
	}
	if (errno)
		strv_push(errors, xasprintf("%s\t%s", *rel ? rel : ".", strerror(errno)));
	closedir(d);
}
