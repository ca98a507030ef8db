// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "lib/sbuf.h"
#include "lib/util.h"
#include "tracer/spool.h"

struct rec {
	uint32_t kind;
	int32_t pid, tid, other, result;
	uint32_t flags, mode;
	int64_t aux;
	uint8_t dlen;
	uint8_t digest[DIGEST_MAX];
	uint8_t post_has, post_dlen;
	uint32_t post_mode;
	int64_t post_size;
	uint8_t post_digest[DIGEST_MAX];
};

#define NO_STRING UINT32_MAX
#define SPOOL_BUFFER (1u << 20)

int spool_create(struct spool *s, const char *path, struct sr_error **err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot create the spool '%s'", path);
	/* Nobody needs the name: it goes away with the last descriptor. */
	unlink(path);
	s->f = fdopen(fd, "w+");
	if (!s->f) {
		close(fd);
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot open the spool");
	}
	/* glibc sizes a buffer it allocates itself by st_blksize */
	s->fbuf = xmalloc(SPOOL_BUFFER);
	setvbuf(s->f, s->fbuf, _IOFBF, SPOOL_BUFFER);
	s->count = 0;
	return 0;
}

static void put_str(struct sbuf *b, const char *str)
{
	uint32_t n = str ? (uint32_t)strlen(str) : NO_STRING;

	sbuf_add(b, &n, sizeof(n));
	if (str)
		sbuf_add(b, str, n);
}

static void put_strv(struct sbuf *b, char **v)
{
	uint32_t n = 0;

	for (char **p = v; p && *p; p++)
		n++;
	sbuf_add(b, &n, sizeof(n));
	for (uint32_t i = 0; i < n; i++)
		put_str(b, v[i]);
}

void spool_encode(struct sbuf *b, const struct event *ev)
{
	struct rec r;

	memset(&r, 0, sizeof(r));	/* padding too: the spool is read back */
	r.kind = ev->kind;
	r.pid = ev->pid;
	r.tid = ev->tid;
	r.other = ev->other;
	r.result = ev->result;
	r.flags = ev->flags;
	r.mode = ev->mode;
	r.aux = ev->aux;
	r.dlen = ev->digest.len;
	memcpy(r.digest, ev->digest.bytes, sizeof(r.digest));
	r.post_has = ev->post.has;
	r.post_mode = ev->post.mode;
	r.post_size = ev->post.size;
	r.post_dlen = ev->post.digest.len;
	memcpy(r.post_digest, ev->post.digest.bytes, sizeof(r.post_digest));
	sbuf_add(b, &r, sizeof(r));
	put_str(b, ev->post.target);
	put_str(b, ev->name);
	put_str(b, ev->path);
	put_str(b, ev->path2);
	put_strv(b, ev->argv);
	put_strv(b, ev->envp);
}

int spool_append(struct spool *s, const struct event *ev)
{
	s->enc.len = 0;
	spool_encode(&s->enc, ev);
	fwrite(s->enc.p, 1, s->enc.len, s->f);
	s->count++;
	return ferror(s->f) ? -1 : 0;
}

int spool_rewind(struct spool *s, struct sr_error **err)
{
	if (fflush(s->f) != 0 || ferror(s->f))
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot write the spool");
	rewind(s->f);
	return 0;
}

/* A record parsed from memory; -1 if it does not fit in len. */
struct cursor {
	const char *p, *end;
};

static bool take(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

/* ret NULL: skip the string. */
static int cur_str(struct cursor *c, char **ret)
{
	uint32_t n;

	if (ret)
		*ret = NULL;
	if (!take(c, &n, sizeof(n)))
		return -1;
	if (n == NO_STRING)
		return 0;
	if (n > (1u << 26))
		return -2;
	if ((size_t)(c->end - c->p) < n)
		return -1;
	if (!ret) {
		c->p += n;
		return 0;
	}
	*ret = xmalloc(n + 1);
	memcpy(*ret, c->p, n);
	(*ret)[n] = '\0';
	c->p += n;
	return 0;
}

static int cur_strv(struct cursor *c, char ***ret)
{
	uint32_t n;
	int r;

	if (ret)
		*ret = NULL;
	if (!take(c, &n, sizeof(n)))
		return -1;
	if (n > (1u << 20))
		return -2;
	if (!n)
		return 0;
	if (!ret) {
		for (uint32_t i = 0; i < n; i++)
			if ((r = cur_str(c, NULL)) < 0)
				return r;
		return 0;
	}
	*ret = xcalloc(n + 1, sizeof(**ret));
	for (uint32_t i = 0; i < n; i++)
		if ((r = cur_str(c, &(*ret)[i])) < 0 || !(*ret)[i])
			return r < 0 ? r : -2;
	return 0;
}

/* 0: parsed (c->p after it), -1: runs past the end, -2: corrupt.
 * light: only the fixed part, and the path of an open or mkdir (a
 * state record is read whole). */
static int parse_event(struct cursor *c, struct event *ev, bool light)
{
	struct rec r;
	bool path;
	int k;

	memset(ev, 0, sizeof(*ev));
	if (!take(c, &r, sizeof(r)))
		return -1;
	if (r.kind >= EV_KIND_MAX || r.dlen > DIGEST_MAX || r.post_dlen > DIGEST_MAX)
		return -2;
	ev->post.has = r.post_has;
	ev->post.mode = r.post_mode;
	ev->post.size = r.post_size;
	ev->post.digest.len = r.post_dlen;
	memcpy(ev->post.digest.bytes, r.post_digest, sizeof(r.post_digest));
	ev->kind = (enum ev_kind)r.kind;
	ev->pid = r.pid;
	ev->tid = r.tid;
	ev->other = r.other;
	ev->result = r.result;
	ev->flags = r.flags;
	ev->mode = r.mode;
	ev->aux = r.aux;
	ev->digest.len = r.dlen;
	memcpy(ev->digest.bytes, r.digest, sizeof(r.digest));
	if (ev->kind == EV_BEFORE || ev->kind == EV_AFTER)
		light = false;	/* states are kept whole */
	path = !light || ev->kind == EV_OPEN || ev->kind == EV_MKDIR;

	if ((k = cur_str(c, light ? NULL : &ev->post.target)) < 0 ||
	    (k = cur_str(c, light ? NULL : &ev->name)) < 0 ||
	    (k = cur_str(c, path ? &ev->path : NULL)) < 0 ||
	    (k = cur_str(c, light ? NULL : &ev->path2)) < 0 ||
	    (k = cur_strv(c, light ? NULL : &ev->argv)) < 0 ||
	    (k = cur_strv(c, light ? NULL : &ev->envp)) < 0) {
		event_clear(ev);
		return k;
	}
	return 0;
}

/*
 * Reads without a seek per event: a window read with pread, moved (and
 * grown for a record larger than it) as needed.  Pass 1 reads the spool
 * in order, in large windows; the canonicalizer then reads one process's
 * events, scattered among everyone's, so those windows are small: a
 * read copies little beyond the event it is for.
 */
#define SEQ_WINDOW (1u << 20)
#define RANDOM_WINDOW (1u << 13)

static int64_t read_at(struct spool *s, uint64_t off, struct event *ev, bool light)
{
	size_t want = light ? SEQ_WINDOW : RANDOM_WINDOW;

	for (;;) {
		if (s->win && off >= s->win_off && off < s->win_off + s->win_len) {
			struct cursor c = { s->win + (off - s->win_off), s->win + s->win_len };
			int k = parse_event(&c, ev, light);

			if (k == 0)
				return c.p - (s->win + (off - s->win_off));
			if (k == -2 || s->win_len < s->win_want)
				return -1;	/* corrupt, or cut short by the end */
			if (off == s->win_off) {
				if (s->win_want >= (1u << 30))
					return -1;
				want = s->win_want * 2;	/* larger than the window */
			}
		}
		if (want > s->win_cap) {
			s->win_cap = want;
			s->win = xrealloc(s->win, s->win_cap);
			prefault(s->win, s->win_cap);
		}
		ssize_t n = pread(fileno(s->f), s->win, want, (off_t)off);

		if (n <= 0)
			return -1;
		s->win_off = off;
		s->win_len = (size_t)n;
		s->win_want = want;
	}
}

int64_t spool_parse(const void *buf, size_t len, struct event *ev)
{
	struct cursor c = { buf, (const char *)buf + len };

	return parse_event(&c, ev, false) == 0 ? c.p - (const char *)buf : -1;
}

const void *spool_bytes_at(const struct spool *s, uint64_t off, size_t len)
{
	if (!s->win || off < s->win_off || off - s->win_off > s->win_len ||
	    len > s->win_len - (off - s->win_off))
		return NULL;
	return s->win + (off - s->win_off);
}

int64_t spool_read_at(struct spool *s, uint64_t off, struct event *ev)
{
	return read_at(s, off, ev, false);
}

int64_t spool_peek_at(struct spool *s, uint64_t off, struct event *ev)
{
	return read_at(s, off, ev, true);
}

int spool_pwrite(struct spool *s, uint64_t off, const void *buf, size_t len)
{
	return pwrite(fileno(s->f), buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

int spool_pread(struct spool *s, uint64_t off, void *buf, size_t len)
{
	return pread(fileno(s->f), buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

void spool_discard(struct spool *s, uint64_t off, uint64_t len)
{
	if (len)
		(void)fallocate(fileno(s->f), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)off, (off_t)len);
}

void spool_close(struct spool *s)
{
	if (s->f)
		fclose(s->f);
	s->f = NULL;
	free(s->fbuf);
	s->fbuf = NULL;
	free(s->win);
	s->win = NULL;
	sbuf_free(&s->enc);
	s->win_off = 0;
	s->win_len = s->win_cap = s->win_want = 0;
}
