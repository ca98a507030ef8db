// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "lib/sbuf.h"
#include "lib/util.h"
#include "tracer/spool.h"

/*
 * A record: the kind, two bytes saying which fields follow (the others
 * are 0 or NULL), then those fields: integers as LEB128 varints (signed
 * ones zigzagged), a digest as its length and bytes, a string as its
 * length and bytes, a list as its count and strings.  A typical open is
 * ~50 bytes, not the 180 of a fixed layout: the spool is written while
 * the build runs and read twice after.
 */
enum {
	F_TID = 1 << 0,		/* tid != pid */
	F_OTHER = 1 << 1,
	F_RESULT = 1 << 2,
	F_FLAGS = 1 << 3,
	F_MODE = 1 << 4,
	F_AUX = 1 << 5,
	F_DIGEST = 1 << 6,
	F_POST = 1 << 7,	/* post: has, mode, size, digest */
	F_TARGET = 1 << 8,	/* the strings */
	F_NAME = 1 << 9,
	F_PATH = 1 << 10,
	F_PATH2 = 1 << 11,
	F_ARGV = 1 << 12,
	F_ENVP = 1 << 13,
	F_LOADER = 1 << 14,
	F_ALL = (1 << 15) - 1,
};

/* The longest a record's fixed part can be: kind, fields, 9 varints of
 * at most 10 bytes, two digests with their lengths, post.has. */
#define FIXED_MAX (3 + 9 * 10 + 2 * (1 + DIGEST_MAX) + 1)
_Static_assert(EV_KIND_MAX <= 256, "a kind is one byte");

#define SPOOL_BUFFER (1u << 20)

int spool_create(struct spool *s, const char *path, struct sr_error **err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	const char *slash = strrchr(path, '/');

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
	s->dir = !slash ? xstrdup(".") : slash == path ? xstrdup("/") :
		 xasprintf("%.*s", (int)(slash - path), path);
	/* glibc sizes a buffer it allocates itself by st_blksize */
	s->fbuf = xmalloc(SPOOL_BUFFER);
	setvbuf(s->f, s->fbuf, _IOFBF, SPOOL_BUFFER);
	s->count = 0;
	return 0;
}

static uint8_t *put_varint(uint8_t *q, uint64_t v)
{
	while (v >= 0x80) {
		*q++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*q++ = (uint8_t)v;
	return q;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static uint8_t *put_digest(uint8_t *q, const struct digest *d)
{
	*q++ = d->len;
	memcpy(q, d->bytes, d->len);
	return q + d->len;
}

static void put_str(struct sbuf *b, const char *str)
{
	size_t n = strlen(str);
	uint8_t len[10];

	sbuf_add(b, len, (size_t)(put_varint(len, n) - len));
	sbuf_add(b, str, n);
}

static void put_strv(struct sbuf *b, char **v)
{
	uint8_t len[10];
	size_t n = 0;

	while (v[n])
		n++;
	sbuf_add(b, len, (size_t)(put_varint(len, n) - len));
	for (size_t i = 0; i < n; i++)
		put_str(b, v[i]);
}

void spool_encode(struct sbuf *b, const struct event *ev)
{
	const struct fstate *post = &ev->post;
	uint8_t fixed[FIXED_MAX], *q = fixed + 3;
	unsigned f = 0;

	_Static_assert(DIGEST_MAX < 0x80, "a digest's length is one byte");
	if (ev->tid != ev->pid)
		f |= F_TID;
	if (ev->other)
		f |= F_OTHER;
	if (ev->result)
		f |= F_RESULT;
	if (ev->flags)
		f |= F_FLAGS;
	if (ev->mode)
		f |= F_MODE;
	if (ev->aux)
		f |= F_AUX;
	if (ev->digest.len)
		f |= F_DIGEST;
	if (post->has || post->mode || post->size || post->digest.len)
		f |= F_POST;
	if (post->target)
		f |= F_TARGET;
	if (ev->name)
		f |= F_NAME;
	if (ev->path)
		f |= F_PATH;
	if (ev->path2)
		f |= F_PATH2;
	if (ev->argv && ev->argv[0])
		f |= F_ARGV;
	if (ev->envp && ev->envp[0])
		f |= F_ENVP;
	if (ev->loader)
		f |= F_LOADER;
	fixed[0] = (uint8_t)ev->kind;
	fixed[1] = (uint8_t)f;
	fixed[2] = (uint8_t)(f >> 8);
	q = put_varint(q, zigzag(ev->pid));
	if (f & F_TID)
		q = put_varint(q, zigzag(ev->tid));
	if (f & F_OTHER)
		q = put_varint(q, zigzag(ev->other));
	if (f & F_RESULT)
		q = put_varint(q, zigzag(ev->result));
	if (f & F_FLAGS)
		q = put_varint(q, ev->flags);
	if (f & F_MODE)
		q = put_varint(q, ev->mode);
	if (f & F_AUX)
		q = put_varint(q, zigzag(ev->aux));
	if (f & F_DIGEST)
		q = put_digest(q, &ev->digest);
	if (f & F_POST) {
		*q++ = post->has;
		q = put_varint(q, post->mode);
		q = put_varint(q, zigzag(post->size));
		q = put_digest(q, &post->digest);
	}
	sbuf_add(b, fixed, (size_t)(q - fixed));
	if (f & F_TARGET)
		put_str(b, post->target);
	if (f & F_NAME)
		put_str(b, ev->name);
	if (f & F_PATH)
		put_str(b, ev->path);
	if (f & F_PATH2)
		put_str(b, ev->path2);
	if (f & F_ARGV)
		put_strv(b, ev->argv);
	if (f & F_ENVP)
		put_strv(b, ev->envp);
	if (f & F_LOADER)
		put_str(b, ev->loader);
}

int spool_append(struct spool *s, const struct event *ev)
{
	s->enc.len = 0;
	spool_encode(&s->enc, ev);
	if (fwrite(s->enc.p, 1, s->enc.len, s->f) != s->enc.len && !s->werrno)
		s->werrno = errno ? errno : EIO;
	s->count++;
	return ferror(s->f) ? -1 : 0;
}

int spool_rewind(struct spool *s, struct sr_error **err)
{
	/* (the errno of the write that failed first: a later flush's may
	 * be another call's, or none) */
	if (fflush(s->f) != 0 && !s->werrno)
		s->werrno = errno ? errno : EIO;
	if (s->werrno || ferror(s->f))
		return sr_error_make(err, SR_EXIT_FAILURE, s->werrno ? s->werrno : EIO,
				     "cannot write the trace spool in '%s'", s->dir);
	rewind(s->f);
	return 0;
}

/* A record parsed from memory; -1 if it does not fit in len. */
struct cursor {
	const uint8_t *p, *end;
	struct strpool *pool;	/* the strings' (NULL: malloc) */
};

#define POOL_BLOCK (64u << 10)

struct strpool_block {
	struct strpool_block *next;
	size_t size;
	char data[];
};

static void *pool_alloc(struct strpool *pool, size_t n)
{
	struct strpool_block *b = pool->blocks;

	n = (n + 7) & ~(size_t)7;
	if (!b || pool->left < n) {
		size_t size = n > POOL_BLOCK ? n : POOL_BLOCK;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->next = pool->blocks;
		pool->blocks = b;
		pool->left = size;
	}
	pool->left -= n;
	return b->data + (b->size - pool->left - n);
}

void strpool_reset(struct strpool *pool)
{
	struct strpool_block *b = pool->blocks;

	if (!b)
		return;
	while (b->next) {
		struct strpool_block *old = b->next;

		b->next = old->next;
		free(old);
	}
	/* (a block made for one large string goes too) */
	if (b->size > POOL_BLOCK) {
		free(b);
		pool->blocks = NULL;
		pool->left = 0;
		return;
	}
	pool->left = b->size;
}

void strpool_free(struct strpool *pool)
{
	strpool_reset(pool);
	free(pool->blocks);
	pool->blocks = NULL;
	pool->left = 0;
}

static void *cur_alloc(struct cursor *c, size_t n)
{
	return c->pool ? pool_alloc(c->pool, n) : xmalloc(n);
}

/* 0, -1: runs past the end, -2: longer than 64 bits. */
static int cur_varint(struct cursor *c, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (c->p == c->end)
			return -1;
		byte = *c->p++;
		if (shift == 63 && byte > 1)
			return -2;	/* bits past the 64th */
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -2;
}

static int cur_signed(struct cursor *c, int64_t *ret)
{
	uint64_t v = 0;
	int k = cur_varint(c, &v);

	*ret = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return k;
}

/* An int32 field: -2 if the value does not fit. */
static int cur_i32(struct cursor *c, int32_t *ret)
{
	int64_t v = 0;
	int k = cur_signed(c, &v);

	if (k == 0 && (v < INT32_MIN || v > INT32_MAX))
		return -2;
	*ret = (int32_t)v;
	return k;
}

static int cur_u32(struct cursor *c, uint32_t *ret)
{
	uint64_t v = 0;
	int k = cur_varint(c, &v);

	if (k == 0 && v > UINT32_MAX)
		return -2;
	*ret = (uint32_t)v;
	return k;
}

static int cur_digest(struct cursor *c, struct digest *d)
{
	if (c->p == c->end)
		return -1;
	if (*c->p > DIGEST_MAX)
		return -2;
	d->len = *c->p++;
	if ((size_t)(c->end - c->p) < d->len)
		return -1;
	memcpy(d->bytes, c->p, d->len);
	c->p += d->len;
	return 0;
}

/* ret NULL: skip the string. */
static int cur_str(struct cursor *c, char **ret)
{
	uint64_t n;
	int k = cur_varint(c, &n);

	if (k < 0)
		return k;
	if (n > (1u << 26))
		return -2;
	if ((uint64_t)(c->end - c->p) < n)
		return -1;
	if (ret) {
		*ret = cur_alloc(c, n + 1);
		memcpy(*ret, c->p, n);
		(*ret)[n] = '\0';
	}
	c->p += n;
	return 0;
}

static int cur_strv(struct cursor *c, char ***ret)
{
	uint64_t n;
	int k = cur_varint(c, &n);

	if (k < 0)
		return k;
	if (n == 0 || n > (1u << 20))
		return -2;
	if (n > (uint64_t)(c->end - c->p))
		return -1;	/* (each string takes a byte at least) */
	if (!ret) {
		for (uint64_t i = 0; i < n; i++)
			if ((k = cur_str(c, NULL)) < 0)
				return k;
		return 0;
	}
	*ret = memset(cur_alloc(c, (n + 1) * sizeof(**ret)), 0, (n + 1) * sizeof(**ret));
	for (uint64_t i = 0; i < n; i++)
		if ((k = cur_str(c, &(*ret)[i])) < 0)
			return k;
	return 0;
}

/* A field present in f: parsed by expr (k its result); else left 0. */
#define FIELD(bit, expr) \
	do { if ((f & (bit)) && (k = (expr)) < 0) goto fail; } while (0)

/* 0: parsed (c->p after it), -1: runs past the end, -2: corrupt.
 * light: only the fixed part, and the path of an open or mkdir (a
 * state record is read whole). */
static int parse_event(struct cursor *c, struct event *ev, bool light)
{
	bool path;
	unsigned f;
	int64_t aux = 0, size = 0;
	int k = 0;

	memset(ev, 0, sizeof(*ev));
	if (c->end - c->p < 3)
		return -1;
	if (c->p[0] >= EV_KIND_MAX || (c->p[2] << 8 & ~F_ALL))
		return -2;
	ev->kind = (enum ev_kind)c->p[0];
	if (light && (ev->kind == EV_BEFORE || ev->kind == EV_AFTER))
		c->pool = NULL;	/* states are kept whole, and kept */
	ev->pooled = c->pool != NULL;
	f = c->p[1] | (unsigned)c->p[2] << 8;
	c->p += 3;
	if ((k = cur_i32(c, &ev->pid)) < 0)
		goto fail;
	ev->tid = ev->pid;
	FIELD(F_TID, cur_i32(c, &ev->tid));
	FIELD(F_OTHER, cur_i32(c, &ev->other));
	FIELD(F_RESULT, cur_i32(c, &ev->result));
	FIELD(F_FLAGS, cur_u32(c, &ev->flags));
	FIELD(F_MODE, cur_u32(c, &ev->mode));
	FIELD(F_AUX, cur_signed(c, &aux));
	if (f & F_AUX)
		ev->aux = aux;
	FIELD(F_DIGEST, cur_digest(c, &ev->digest));
	if (f & F_POST) {
		if (c->p == c->end)
			return -1;
		ev->post.has = *c->p++ != 0;
		if ((k = cur_u32(c, &ev->post.mode)) < 0 || (k = cur_signed(c, &size)) < 0 ||
		    (k = cur_digest(c, &ev->post.digest)) < 0)
			goto fail;
		ev->post.size = size;
	}
	if (ev->kind == EV_BEFORE || ev->kind == EV_AFTER)
		light = false;	/* states are kept whole */
	path = !light || ev->kind == EV_OPEN || ev->kind == EV_MKDIR;
	FIELD(F_TARGET, cur_str(c, light ? NULL : &ev->post.target));
	FIELD(F_NAME, cur_str(c, light ? NULL : &ev->name));
	FIELD(F_PATH, cur_str(c, path ? &ev->path : NULL));
	FIELD(F_PATH2, cur_str(c, light ? NULL : &ev->path2));
	FIELD(F_ARGV, cur_strv(c, light ? NULL : &ev->argv));
	FIELD(F_ENVP, cur_strv(c, light ? NULL : &ev->envp));
	FIELD(F_LOADER, cur_str(c, light ? NULL : &ev->loader));
	return 0;
fail:
	event_clear(ev);
	return k;
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
			const uint8_t *at = (const uint8_t *)s->win + (off - s->win_off);
			struct cursor c = { at, (const uint8_t *)s->win + s->win_len,
					    light ? &s->peek_pool : NULL };
			int k;

			if (light)
				strpool_reset(&s->peek_pool);
			k = parse_event(&c, ev, light);

			if (k == 0)
				return c.p - at;
			if (k == -2 || s->win_len < s->win_want)
				return -1;	/* corrupt, or cut short by the end */
			if (off == s->win_off) {
				if (s->win_want >= (1u << 30))
					return -1;
				want = s->win_want * 2;	/* larger than the window */
			}
		}
		if (want > s->win_cap) {
			struct stat st;
			size_t need = want;

			s->win_cap = want;
			free(s->win);	/* (what it held is read again) */
			s->win = xmalloc(s->win_cap);
			/* its pages mapped in at once (not a fault each in the
			 * read's copy), as far as the file has bytes for: a run
			 * of one process reads a few KiB, not the 1 MiB window */
			if (fstat(fileno(s->f), &st) == 0) {
				uint64_t size = (uint64_t)st.st_size;
				uint64_t left = size > off ? size - off : 0;

				if (left < need)
					need = (size_t)left;
			}
			prefault(s->win, need);
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
	struct cursor c = { buf, (const uint8_t *)buf + len, NULL };

	return parse_event(&c, ev, false) == 0 ? c.p - (const uint8_t *)buf : -1;
}

int64_t spool_parse_pooled(const void *buf, size_t len, struct event *ev,
			   struct strpool *pool)
{
	struct cursor c = { buf, (const uint8_t *)buf + len, pool };
	return parse_event(&c, ev, false) == 0 ? c.p - (const uint8_t *)buf : -1;
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

/* All len bytes at off, read or written: a short write is written on,
 * so that a full disk fails with its errno (ENOSPC) at the next try, not
 * with a short count and a stale errno; a short read (the spool ends
 * early) is EIO. */
static int spool_io(struct spool *s, uint64_t off, char *p, size_t len, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fileno(s->f), p, len, (off_t)off) :
				    pread(fileno(s->f), p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = write ? ENOSPC : EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int spool_pwrite(struct spool *s, uint64_t off, const void *buf, size_t len)
{
	return spool_io(s, off, (char *)(uintptr_t)buf, len, true);	/* (only read) */
}

int spool_pread(struct spool *s, uint64_t off, void *buf, size_t len)
{
	return spool_io(s, off, buf, len, false);
}

/* Less than this is not worth a hole: punching one costs ~0.4 ms, and
 * the file goes away when the trace is written. */
#define DISCARD_MIN (16u << 20)

void spool_discard(struct spool *s, uint64_t off, uint64_t len)
{
	if (len >= DISCARD_MIN)
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
	free(s->dir);
	s->dir = NULL;
	free(s->win);
	s->win = NULL;
	sbuf_free(&s->enc);
	strpool_free(&s->peek_pool);
	s->win_off = 0;
	s->win_len = s->win_cap = s->win_want = 0;
}
