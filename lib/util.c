// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/exitcode.h"
#include "lib/util.h"

void die_oom(void)
{
	static const char msg[] = "sandrun: out of memory\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(125);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_oom();
	return p;
}

void prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;

	lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	hi = ((uintptr_t)p + len) & ~(page - 1);
	/* (before 5.14: EINVAL, and the pages fault in one by one) */
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die_oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die_oom();
	va_end(ap);
	return s;
}

void strv_push(struct strv *sv, char *owned)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = owned;
	sv->v[sv->n] = NULL;
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static int stdout_failed;

void flush_stdout(void)
{
	if (fflush(stdout) != 0 && !stdout_failed)
		stdout_failed = errno;
}

int stdout_errno(void)
{
	flush_stdout();
	return stdout_failed;
}

int tmpfile_unnamed(void)
{
	const char *env = getenv("TMPDIR"), *dir = env && env[0] == '/' ? env : "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char *name;

	/* (a filesystem without O_TMPFILE: a name, unlinked at once) */
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	name = xasprintf("%s/sandrun.XXXXXX", dir);
	fd = mkostemp(name, O_CLOEXEC);
	if (fd >= 0)
		unlink(name);
	free(name);
	return fd;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

bool path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void mkdir_p(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
	free(p);
}

char *path_normalize(const char *path)
{
	size_t len = strlen(path);
	char *out = xmalloc(len + 2);
	size_t o = 0;
	const char *p = path;

	out[o++] = '/';
	while (*p) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			continue;
		}
		if (o > 1 && out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, seg, n);
		o += n;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return out;
}

int parse_size(const char *s, long min, long max, long *ret)
{
	char *end;
	long v, unit = 1;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	switch (*end) {
	case 'K': case 'k': unit = 1L << 10; end++; break;
	case 'M': case 'm': unit = 1L << 20; end++; break;
	case 'G': case 'g': unit = 1L << 30; end++; break;
	default: break;
	}
	if (errno || *end || v > max / unit || v * unit < min || v * unit > max)
		return -1;
	*ret = v * unit;
	return 0;
}

int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

FILE *input_open(const char *path, const char *what, struct sr_error **err)
{
	FILE *f = fopen(path, "re");
	struct stat st;

	if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f)
		sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot open %s'%s'", what, path);
	return f;
}

ssize_t text_getline(char **line, size_t *cap, FILE *f)
{
	size_t len = 0;
	int c = EOF;

	flockfile(f);
	while (len < TEXT_LINE_MAX && (c = getc_unlocked(f)) != EOF) {
		if (len + 2 > *cap) {
			*cap = *cap ? 2 * *cap : 128;
			*line = xrealloc(*line, *cap);
		}
		(*line)[len++] = (char)c;
		if (c == '\n')
			break;
	}
	funlockfile(f);
	if (c == EOF && (ferror(f) || !len))
		return -1;
	(*line)[len] = '\0';
	return c != '\n' && len == TEXT_LINE_MAX ? -2 : (ssize_t)len;
}

char *str_visible(const char *s)
{
	char *out = xmalloc(4 * strlen(s) + 1), *o = out;

	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		if (*u == '\n')
			o += sprintf(o, "\\n");
		else if (*u == '\t')
			o += sprintf(o, "\\t");
		else if (*u < 0x20 || *u == 0x7f)
			o += sprintf(o, "\\x%02x", *u);
		else
			*o++ = (char)*u;
	}
	*o = '\0';
	return out;
}
