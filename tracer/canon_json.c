// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The canonicalizer's JSON: an event, a path's state, an argv or
 * environment (kept once put: put_strv's memo), as the trace writes them
 * (docs/trace-format.md) and as their sort keys are (for_key: temp names
 * unnumbered).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib/digest.h"
#include "lib/json.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tracer/canon_priv.h"

void canon_put_str(struct canon *c, struct sbuf *b, const char *s, bool for_key)
{
	json_put_bytes(b, canon_str(c, s, for_key));
}

static const char *errname(int res)
{
	const char *n = res < 0 ? strerrorname_np(-res) : NULL;

	return n ? n : "ok";
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "chardev";
	case S_IFBLK: return "blockdev";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return NULL;
	}
}

static void open_mode(struct sbuf *b, uint32_t flags)
{
	int acc = (int)(flags & O_ACCMODE);

	sbuf_puts(b, flags & O_PATH ? "path" : acc == O_RDONLY ? "r" : acc == O_WRONLY ? "w" : "rw");
	if (flags & O_CREAT)
		sbuf_puts(b, ",create");
	if (flags & O_EXCL)
		sbuf_puts(b, ",excl");
	if (flags & O_TRUNC)
		sbuf_puts(b, ",trunc");
	if (flags & O_APPEND)
		sbuf_puts(b, ",append");
	if ((flags & O_TMPFILE) == O_TMPFILE)
		sbuf_puts(b, ",tmpfile");
	else if (flags & O_DIRECTORY)
		sbuf_puts(b, ",dir");
	if (flags & EVF_CREATED)
		sbuf_puts(b, ",new");
}

/* ,"key":"value" for a value that needs no escaping. */
static void put_member(struct sbuf *b, const char *key, const char *value)
{
	sbuf_add(b, ",\"", 2);
	sbuf_puts(b, key);
	sbuf_add(b, "\":\"", 3);
	sbuf_puts(b, value);
	sbuf_putc(b, '"');
}

/* ,"perm":"0644" */
static void put_perm(struct sbuf *b, uint32_t mode)
{
	sbuf_puts(b, ",\"perm\":\"");
	sbuf_puto(b, mode & 07777, 4);
	sbuf_putc(b, '"');
}

static void put_digest(struct sbuf *b, const char *name, const struct digest *d)
{
	char hex[2 * DIGEST_MAX + 1];

	digest_hex(d, hex);
	put_member(b, name, hex);
}

#define MEMO_SLOTS 1024		/* a power of 2 */
#define MEMO_TEXT_MAX (1u << 20)

/* v's JSON array from the memo, appended to b; false if it is not there
 * (the strings are then in memo.raw, hashed into *hash). */
static bool memo_get(struct strv_memo *m, struct sbuf *b, char **v, bool for_key,
		     uint64_t *hash)
{
	m->raw.len = 0;
	for (size_t i = 0; v && v[i]; i++)
		sbuf_add(&m->raw, v[i], strlen(v[i]) + 1);
	if (!m->raw.len)
		return false;
	*hash = hash64(m->raw.p, m->raw.len);
	if (!m->tab)
		return false;
	for (size_t i = *hash & (MEMO_SLOTS - 1);; i = (i + 1) & (MEMO_SLOTS - 1)) {
		const struct memo_ent *e = &m->tab[i];

		if (!e->raw_len)
			return false;
		if (e->hash == *hash && e->for_key == for_key && e->raw_len == m->raw.len &&
		    !memcmp(m->text.p + e->raw, m->raw.p, m->raw.len)) {
			sbuf_add(b, m->text.p + e->raw + e->raw_len, e->json_len);
			return true;
		}
	}
}

/* The JSON just put (json_len bytes at b's end) for memo.raw. */
static void memo_put(struct strv_memo *m, const struct sbuf *b, size_t json_len,
		     bool for_key, uint64_t hash)
{
	struct memo_ent *e;
	size_t i;

	if (m->raw.len + json_len > MEMO_TEXT_MAX / 4)
		return;
	if (!m->tab || m->used >= MEMO_SLOTS / 2 ||
	    m->text.len + m->raw.len + json_len > MEMO_TEXT_MAX) {
		free(m->tab);
		m->tab = xcalloc(MEMO_SLOTS, sizeof(*m->tab));
		m->used = 0;
		m->text.len = 0;
	}
	for (i = hash & (MEMO_SLOTS - 1); m->tab[i].raw_len; i = (i + 1) & (MEMO_SLOTS - 1))
		;
	e = &m->tab[i];
	*e = (struct memo_ent){ .hash = hash, .raw = m->text.len, .raw_len = m->raw.len,
				.json_len = json_len, .for_key = for_key };
	sbuf_add(&m->text, m->raw.p, m->raw.len);
	sbuf_add(&m->text, b->p + b->len - json_len, json_len);
	m->used++;
}

void canon_put_strv(struct canon *c, struct sbuf *b, const char *key, char **v,
		    bool for_key)
{
	uint64_t hash = 0;
	size_t at;

	sbuf_add(b, ",\"", 2);
	sbuf_puts(b, key);
	sbuf_add(b, "\":", 2);
	if (memo_get(&c->memo, b, v, for_key, &hash))
		return;
	at = b->len;
	c->temp_put = false;
	sbuf_putc(b, '[');
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			sbuf_putc(b, ',');
		canon_put_str(c, b, v[i], for_key);
	}
	sbuf_putc(b, ']');
	if (c->memo.raw.len && !c->temp_put)
		memo_put(&c->memo, b, b->len - at, for_key, hash);
}

/* A path's state, as members: "type":"file","perm":"0644","size":N,... */
static void put_fstate_members(struct canon *c, struct sbuf *b, const struct fstate *st,
			       bool for_key)
{
	const char *type = type_name(st->mode);

	if (!st->mode) {
		sbuf_puts(b, "\"type\":\"absent\"");
		return;
	}
	sbuf_puts(b, "\"type\":\"");
	sbuf_puts(b, type ? type : "other");
	sbuf_putc(b, '"');
	put_perm(b, st->mode);
	if ((st->mode & S_IFMT) == S_IFREG) {
		sbuf_puts(b, ",\"size\":");
		sbuf_putd(b, (long long)st->size);
	}
	if (st->target) {
		sbuf_puts(b, ",\"target\":");
		canon_put_str(c, b, st->target, for_key);
	}
	if (st->digest.len)
		put_digest(b, "digest", &st->digest);
}

static void put_fstate(struct canon *c, struct sbuf *b, const struct fstate *st,
		       bool for_key)
{
	sbuf_putc(b, '{');
	put_fstate_members(c, b, st, for_key);
	sbuf_putc(b, '}');
}

/* A pipe as {N}, numbered in output order like temp names; not in keys. */
static void put_pipe(struct canon *c, struct sbuf *b, const char *name, uint32_t ino,
		     bool for_key)
{
	size_t k;

	if (!canon_pipe_linked(c, ino))
		return;
	c->keyed = true;
	if (for_key)
		return;		/* keys never depend on pipes (see link_pipes) */
	for (k = 0; k < c->npipes && c->pipes[k] != ino; k++)
		;
	if (k == c->npipes) {
		c->pipes = xrealloc(c->pipes, (c->npipes + 1) * sizeof(*c->pipes));
		c->pipes[c->npipes++] = ino;
	}
	sbuf_printf(b, ",\"%s\":\"pipe{%zu}\"", name, k + 1);
}

/* One event as a JSON object (without the process id). */
void canon_put_event(struct canon *c, struct sbuf *f, const struct cproc *p,
		     const struct event *ev, bool for_key)
{
	const char *type;

	sbuf_puts(f, "\"ev\":\"");
	sbuf_puts(f, ev_kind_name(ev->kind));
	sbuf_putc(f, '"');
	switch (ev->kind) {
	case EV_SPAWN: {
		const struct cproc *kid = p->kids[ev->aux];

		c->keyed = true;

		sbuf_puts(f, ",\"child\":");
		json_put_string(f, for_key ? kid->key : kid->id);
		return;
	}
	case EV_EXIT:
		if (WIFSIGNALED((int)ev->aux))
			sbuf_printf(f, ",\"signal\":\"SIG%s\"", sigabbrev_np(WTERMSIG((int)ev->aux)) ?
				    sigabbrev_np(WTERMSIG((int)ev->aux)) : "?");
		else {
			sbuf_puts(f, ",\"status\":");
			sbuf_putd(f, WEXITSTATUS((int)ev->aux));
		}
		return;
	case EV_NET:
	case EV_RANDOM:
	case EV_UNTRACEABLE:
	case EV_VIOLATION:
	case EV_XATTR:
		sbuf_puts(f, ",\"call\":");
		json_put_string(f, ev->name ? ev->name : "?");
		if (ev->kind == EV_NET && ev->aux)
			sbuf_printf(f, ",\"family\":%lld", (long long)ev->aux);
		if (ev->kind == EV_VIOLATION)
			sbuf_printf(f, ",\"access\":\"%s\"", policy_access_name((unsigned)ev->aux));
		break;
	case EV_EXEC:
	case EV_EXEC_FAIL:
	case EV_OPEN:
	case EV_WROTE:
	case EV_PROBE:
	case EV_READDIR:
	case EV_MKDIR:
	case EV_RMDIR:
	case EV_UNLINK:
	case EV_RENAME:
	case EV_LINK:
	case EV_SYMLINK:
	case EV_CHMOD:
	case EV_CHOWN:
	case EV_TRUNCATE:
	case EV_UTIMES:
	case EV_MKNOD:
	case EV_CHDIR:
	case EV_BEFORE:
	case EV_AFTER:
	case EV_KIND_MAX:
		break;
	}
	if (ev->path) {
		sbuf_puts(f, ev->kind == EV_SYMLINK ? ",\"target\":" :
			  ev->kind == EV_NET ? ",\"addr\":" : ",\"path\":");
		canon_put_str(c, f, ev->path, for_key);
	}
	if (ev->path2 && ev->kind != EV_EXEC_FAIL) {
		sbuf_puts(f, ev->kind == EV_EXEC ? ",\"cwd\":" :
			  ev->kind == EV_SYMLINK ? ",\"path\":" :
			  ev->kind == EV_XATTR ? ",\"attr\":" : ",\"to\":");
		canon_put_str(c, f, ev->path2, for_key);
	}
	if (ev->kind == EV_OPEN) {
		sbuf_puts(f, ",\"mode\":\"");
		open_mode(f, ev->flags);
		sbuf_putc(f, '"');
	}
	if ((ev->kind == EV_OPEN && (ev->flags & O_CREAT)) ||
	    ev->kind == EV_MKDIR || ev->kind == EV_CHMOD || ev->kind == EV_MKNOD)
		put_perm(f, ev->mode);
	if ((ev->kind == EV_PROBE || ev->kind == EV_XATTR) && (ev->flags & AT_SYMLINK_NOFOLLOW))
		sbuf_puts(f, ",\"follow\":false");
	if (ev->kind == EV_EXEC && ev->post.target && !ev->post.has) {
		sbuf_puts(f, ",\"interp\":");
		canon_put_str(c, f, ev->post.target, for_key);
	}
	if (ev->kind == EV_EXEC && ev->loader) {
		sbuf_puts(f, ",\"loader\":");
		canon_put_str(c, f, ev->loader, for_key);
		if (ev->post.digest.len && !ev->post.has)
			put_digest(f, "loader_digest", &ev->post.digest);
	}
	if (ev->kind == EV_EXEC) {
		canon_put_strv(c, f, "argv", ev->argv, for_key);
		canon_put_strv(c, f, "env", ev->envp, for_key);
		put_pipe(c, f, "stdin", (uint32_t)((uint64_t)ev->aux >> 32), for_key);
		put_pipe(c, f, "stdout", (uint32_t)ev->aux, for_key);
	}
	if (ev->kind != EV_WROTE && ev->kind != EV_EXEC)
		put_member(f, "res", errname(ev->result));
	type = (ev->kind == EV_PROBE || ev->kind == EV_OPEN) && ev->result >= 0 ?
	       type_name(ev->mode) : NULL;
	if (type)
		put_member(f, "type", type);
	if (ev->digest.len)
		put_digest(f, "digest", &ev->digest);
	if (ev->post.has && ev->kind == EV_WROTE) {
		put_perm(f, ev->post.mode);
		sbuf_puts(f, ",\"size\":");
		sbuf_putd(f, (long long)ev->post.size);
	} else if (ev->post.has) {
		sbuf_puts(f, ",\"after\":");
		put_fstate(c, f, &ev->post, for_key);
	}
}

/* One path's state: {"state":"before","path":...,"type":...}. */
void canon_put_state(struct canon *c, struct sbuf *b, const struct event *ev,
		     bool for_key)
{
	struct fstate st = {
		.has = true, .mode = ev->result < 0 ? 0 : ev->mode,
		.size = ev->aux, .digest = ev->digest, .target = ev->path2,
	};

	sbuf_printf(b, "{\"state\":\"%s\",\"path\":", ev->kind == EV_BEFORE ? "before" : "after");
	canon_put_str(c, b, ev->path, for_key);
	/* (not absent: unknown, the tracer could not look; its errno) */
	if (ev->result < 0 && ev->result != -ENOENT && ev->result != -ENOTDIR) {
		put_member(b, "res", errname(ev->result));
		sbuf_putc(b, '}');
		return;
	}
	sbuf_putc(b, ',');
	put_fstate_members(c, b, &st, for_key);
	sbuf_putc(b, '}');
}
