// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The canonicalizer.  Processes get logical ids from the process tree:
 * the command is "1", its children "1.1", "1.2", ... ordered by content
 * (executable, argv, cwd, then a digest of everything they and their
 * descendants did), never by pid or scheduling.  Host paths under the
 * roots become $SRC, $TMP, ...; names of temporary files under $TMP that
 * look random (mkstemp's XXXXXX) become numbered placeholders, numbered
 * in output order.  No pids, times or inode numbers are written.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tracer/canon.h"

#include "tracer/canon_priv.h"

/* --- building the tree --------------------------------------------- */

/* Pipes seen on exec'd processes' stdin and stdout.  Only those with both
 * ends in the build are named: a pipe on one side only carries nothing
 * the trace can follow (make gives jobs a broken pipe as stdin, and which
 * job gets it is a race). */
struct pipe_ends {
	uint32_t *in, *out;
	size_t nin, nout;
};

static void note_pipes(struct pipe_ends *e, const struct event *ev)
{
	uint32_t in = (uint32_t)((uint64_t)ev->aux >> 32), out = (uint32_t)ev->aux;

	if (in) {
		e->in = xrealloc(e->in, (e->nin + 1) * sizeof(*e->in));
		e->in[e->nin++] = in;
	}
	if (out) {
		e->out = xrealloc(e->out, (e->nout + 1) * sizeof(*e->out));
		e->out[e->nout++] = out;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void link_pipes(struct canon *c, struct pipe_ends *e)
{
	if (e->nout > 1)
		qsort(e->out, e->nout, sizeof(*e->out), cmp_u32);
	for (size_t i = 0; i < e->nin; i++)
		if (e->nout && bsearch(&e->in[i], e->out, e->nout, sizeof(*e->out), cmp_u32)) {
			c->linked = xrealloc(c->linked, (c->nlinked + 1) * sizeof(*c->linked));
			c->linked[c->nlinked++] = e->in[i];
		}
	if (c->nlinked > 1)
		qsort(c->linked, c->nlinked, sizeof(*c->linked), cmp_u32);
	free(e->in);
	free(e->out);
}

static struct cproc *proc_get(struct canon *c, pid_t pid, bool create)
{
	struct cproc **slot = &c->by_pid[(unsigned)pid % ARRAY_SIZE(c->by_pid)];
	struct cproc *p;

	for (size_t i = c->nall; i-- > 0;)
		if (c->all[i]->pid == pid)
			return c->all[i];
	if (!create)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	if (c->nall == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->all = xrealloc(c->all, c->cap * sizeof(*c->all));
	}
	c->all[c->nall++] = p;
	*slot = p;
	return p;
}

static void add_kid(struct cproc *parent, struct cproc *kid)
{
	if (parent->nkids == parent->kcap) {
		parent->kcap = parent->kcap ? parent->kcap * 2 : 4;
		parent->kids = xrealloc(parent->kids, parent->kcap * sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = kid;
	kid->parent = parent;
}

static void add_event(struct cproc *p, struct event *ev)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->evs = xrealloc(p->evs, p->cap * sizeof(*p->evs));
	}
	p->evs[p->n++] = *ev;
	memset(ev, 0, sizeof(*ev));
}

/* The live process a pid names: the newest one (pids are reused). */
static struct cproc *live(struct canon *c, pid_t pid)
{
	return c->by_pid[(unsigned)pid % ARRAY_SIZE(c->by_pid)] &&
	       c->by_pid[(unsigned)pid % ARRAY_SIZE(c->by_pid)]->pid == pid ?
	       c->by_pid[(unsigned)pid % ARRAY_SIZE(c->by_pid)] : proc_get(c, pid, false);
}

/* Remember where an event of p is; full buffers go to the spool's end. */
static void note_offset(struct canon *c, struct cproc *p, uint64_t off)
{
	if (p->nob == OCHUNK) {
		struct ochunk ch = { .n = OCHUNK };

		memcpy(ch.off, p->obuf, sizeof(ch.off));
		if (spool_pwrite(c->spool, c->idx_end, &ch, sizeof(ch)) < 0 ||
		    (p->tail && spool_pwrite(c->spool, p->tail + offsetof(struct ochunk, next),
					     &c->idx_end, sizeof(c->idx_end)) < 0))
			c->bad = true;
		if (!p->head)
			p->head = c->idx_end;
		p->tail = c->idx_end;
		c->idx_end += sizeof(ch);
		p->nob = 0;
	}
	p->obuf[p->nob++] = off;
}

/* An event's key text, in c->kbuf (valid until the next call). */
size_t canon_key_text(struct canon *c, const struct cproc *p, const struct event *ev)
{
	fseeko(c->kf, 0, SEEK_SET);
	canon_put_event(c, c->kf, p, ev, true);
	fputc('\0', c->kf);
	fflush(c->kf);
	return (size_t)ftello(c->kf) - 1;
}

/* An event of a process: where it is, and the temp names it creates. */
static void take_event(struct canon *c, struct cproc *p, struct event *ev, uint64_t off)
{
	note_offset(c, p, off);
	canon_note_temp(c, ev);
	event_clear(ev);
}

static int load(struct canon *c, struct spool *spool, struct cproc ***ret_roots,
		size_t *ret_n, struct sr_error **err)
{
	struct cproc **roots = NULL;
	size_t nroots = 0;
	struct pipe_ends ends = { 0 };
	struct event ev;
	int r = 1;

	c->kf = open_memstream(&c->kbuf, &c->klen);
	if (!c->kf)
		die_oom();
	__fsetlocking(c->kf, FSETLOCKING_BYCALLER);
	for (uint64_t i = 0, off = 0, len; i < spool->count; i++, off += len) {
		int64_t n = spool_peek_at(spool, off, &ev);
		struct cproc *p;

		if (n < 0) {
			r = -1;
			break;
		}
		len = (uint64_t)n;
		c->nevents++;
		if (ev.kind == EV_SPAWN) {
			struct cproc *kid = xcalloc(1, sizeof(*kid));
			struct cproc **slot = &c->by_pid[(unsigned)ev.other % ARRAY_SIZE(c->by_pid)];

			kid->pid = ev.other;
			kid->parent_pid = ev.pid;
			if (c->nall == c->cap) {
				c->cap = c->cap ? c->cap * 2 : 64;
				c->all = xrealloc(c->all, c->cap * sizeof(*c->all));
			}
			c->all[c->nall++] = kid;
			*slot = kid;
			if (ev.pid == c->opts->init_pid) {
				roots = xrealloc(roots, (nroots + 1) * sizeof(*roots));
				roots[nroots++] = kid;
				event_clear(&ev);
				continue;
			}
			p = live(c, ev.pid);
			if (p) {
				add_kid(p, kid);
				ev.aux = (int64_t)(p->nkids - 1);	/* kid index */
				take_event(c, p, &ev, off);
			} else {
				event_clear(&ev);
			}
			continue;
		}
		if (ev.kind == EV_BEFORE || ev.kind == EV_AFTER) {
			add_event(&c->states, &ev);
			continue;
		}
		p = live(c, ev.pid);
		if (!p) {
			event_clear(&ev);
			continue;
		}
		if (ev.kind == EV_EXEC && ev.aux)
			note_pipes(&ends, &ev);
		take_event(c, p, &ev, off);
	}
	link_pipes(c, &ends);
	canon_sort_temps(c);
	if (r < 0 || c->bad) {
		free(roots);
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
				     "the trace spool is corrupt");
	}
	*ret_roots = roots;
	*ret_n = nroots;
	return 0;
}

/* Pass 2: a process's events back from the spool, in capture order. */
static bool load_offsets(struct canon *c, struct cproc *p, const uint64_t *offs,
			 uint32_t n, uint64_t *kid)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = offs[i] & ((1ull << OFF_BITS) - 1);
		struct event ev;

		if (spool_read_at(c->spool, off, &ev) < 0) {
			c->bad = true;
			return false;
		}
		ev.spool_off = off;
		if (ev.kind == EV_SPAWN)	/* kids are in spawn order */
			ev.aux = p->ordered ? (int64_t)(offs[i] >> OFF_BITS) - 1 :
					      (int64_t)(*kid)++;
		add_event(p, &ev);
	}
	return true;
}

/* After the key pass ordered p's events: keep that order in its offsets
 * (fewer when randomness sources were merged), so pass 2 only reads. */
static void store_order(struct canon *c, struct cproc *p)
{
	size_t k = 0;
	struct ochunk ch;

	for (size_t i = 0; i < p->n; i++)	/* both fit in 64 bits? */
		if (p->evs[i].spool_off >> OFF_BITS ||
		    (p->evs[i].kind == EV_SPAWN && (uint64_t)p->evs[i].aux + 1 >= 1ull << (64 - OFF_BITS)))
			return;		/* then pass 2 sorts again */
	for (uint64_t at = p->head; at; at = ch.next) {
		if (spool_pread(c->spool, at, &ch, sizeof(ch)) < 0) {
			c->bad = true;
			return;
		}
		for (ch.n = 0; ch.n < OCHUNK && k < p->n; ch.n++, k++) {
			const struct event *ev = &p->evs[k];

			ch.off[ch.n] = ev->spool_off | (ev->kind == EV_SPAWN ?
				       (uint64_t)(ev->aux + 1) << OFF_BITS : 0);
		}
		if (spool_pwrite(c->spool, at, &ch, sizeof(ch)) < 0) {
			c->bad = true;
			return;
		}
	}
	for (p->nob = 0; k < p->n && p->nob < OCHUNK; p->nob++, k++)
		p->obuf[p->nob] = p->evs[k].spool_off | (p->evs[k].kind == EV_SPAWN ?
				  (uint64_t)(p->evs[k].aux + 1) << OFF_BITS : 0);
	if (k < p->n) {		/* cannot be: never more than were read */
		c->bad = true;
		return;
	}
	p->ordered = true;
}

static void load_events(struct canon *c, struct cproc *p)
{
	uint64_t kid = 0;
	struct ochunk ch;

	for (uint64_t at = p->head; at; at = ch.next)
		if (spool_pread(c->spool, at, &ch, sizeof(ch)) < 0 || ch.n > OCHUNK ||
		    !load_offsets(c, p, ch.off, ch.n, &kid)) {
			c->bad = true;
			return;
		}
	load_offsets(c, p, p->obuf, p->nob, &kid);
}

static void unload_events(struct cproc *p)
{
	for (size_t j = 0; j < p->n; j++)
		event_clear(&p->evs[j]);
	free(p->evs);
	p->evs = NULL;
	p->n = p->cap = 0;
}

/* --- serialization ------------------------------------------------- */

void canon_put_str(struct canon *c, FILE *f, const char *s, bool for_key)
{
	char *t = canon_str(c, s, for_key);

	json_write_bytes(f, t);
	free(t);
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

static void open_mode(FILE *f, uint32_t flags)
{
	int acc = (int)(flags & O_ACCMODE);

	fputs(flags & O_PATH ? "path" : acc == O_RDONLY ? "r" : acc == O_WRONLY ? "w" : "rw", f);
	if (flags & O_CREAT)
		fputs(",create", f);
	if (flags & O_EXCL)
		fputs(",excl", f);
	if (flags & O_TRUNC)
		fputs(",trunc", f);
	if (flags & O_APPEND)
		fputs(",append", f);
	if (flags & O_DIRECTORY)
		fputs(",dir", f);
	if (flags & EVF_CREATED)
		fputs(",new", f);
}

/* ,"key":"value" for a value that needs no escaping; no printf on the
 * hot path. */
static void put_member(FILE *f, const char *key, const char *value)
{
	fputs(",\"", f);
	fputs(key, f);
	fputs("\":\"", f);
	fputs(value, f);
	fputc('"', f);
}

static void put_digest(FILE *f, const struct digest *d)
{
	char hex[2 * DIGEST_MAX + 1];

	digest_hex(d, hex);
	put_member(f, "digest", hex);
}

static void put_strv(struct canon *c, FILE *f, const char *key, char **v,
		     bool for_key)
{
	fputs(",\"", f);
	fputs(key, f);
	fputs("\":[", f);
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			fputc(',', f);
		canon_put_str(c, f, v[i], for_key);
	}
	fputc(']', f);
}

/* A path's state, as members: "type":"file","perm":"0644","size":N,... */
static void put_fstate_members(struct canon *c, FILE *f, const struct fstate *st,
			       bool for_key)
{
	const char *type = type_name(st->mode);

	if (!st->mode) {
		fputs("\"type\":\"absent\"", f);
		return;
	}
	fprintf(f, "\"type\":\"%s\",\"perm\":\"%04o\"", type ? type : "other",
		st->mode & 07777);
	if ((st->mode & S_IFMT) == S_IFREG)
		fprintf(f, ",\"size\":%lld", (long long)st->size);
	if (st->target) {
		fputs(",\"target\":", f);
		canon_put_str(c, f, st->target, for_key);
	}
	if (st->digest.len)
		put_digest(f, &st->digest);
}

static void put_fstate(struct canon *c, FILE *f, const struct fstate *st,
		       bool for_key)
{
	fputc('{', f);
	put_fstate_members(c, f, st, for_key);
	fputc('}', f);
}

/* A pipe as {N}, numbered in output order like temp names; not in keys. */
static void put_pipe(struct canon *c, FILE *f, const char *name, uint32_t ino,
		     bool for_key)
{
	size_t k;

	if (!ino || !c->nlinked ||
	    !bsearch(&ino, c->linked, c->nlinked, sizeof(*c->linked), cmp_u32))
		return;
	if (for_key)
		return;		/* keys never depend on pipes (see link_pipes) */
	fprintf(f, ",\"%s\":\"pipe", name);
	for (k = 0; k < c->npipes && c->pipes[k] != ino; k++)
		;
	if (k == c->npipes) {
		c->pipes = xrealloc(c->pipes, (c->npipes + 1) * sizeof(*c->pipes));
		c->pipes[c->npipes++] = ino;
	}
	fprintf(f, "{%zu}\"", k + 1);
}

/* One event as a JSON object (without the process id). */
void canon_put_event(struct canon *c, FILE *f, const struct cproc *p,
		      const struct event *ev, bool for_key)
{
	const char *type;

	fputs("\"ev\":\"", f);
	fputs(ev_kind_name(ev->kind), f);
	fputc('"', f);
	switch (ev->kind) {
	case EV_SPAWN: {
		const struct cproc *kid = p->kids[ev->aux];

		fputs(",\"child\":", f);
		json_write_string(f, for_key ? kid->key : kid->id);
		return;
	}
	case EV_EXIT:
		if (WIFSIGNALED((int)ev->aux))
			fprintf(f, ",\"signal\":\"SIG%s\"", sigabbrev_np(WTERMSIG((int)ev->aux)) ?
				sigabbrev_np(WTERMSIG((int)ev->aux)) : "?");
		else
			fprintf(f, ",\"status\":%d", WEXITSTATUS((int)ev->aux));
		return;
	case EV_NET:
	case EV_RANDOM:
	case EV_UNTRACEABLE:
	case EV_VIOLATION:
		fputs(",\"call\":", f);
		json_write_string(f, ev->name ? ev->name : "?");
		if (ev->kind == EV_NET && ev->aux)
			fprintf(f, ",\"family\":%lld", (long long)ev->aux);
		if (ev->kind == EV_VIOLATION)
			fprintf(f, ",\"access\":\"%s\"", policy_access_name((unsigned)ev->aux));
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
		fputs(ev->kind == EV_SYMLINK ? ",\"target\":" :
		      ev->kind == EV_NET ? ",\"addr\":" : ",\"path\":", f);
		canon_put_str(c, f, ev->path, for_key);
	}
	if (ev->path2 && ev->kind != EV_EXEC_FAIL) {
		fputs(ev->kind == EV_EXEC ? ",\"cwd\":" :
		      ev->kind == EV_SYMLINK ? ",\"path\":" : ",\"to\":", f);
		canon_put_str(c, f, ev->path2, for_key);
	}
	if (ev->kind == EV_OPEN) {
		fputs(",\"mode\":\"", f);
		open_mode(f, ev->flags);
		fputc('"', f);
	}
	if ((ev->kind == EV_OPEN && (ev->flags & O_CREAT)) ||
	    ev->kind == EV_MKDIR || ev->kind == EV_CHMOD || ev->kind == EV_MKNOD)
		fprintf(f, ",\"perm\":\"%04o\"", ev->mode & 07777);
	if (ev->kind == EV_PROBE && (ev->flags & AT_SYMLINK_NOFOLLOW))
		fputs(",\"follow\":false", f);
	if (ev->kind == EV_EXEC) {
		put_strv(c, f, "argv", ev->argv, for_key);
		put_strv(c, f, "env", ev->envp, for_key);
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
		put_digest(f, &ev->digest);
	if (ev->post.has && ev->kind == EV_WROTE) {
		fprintf(f, ",\"perm\":\"%04o\",\"size\":%lld", ev->post.mode & 07777,
			(long long)ev->post.size);
	} else if (ev->post.has) {
		fputs(",\"after\":", f);
		put_fstate(c, f, &ev->post, for_key);
	}
}

/* --- ordering ------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
	const struct cproc *x = *(struct cproc *const *)a;
	const struct cproc *y = *(struct cproc *const *)b;

	return strcmp(x->key, y->key);
}

static const struct event *first_exec(const struct cproc *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->evs[i].kind == EV_EXEC)
			return &p->evs[i];
	return NULL;
}

/*
 * A process's key: its first exec's executable, argv and cwd (readable
 * ordering), then a digest of all it and its subtree did (ties between
 * identical-looking siblings): its events as they will be written, in
 * their key form (which names its children by their keys).  Computed
 * bottom-up, one process's events in memory at a time.
 */
static void compute_key(struct canon *c, struct cproc *p)
{
	const struct event *ex;
	char *buf = NULL, hex[2 * DIGEST_MAX + 1];
	struct digest_ctx d;
	struct digest out;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < p->nkids; i++)
		compute_key(c, p->kids[i]);
	load_events(c, p);
	canon_sort_observations(c, p);
	digest_init(&d, DIGEST_SHA256);
	for (size_t i = 0; i < p->n; i++) {
		size_t n = canon_key_text(c, p, &p->evs[i]);

		c->kbuf[n] = '\n';	/* one line per event */
		digest_update(&d, c->kbuf, n + 1);
	}
	digest_final(&d, &out);
	digest_hex(&out, hex);
	f = open_memstream(&buf, &len);
	if (!f)
		die_oom();
	ex = first_exec(p);
	if (ex) {
		canon_put_str(c, f, ex->path ? ex->path : "", true);
		put_strv(c, f, "argv", ex->argv, true);
		canon_put_str(c, f, ex->path2 ? ex->path2 : "", true);
	}
	fprintf(f, "|%s", hex);
	fclose(f);
	store_order(c, p);
	unload_events(p);
	p->key = buf;
	p->sorted = xcalloc(p->nkids + 1, sizeof(*p->sorted));
	if (p->nkids)
		memcpy(p->sorted, p->kids, p->nkids * sizeof(*p->kids));
	if (p->nkids > 1)
		qsort(p->sorted, p->nkids, sizeof(*p->sorted), cmp_key);
}

static void assign_ids(struct cproc *p, const char *id)
{
	p->id = xstrdup(id);
	for (size_t i = 0; i < p->nkids; i++) {
		char *kid = xasprintf("%s.%zu", id, i + 1);

		assign_ids(p->sorted[i], kid);
		free(kid);
	}
}

static uint64_t write_proc(struct canon *c, struct cproc *p)
{
	uint64_t n = 1;

	load_events(c, p);
	if (!p->ordered)
		canon_sort_observations(c, p);
	c->nwritten += p->n;
	fputs("{\"proc\":", c->out);
	json_write_string(c->out, p->id);
	if (p->parent) {
		fputs(",\"parent\":", c->out);
		json_write_string(c->out, p->parent->id);
	}
	fputs("}\n", c->out);
	for (size_t i = 0; i < p->n; i++) {
		fputs("{\"p\":", c->out);
		json_write_string(c->out, p->id);
		fputc(',', c->out);
		canon_put_event(c, c->out, p, &p->evs[i], false);
		fputs("}\n", c->out);
	}
	unload_events(p);
	for (size_t i = 0; i < p->nkids; i++)
		n += write_proc(c, p->sorted[i]);
	return n;
}

/* One path's state: {"state":"before","path":...,"type":...}. */
static void put_state(struct canon *c, FILE *f, const struct event *ev,
		      bool for_key)
{
	struct fstate st = {
		.has = true, .mode = ev->result < 0 ? 0 : ev->mode,
		.size = ev->aux, .digest = ev->digest, .target = ev->path2,
	};

	fprintf(f, "{\"state\":\"%s\",\"path\":", ev->kind == EV_BEFORE ? "before" : "after");
	canon_put_str(c, f, ev->path, for_key);
	fputc(',', f);
	put_fstate_members(c, f, &st, for_key);
	fputc('}', f);
}

/* States in canonical order: before then after, each by path. */
static uint64_t write_states(struct canon *c)
{
	struct sortable *v;
	size_t n = c->states.n;

	if (!n)
		return 0;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const struct event *ev = &c->states.evs[i];
		/* Every temp name has its number by now (the processes'
		 * events came first), so numbered paths are stable keys. */
		char *p = canon_str(c, ev->path, false);

		v[i].text = xasprintf("%d %s", ev->kind == EV_AFTER, p);
		v[i].index = i;
		free(p);
	}
	qsort(v, n, sizeof(*v), canon_cmp_sortable);
	for (size_t i = 0; i < n; i++) {
		put_state(c, c->out, &c->states.evs[v[i].index], false);
		fputc('\n', c->out);
		free(v[i].text);
	}
	free(v);
	return n;
}

static void write_header(const struct canon_opts *o, FILE *out,
			 struct canon *c)
{
	fprintf(out, "{\"format\":\"sandrun-trace\",\"version\":1,"
		"\"digest\":\"%s\",\"roots\":[", digest_algo_name(o->algo) );
	for (size_t i = 0; i < o->nroots; i++) {
		if (i)
			fputc(',', out);
		json_write_string(out, o->roots[i].name);
	}
	fputs("],\"command\":[", out);
	for (size_t i = 0; o->command && o->command[i]; i++) {
		if (i)
			fputc(',', out);
		if (c) {
			canon_put_str(c, out, o->command[i], false);
		} else {
			char *s = canon_rewrite_roots(o, o->command[i]);

			json_write_string(out, s);
			free(s);
		}
	}
	fputs("]}\n", out);
}

void canon_write_incomplete(const struct canon_opts *opts, FILE *out,
			    const char *reason)
{
	write_header(opts, out, NULL);
	fputs("{\"end\":\"incomplete\",\"reason\":", out);
	json_write_string(out, reason);
	fputs("}\n", out);
}

static void free_canon(struct canon *c)
{
	for (size_t i = 0; i < c->nall; i++) {
		struct cproc *p = c->all[i];

		for (size_t j = 0; j < p->n; j++)
			event_clear(&p->evs[j]);
		free(p->evs);
		free(p->kids);
		free(p->sorted);
		free(p->key);
		free(p->id);
		free(p);
	}
	free(c->all);
	for (size_t j = 0; j < c->states.n; j++)
		event_clear(&c->states.evs[j]);
	free(c->states.evs);
	strv_free(&c->temps);
	free(c->pipes);
	free(c->linked);
	strv_free(&c->temp_set);
	if (c->kf)
		fclose(c->kf);
	free(c->kbuf);
}

int canon_write(struct spool *spool, const struct canon_opts *opts, FILE *out,
		struct sr_error **err)
{
	struct canon c = { .opts = opts, .out = out, .spool = spool };
	struct cproc **roots = NULL;
	size_t nroots = 0;
	uint64_t nprocs = 0;
	int r;

	__fsetlocking(out, FSETLOCKING_BYCALLER);	/* one thread writes */
	if (spool_rewind(spool, err) < 0)
		return -1;
	{
		struct stat st;

		/* pass 1's index goes after the events */
		if (fstat(fileno(spool->f), &st) < 0)
			return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read the spool");
		c.idx_end = (uint64_t)st.st_size;
	}
	r = load(&c, spool, &roots, &nroots, err);
	if (r == 0) {
		struct cproc top = { .kids = roots, .nkids = nroots };

		/* The command is "1"; should pid 1 ever start more than one
		 * process, they are "2", "3", ... in content order. */
		for (size_t i = 0; i < nroots; i++)
			compute_key(&c, roots[i]);
		if (nroots > 1)
			qsort(roots, nroots, sizeof(*roots), cmp_key);
		(void)top;
		for (size_t i = 0; i < nroots; i++) {
			char id[32];

			snprintf(id, sizeof(id), "%zu", i + 1);
			assign_ids(roots[i], id);
			roots[i]->parent = NULL;
		}
		write_header(opts, out, &c);
		uint64_t nstates;

		for (size_t i = 0; i < nroots; i++)
			nprocs += write_proc(&c, roots[i]);
		nstates = write_states(&c);
		if (c.bad)
			r = sr_error_make(err, SR_EXIT_FAILURE, 0,
					  "the trace spool could not be read back");
		fprintf(out, "{\"end\":\"%s\",\"exit\":%d,\"processes\":%llu,"
			"\"events\":%llu,\"states\":%llu}\n", opts->end_status,
			opts->exit_code, (unsigned long long)nprocs,
			(unsigned long long)c.nwritten, (unsigned long long)nstates);
	}
	free(roots);
	free_canon(&c);
	return r;
}
