// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/mtree.h"
#include "lib/strset.h"
#include "lib/util.h"

static const char *const type_names[] = {
	[FS_ABSENT] = "absent", [FS_FILE] = "file", [FS_DIR] = "dir",
	[FS_LINK] = "link", [FS_FIFO] = "fifo", [FS_CHAR] = "char",
	[FS_BLOCK] = "block", [FS_SOCKET] = "socket",
};

const char *fs_type_name(enum fs_type t)
{
	return type_names[t];
}

int fs_type_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
		if (!strcmp(type_names[i], name))
			return (int)i;
	return -1;
}

char *mtree_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
			o += sprintf(o, "\\%03o", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

char *mtree_unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

void fslist_push(struct fslist *l, struct fsentry *e)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *e;
	memset(e, 0, sizeof(*e));
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct fsentry *)a)->path,
		      ((const struct fsentry *)b)->path);
}

void fslist_sort(struct fslist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
}

void fsentry_free(struct fsentry *e)
{
	free(e->path);
	free(e->digest);
	free(e->target);
	memset(e, 0, sizeof(*e));
}

void fslist_free(struct fslist *l)
{
	for (size_t i = 0; i < l->n; i++)
		fsentry_free(&l->v[i]);
	free(l->v);
	free(l->algo);
	free(l->kind);
	memset(l, 0, sizeof(*l));
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool fsentry_same(const struct fsentry *a, const struct fsentry *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == FS_ABSENT)
		return true;
	if (a->type == FS_LINK)
		return str_eq(a->target, b->target);
	return a->perm == b->perm && a->size == b->size &&
	       str_eq(a->digest, b->digest);
}

void mtree_write_entry(FILE *f, const struct fsentry *e, const char *algo)
{
	fprintf(f, "%s type=%s", e->path, fs_type_name(e->type));
	if (e->type == FS_ABSENT) {
		fputc('\n', f);
		return;
	}
	if (e->type == FS_LINK) {
		fprintf(f, " link=%s\n", e->target ? e->target : "");
		return;
	}
	fprintf(f, " mode=%04o", e->perm);
	if (e->type == FS_FILE)
		fprintf(f, " size=%lld", e->size);
	if (e->digest)
		fprintf(f, " %sdigest=%s", algo, e->digest);
	fputc('\n', f);
}

bool mtree_hex_digest(const char *s, const char *algo)
{
	enum digest_algo a;
	size_t n = strspn(s, "0123456789abcdef");

	if (digest_algo_parse(algo, &a) < 0)
		return false;
	return !s[n] && n == (a == DIGEST_SHA256 ? 64 : 32);
}

/* Whether s is escaped as mtree_escape does it, in its one spelling:
 * bytes 0x21..0x7e but '\\' as themselves, any other (not NUL) as \\ooo. */
static bool escapes_ok(const char *s)
{
	for (; *s; s++) {
		unsigned v;

		if (*s != '\\') {
			if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
				return false;
			continue;
		}
		if (s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' ||
		    s[3] < '0' || s[3] > '7')
			return false;
		v = (unsigned)(s[1] - '0') << 6 | (unsigned)(s[2] - '0') << 3 |
		    (unsigned)(s[3] - '0');
		if (!v || (v > 0x20 && v < 0x7f && v != '\\'))
			return false;
		s += 3;
	}
	return true;
}

/* Whether a path is one sandrun writes: a root (".", "$SRC", ...), then
 * names, none empty, "." or "..", escaped as mtree does; host: or "/"
 * and names (a delta's paths outside its roots: the sandbox's own /run,
 * /var/tmp, /dev/shm, a --bind's). */
static bool path_ok(const char *p, bool host)
{
	const char *c = p;

	if (!escapes_ok(p))
		return false;
	if (host && p[0] == '/')
		c = p + 1;	/* (its first name is a name, not a root) */
	for (;;) {
		size_t n = strcspn(c, "/");

		if (!n || (c != p && ((n == 1 && c[0] == '.') ||
				      (n == 2 && c[0] == '.' && c[1] == '.'))))
			return false;
		if (c == p && n == 2 && c[0] == '.' && c[1] == '.')
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

/* Keys parse_kv knows, one bit each: none may come twice on a line. */
enum { K_TYPE = 1, K_MODE = 2, K_SIZE = 4, K_LINK = 8, K_DIGEST = 16 };

static int parse_kv(struct fsentry *e, char *kv, const char *algo, unsigned *seen)
{
	char *eq = strchr(kv, '=');
	char *end;
	unsigned k;

	if (!eq)
		return -1;
	*eq++ = '\0';
	k = !strcmp(kv, "type") ? K_TYPE : !strcmp(kv, "mode") ? K_MODE :
	    !strcmp(kv, "size") ? K_SIZE : !strcmp(kv, "link") ? K_LINK :
	    algo && str_has_prefix(kv, algo) && !strcmp(kv + strlen(algo), "digest") ?
	    K_DIGEST : 0;
	if (k & *seen)
		return -3;
	*seen |= k;
	if (!strcmp(kv, "type")) {
		int t = fs_type_parse(eq);

		if (t < 0)
			return -1;
		e->type = (enum fs_type)t;
	} else if (!strcmp(kv, "mode")) {
		size_t n = strspn(eq, "01234567");

		/* (four digits at most: no wrap past 07777) */
		if (!n || n > 4 || eq[n])
			return -1;
		e->perm = (unsigned)strtoul(eq, &end, 8);
	} else if (!strcmp(kv, "size")) {
		size_t n = strspn(eq, "0123456789");

		/* (decimal digits only, in their one spelling) */
		if (!n || eq[n] || (eq[0] == '0' && n > 1))
			return -1;
		errno = 0;
		e->size = strtoll(eq, &end, 10);
		if (errno == ERANGE)
			return -1;
	} else if (!strcmp(kv, "link")) {
		if (!*eq || !escapes_ok(eq))
			return -1;
		free(e->target);
		e->target = xstrdup(eq);
	} else if (algo && str_has_prefix(kv, algo) && !strcmp(kv + strlen(algo), "digest")) {
		if (!mtree_hex_digest(eq, algo))
			return -1;
		free(e->digest);
		e->digest = xstrdup(eq);
	} else if (algo && strlen(kv) >= 6 && !strcmp(kv + strlen(kv) - 6, "digest")) {
		return -1;	/* a digest of another algorithm than the header's */
	} else {
		return -2;	/* a key for someone else: ignored */
	}
	return 0;
}

/* A `#sandrun-KIND 1 digest=ALGO` header line: take its kind and digest;
 * false if its version is not 1. */
static bool read_header(struct fslist *ret, const char *line)
{
	const char *kind = line + strlen("#sandrun-");
	const char *d = strstr(line, " digest=");
	const char *v = kind + strcspn(kind, " ");

	if (strncmp(v, " 1", 2) || (v[2] && v[2] != ' '))
		return false;
	free(ret->kind);
	ret->kind = strndup(kind, strcspn(kind, " "));
	if (d) {
		free(ret->algo);
		ret->algo = strndup(d + 8, strcspn(d + 8, " "));
	}
	if (!ret->kind || (d && !ret->algo))
		die_oom();
	return true;
}

/* s for an error message: bytes outside 0x20..0x7e as \ooo (a line's
 * raw bytes, the terminal's escape sequences), the rest as it is. */
static char *shown(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			o += sprintf(o, "\\%03o", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

/* Whether entry e, of line lineno, may be in a list of this kind: a
 * manifest's paths are "." and below, and it has no absent ones; else
 * 0 with the error made. */
/* Whether a delta's path is under a root ($SRC, $TMP or $HOME: a trace's
 * roots) or the host's ("/..."), as fold writes them. */
static bool delta_root_ok(const char *path)
{
	static const char *const roots[] = { "$SRC", "$TMP", "$HOME" };

	if (path[0] == '/')
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		size_t n = strlen(roots[i]);

		if (!strncmp(path, roots[i], n) && (!path[n] || path[n] == '/'))
			return true;
	}
	return false;
}

bool mtree_rooted_path_ok(const char *p)
{
	return !strcmp(p, "/") || (path_ok(p, true) && delta_root_ok(p));
}

/* The keys each type has, as mtree_write_entry writes them: what must
 * be there, what may (a digest: none where it could not be taken). */
static const char *keys_missing(enum fs_type type, unsigned seen)
{
	switch (type) {
	case FS_FILE:
		return (seen & (K_MODE | K_SIZE)) != (K_MODE | K_SIZE) ? "needs mode= and size=" :
		       NULL;
	case FS_DIR:
		return !(seen & K_MODE) ? "needs mode=" :
		       (seen & (K_SIZE | K_DIGEST)) ? "has a size= or digest, as no directory does" :
		       NULL;
	case FS_LINK:
		return (seen & (K_MODE | K_SIZE | K_DIGEST)) ? "has a mode=, size= or digest, as "
		       "no link does" : NULL;
	case FS_ABSENT:
		return (seen & ~K_TYPE) ? "is absent, with keys of what is there" : NULL;
	case FS_FIFO:
	case FS_CHAR:
	case FS_BLOCK:
	case FS_SOCKET:
		return !(seen & K_MODE) ? "needs mode=" :
		       (seen & K_SIZE) ? "has a size=, as only a file does" : NULL;
	}
	return NULL;
}

static bool kind_ok(const struct fslist *l, const struct fsentry *e, unsigned seen,
		    const char *name, unsigned long lineno, struct sr_error **err)
{
	const char *why = NULL;
	char *p;

	if (!l->kind)
		return true;	/* (an mtree file of someone else's) */
	if (!strcmp(l->kind, "manifest")) {
		if (e->type == FS_ABSENT)
			why = "is type=absent in a manifest (only a delta has absent paths)";
		else if (strcmp(e->path, ".") && !str_has_prefix(e->path, "./"))
			why = "is not '.' or below it, as a manifest's are";
	} else if (!strcmp(l->kind, "delta") && !delta_root_ok(e->path)) {
		why = "is under no root ('$SRC', '$TMP', '$HOME') and not absolute, as a delta's "
		      "paths are";
	}
	if (!why)
		why = keys_missing(e->type, seen);
	if (!why)
		return true;
	p = shown(e->path);
	sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: '%s' %s", name, lineno, p, why);
	free(p);
	return false;
}

int mtree_read(FILE *f, const char *name, struct fslist *ret,
	       struct sr_error **err)
{
	struct strset seen = { 0 };
	unsigned seen_keys;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t n;
	int rc = 0;

	errno = 0;
	while (rc == 0 && (n = text_getline(&line, &cap, f)) >= 0) {
		struct fsentry e = { .type = FS_FILE };
		char *save = NULL, *tok;
		bool bad;

		lineno++;
		if (!n || line[n - 1] != '\n') {
			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
					   "%s:%lu: truncated line", name, lineno);
			break;
		}
		line[--n] = '\0';
		if (lineno == 1 && line[0] == '{') {
			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:1: not a manifest or a "
					   "delta (a JSON line: a trace? 'sandrun fold' makes "
					   "its delta)", name);
			break;
		}
		if (memchr(line, '\0', (size_t)n)) {
			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a NUL byte "
					   "(byte %zu of the line)", name, lineno,
					   (size_t)((char *)memchr(line, '\0', (size_t)n) - line) + 1);
			break;
		}
		if (line[0] == '#') {
			if (str_has_prefix(line, "#sandrun-") && (ret->kind || ret->n)) {
				rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a #sandrun- "
						   "header %s", name, lineno, ret->kind ?
						   "again" : "after the entries");
				break;
			}
			if (str_has_prefix(line, "#sandrun-") && !read_header(ret, line)) {
				rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: unsupported "
						   "format version (this sandrun reads version 1)",
						   name, lineno);
				break;
			}
			if (str_has_prefix(line, "#sandrun-") && ret->algo &&
			    digest_algo_parse(ret->algo, &(enum digest_algo){ 0 }) < 0) {
				char *a = shown(ret->algo);

				rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: unknown "
						   "digest '%s'", name, lineno, a);
				free(a);
				break;
			}
			continue;
		}
		if ((str_has_prefix(line, "/set") && (!line[4] || line[4] == ' ')) ||
		    (str_has_prefix(line, "/unset") && (!line[6] || line[6] == ' '))) {
			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
					   "%s:%lu: mtree '/set' lines are not supported",
					   name, lineno);
			break;
		}
		tok = strtok_r(line, " ", &save);
		if (!tok)
			continue;	/* blank */
		bad = !path_ok(tok, ret->kind && !strcmp(ret->kind, "delta"));
		if (bad || !strset_add(&seen, tok, strlen(tok))) {
			char *p = shown(tok);

			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, !bad ?
					   "%s:%lu: '%s' is listed twice" : "%s:%lu: bad path "
					   "'%s' (an empty, '.' or '..' name, a byte not escaped "
					   "or a \\ooo escape mtree would not write)", name, lineno, p);
			free(p);
			break;
		}
		e.path = xstrdup(tok);
		seen_keys = 0;
		while ((tok = strtok_r(NULL, " ", &save))) {
			bool kv = strchr(tok, '=');	/* (parse_kv cuts it at '=') */
			int k = parse_kv(&e, tok, ret->algo, &seen_keys);

			if (k == -1 || k == -3) {
				char *kw = shown(tok), *v = shown(kv ? tok + strlen(tok) + 1 : "");

				rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
						   "%s:%lu: %s '%s%s%s'", name, lineno,
						   k == -3 ? "keyword given twice:" : "bad keyword",
						   kw, kv ? "=" : "", v);
				free(kw);
				free(v);
				break;
			}
		}
		/* (e.path passed path_ok: nothing in it to show otherwise) */
		if (rc == 0 && !(seen_keys & K_TYPE))
			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: '%s' has no "
					   "type= keyword", name, lineno, e.path);
		if (rc == 0 && (e.type == FS_LINK) != !!(seen_keys & K_LINK))
			rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: '%s': link= "
					   "goes with type=link, and only with it", name,
					   lineno, e.path);
		if (rc == 0 && !kind_ok(ret, &e, seen_keys, name, lineno, err))
			rc = -1;
		if (rc == 0)
			fslist_push(ret, &e);
		else
			fsentry_free(&e);
	}
	if (rc == 0 && n == -2)
		rc = sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: a line longer than 1 MiB",
				   name, lineno + 1);
	if (rc == 0 && ferror(f))
		rc = sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read '%s'", name);
	free(line);
	strset_free(&seen);
	return rc;
}
