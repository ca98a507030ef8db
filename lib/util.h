/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_UTIL_H
#define SR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure is not recoverable in a command-line tool. */
__attribute__((noreturn)) void die_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/*
 * Map in the pages of [p, p + len) now, writable, in one call: for a
 * large buffer about to be filled.  On a paravirtualized VM a fresh
 * page faulted in on first touch costs 12-17 us; populated in one call
 * (0.6 us a page), its first touch still costs about 7 us.
 */
void prefault(void *p, size_t len);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
/* s for a one-line message or a terminal: its control characters as \n,
 * \t or \xHH, so that no string read from a file makes a line of its own
 * or moves the cursor (malloc'd). */
char *str_visible(const char *s);

/* A growable NULL-terminated vector of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *sv, char *owned);
void strv_free(struct strv *sv);

/* fflush(stdout), its first failure's errno kept for stdout_errno():
 * a later flush of an empty buffer succeeds and would leave main's
 * report of the write error without its reason. */
void flush_stdout(void);
int stdout_errno(void);

/* A temporary file with no name (O_TMPFILE), read-write, in $TMPDIR or
 * /tmp; -1 with errno. */
int tmpfile_unnamed(void);
/* Retry on EINTR and short writes/reads; -1 with errno on failure. */
ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);

/* (inline: with a literal prefix its length is known; the trace readers
 * test every line against several) */
static inline bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
/* True when path equals dir or lies below it (both absolute, normalized). */
bool path_is_under(const char *path, const char *dir);
/* mkdir -p (0755), errors ignored: what is made is looked at after. */
void mkdir_p(const char *path);

/* Lexically normalize an absolute path: collapse //, /./ and /../. */
char *path_normalize(const char *path);

struct sr_error;
/*
 * fopen(path, "re") for a text input, refusing a directory (which fopen
 * opens and getline reads as an error or nothing).  Failures are I/O
 * errors (125): "cannot open WHAT'PATH'" (what: "policy ", "lock ", "").
 */
FILE *input_open(const char *path, const char *what, struct sr_error **err);

/*
 * The longest line of a text input (a policy, manifest, delta, lock,
 * checksum list or rules file): far past any path, escaped four bytes a
 * byte, and short of a line that would take the reader's memory.
 */
#define TEXT_LINE_MAX ((size_t)1 << 20)
/* getline(3), but a line longer than TEXT_LINE_MAX is -2 (its first
 * TEXT_LINE_MAX bytes read): never mistaken for the end (-1). */
ssize_t text_getline(char **line, size_t *cap, FILE *f);

/* Parse a decimal into [min, max]; -1 on anything else. */
int parse_long(const char *s, long min, long max, long *ret);
/* The same with an optional K, M or G (powers of 1024) after it. */
int parse_size(const char *s, long min, long max, long *ret);

#endif
