// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/exitcode.h"
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
	setvbuf(s->f, NULL, _IOFBF, 1 << 20);
	s->count = 0;
	return 0;
}

static void put_str(FILE *f, const char *str)
{
	uint32_t n = str ? (uint32_t)strlen(str) : NO_STRING;

	fwrite(&n, sizeof(n), 1, f);
	if (str)
		fwrite(str, 1, n, f);
}

static void put_strv(FILE *f, char **v)
{
	uint32_t n = 0;

	for (char **p = v; p && *p; p++)
		n++;
	fwrite(&n, sizeof(n), 1, f);
	for (uint32_t i = 0; i < n; i++)
		put_str(f, v[i]);
}

int spool_append(struct spool *s, const struct event *ev)
{
	struct rec r = {
		.kind = ev->kind, .pid = ev->pid, .tid = ev->tid, .other = ev->other,
		.result = ev->result, .flags = ev->flags, .mode = ev->mode,
		.aux = ev->aux, .dlen = ev->digest.len,
	};

	memcpy(r.digest, ev->digest.bytes, sizeof(r.digest));
	r.post_has = ev->post.has;
	r.post_mode = ev->post.mode;
	r.post_size = ev->post.size;
	r.post_dlen = ev->post.digest.len;
	memcpy(r.post_digest, ev->post.digest.bytes, sizeof(r.post_digest));
	fwrite(&r, sizeof(r), 1, s->f);
	put_str(s->f, ev->post.target);
	put_str(s->f, ev->name);
	put_str(s->f, ev->path);
	put_str(s->f, ev->path2);
	put_strv(s->f, ev->argv);
	put_strv(s->f, ev->envp);
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

static int get_str(FILE *f, char **ret)
{
	uint32_t n;
	char *str;

	if (fread(&n, sizeof(n), 1, f) != 1)
		return -1;
	if (n == NO_STRING) {
		*ret = NULL;
		return 0;
	}
	if (n > (1u << 26))
		return -1;
	str = xmalloc(n + 1);
	if (fread(str, 1, n, f) != n) {
		free(str);
		return -1;
	}
	str[n] = '\0';
	*ret = str;
	return 0;
}

static int get_strv(FILE *f, char ***ret)
{
	uint32_t n;
	char **v;

	if (fread(&n, sizeof(n), 1, f) != 1 || n > (1u << 20))
		return -1;
	if (n == 0) {
		*ret = NULL;
		return 0;
	}
	v = xcalloc(n + 1, sizeof(*v));
	*ret = v;
	for (uint32_t i = 0; i < n; i++)
		if (get_str(f, &v[i]) < 0 || !v[i])
			return -1;
	return 0;
}

static int read_event(FILE *f, struct event *ev)
{
	struct rec r;
	size_t n = fread(&r, sizeof(r), 1, f);

	memset(ev, 0, sizeof(*ev));
	if (n != 1)
		return feof(f) && !ferror(f) ? 0 : -1;
	if (r.kind >= EV_KIND_MAX || r.dlen > DIGEST_MAX || r.post_dlen > DIGEST_MAX)
		return -1;
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
	if (get_str(f, &ev->post.target) < 0 || get_str(f, &ev->name) < 0 ||
	    get_str(f, &ev->path) < 0 || get_str(f, &ev->path2) < 0 ||
	    get_strv(f, &ev->argv) < 0 || get_strv(f, &ev->envp) < 0) {
		event_clear(ev);
		return -1;
	}
	return 1;
}

int spool_next(struct spool *s, struct event *ev)
{
	return read_event(s->f, ev);
}

uint64_t spool_tell(struct spool *s)
{
	off_t off = ftello(s->f);

	return off < 0 ? 0 : (uint64_t)off;
}

int spool_read_at(struct spool *s, uint64_t off, struct event *ev)
{
	if (!s->rf) {
		char path[64];

		/* its own offset and buffer; glibc seeks within the buffer of
		 * a read-only stream without reading again */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fileno(s->f));
		s->rf = fopen(path, "re");
		if (!s->rf)
			return -1;
		setvbuf(s->rf, NULL, _IOFBF, 1 << 16);
	}
	memset(ev, 0, sizeof(*ev));
	if (fseeko(s->rf, (off_t)off, SEEK_SET) < 0)
		return -1;
	return read_event(s->rf, ev) == 1 ? 1 : -1;
}

int spool_pwrite(struct spool *s, uint64_t off, const void *buf, size_t len)
{
	return pwrite(fileno(s->f), buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

int spool_pread(struct spool *s, uint64_t off, void *buf, size_t len)
{
	return pread(fileno(s->f), buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

void spool_close(struct spool *s)
{
	if (s->rf)
		fclose(s->rf);
	if (s->f)
		fclose(s->f);
	s->f = s->rf = NULL;
}
