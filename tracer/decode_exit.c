// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The exit's side of the syscall decoders (decode.c has the entry's): a
 * call's result added to its pending event, the fd table and cwd kept up
 * to date (a writing open's fd, a dup, a close's writer flushed with its
 * file's digest), and the state after a call that changed a file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"
#include "tracer/decode_priv.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

/* What a write-open's fd is open on: a regular file of the build's, the
 * log sandrun's own output goes to (a build output no more than a
 * terminal is), or something else (a device such as /dev/null, a pipe's
 * or a socket's end): written to, but no file is.  A file that cannot be
 * looked at counts as the build's. */
enum written { W_FILE, W_LOG, W_NOT_A_FILE };

/* What fd was opened on: the file the thread told (told), or the one
 * the fd holds now (*known: whether st is it). */
static enum written written_to(const struct tracer *t, pid_t tid, int fd,
			       const struct inproc_rec *told, struct stat *st, bool *known)
{
	char path[64];

	*known = false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	if (told && told->has_stat) {
		st->st_dev = (dev_t)told->dev;
		st->st_ino = (ino_t)told->ino;
		st->st_mode = told->mode;
	} else if (told || stat(path, st) != 0) {
		return W_FILE;
	}
	*known = true;
	for (unsigned i = 0; i < t->opts->outputs.n; i++)
		if (t->opts->outputs.dev[i] == st->st_dev && t->opts->outputs.ino[i] == st->st_ino)
			return W_LOG;
	return S_ISREG(st->st_mode) ? W_FILE : W_NOT_A_FILE;
}

/* A notified open that also reads, its result told in the ring (not by
 * a request: sandrun-rec.so's tell) because it left a regular file empty,
 * truncated or made: the stat taken right after it says so. */
static bool told_empty(const struct task *task)
{
	const struct inproc_rec *r = task->pend.told;
	uint64_t fl = task->pend.ev.flags;

	return r && r->has_stat && S_ISREG(r->mode) && inproc_open_empties(fl);
}

/* Whether path names a /proc/.../mem file. */
static bool is_mem(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, "/mem");
}

static void exit_open(struct tracer *t, struct task *task, int fd)
{
	struct event *ev = &task->pend.ev;
	int acc = (int)(ev->flags & O_ACCMODE);
	uint8_t fl = 0;
	struct stat st = { 0 };
	bool known = false;

	if (acc != O_RDONLY)
		fl |= FDF_WRITE;
	if (ev->flags & O_CLOEXEC)
		fl |= FDF_CLOEXEC;
	if (ev->flags & O_PATH)
		fl &= (uint8_t)~FDF_WRITE;
	if ((ev->flags & O_TMPFILE) == O_TMPFILE)
		fl |= FDF_TMPFILE;
	/* a device (/dev/null), a pipe's or socket's end (/dev/stdout,
	 * /proc/self/fd/N): written to, but no file is, and no content to
	 * digest; sandrun's own log: written, with no digest (sandrun
	 * appends to it too).  The preload records their closes (rec.c). */
	if (fl & FDF_WRITE) {
		enum written w = written_to(t, task->tid, fd, task->pend.told, &st, &known);

		if (w != W_FILE)
			fl = (uint8_t)((fl & ~FDF_WRITE) | (w == W_LOG ? FDF_LOG : 0));
	}
	if (ev->path) {
		fd_put(task->proc, fd, ev->path, fl);
		/* (a writer's file, known from its open on: at its close
		 * the fd must still hold it, decode_flush_writes) */
		if ((fl & FDF_WRITE) && known) {
			struct fdent *e = fd_lookup(task->proc, fd);

			e->dev = st.st_dev;
			e->ino = st.st_ino;
			e->flags |= FDF_IDENT;
		}
	}
	if (!(ev->flags & O_PATH) && acc != O_WRONLY) {
		if (told_empty(task)) {
			/* (told in the ring, later: what the file holds by
			 * now is not what the open left, which was nothing) */
			digest_buf(t->opts->algo, "", 0, &ev->digest);
			ev->mode = S_IFREG | (ev->mode & 07777);
		} else if ((task->pend.rec ?
			    digest_recorded(t, task->tid, fd, ev->path, task->pend.rec,
					    &ev->digest, &st) :
			    digest_tracee_fd(t, task->tid, fd, &ev->digest, &st)) == 0) {
			ev->mode = (st.st_mode & S_IFMT) | (ev->mode & 07777);
		}
	}
	if (ev->path && (!strcmp(ev->path, "/dev/urandom") ||
			 !strcmp(ev->path, "/dev/random"))) {
		struct event r = { .kind = EV_RANDOM, .pid = ev->pid };

		r.name = xstrdup("open");
		r.path = xstrdup(ev->path);
		tracer_emit(t, &r);
	}
	/* another process's memory open for writing: what process_vm_writev
	 * does (untraceable), its path strings and its rings within reach */
	if (ev->path && acc != O_RDONLY && !(ev->flags & O_PATH) &&
	    path_is_under(ev->path, "/proc") && is_mem(ev->path) &&
	    !decode_proc_own(task->proc, ev->path)) {
		struct event u = { .kind = EV_UNTRACEABLE, .pid = ev->pid };

		u.name = xstrdup("open");
		u.path = xstrdup(ev->path);
		tracer_emit(t, &u);
	}
}

static void probe_type(struct task *task, struct event *ev)
{
	const struct pending *p = &task->pend;
	uint64_t buf;
	uint32_t mode = 0;

	if (p->desc->aux < 0 || is_compat(p))
		return;
	if (p->rec) {
		ev->mode = p->rec->mode & S_IFMT;
		return;
	}
	if (!(buf = p->args[p->desc->aux]))
		return;
	if (p->desc->opts & SCF_STATX) {
		uint16_t m;

		if (mem_read(task->tid, buf + 28, &m, sizeof(m)) == 0)
			mode = m;
	} else if (mem_read(task->tid, buf + 24, &mode, sizeof(mode)) < 0) {
		mode = 0;
	}
	ev->mode = mode & S_IFMT;
}

static void exit_dup(struct task *task, int newfd, bool cloexec)
{
	struct fdent *e = fd_lookup(task->proc, task->pend.fd);
	uint8_t fl;

	if (newfd == task->pend.fd)	/* dup2(fd, fd): nothing changes */
		return;
	if (!e) {
		fd_close(task->proc, newfd);
		return;
	}
	fl = (uint8_t)((e->flags & (FDF_WRITE | FDF_LOG | FDF_TMPFILE)) |
		       (cloexec ? FDF_CLOEXEC : 0));
	fd_put(task->proc, newfd, e->path, fl);
}

/* After a successful change, the state it left its path in.  (None
 * for a path the entry could not name: an fd the tracer does not know,
 * a memfd's or a socket's, or a string it could not read.) */
static void post_state(struct tracer *t, struct task *task)
{
	struct event *ev = &task->pend.ev;

	switch (ev->kind) {
	case EV_MKDIR:
	case EV_CHMOD:
	case EV_TRUNCATE:
	case EV_MKNOD:
		if (ev->path)
			state_tracee_path(t, task->tid, ev->path, &ev->post);
		break;
	case EV_RENAME:
	case EV_LINK:
	case EV_SYMLINK:
		if (ev->path2)
			state_tracee_path(t, task->tid, ev->path2, &ev->post);
		break;
	case EV_UNLINK:
	case EV_RMDIR:
		ev->post.has = true;	/* absent */
		break;
	case EV_EXEC:
	case EV_EXEC_FAIL:
	case EV_SPAWN:
	case EV_EXIT:
	case EV_OPEN:
	case EV_WROTE:
	case EV_PROBE:
	case EV_READDIR:
	case EV_CHOWN:
	case EV_XATTR:
	case EV_UTIMES:
	case EV_CHDIR:
	case EV_NET:
	case EV_RANDOM:
	case EV_UNTRACEABLE:
	case EV_VIOLATION:
	case EV_BEFORE:
	case EV_AFTER:
	case EV_KIND_MAX:
		break;
	}
}

/*
 * Before a rename renames the names the tracer has, what every other
 * process recorded in-process up to now is read (as at a stop of its
 * leader): a chdir's or an open's result told in its ring, a relative
 * path's record, were made under the old names, and are taken so, as
 * with a stop at each.  But those processes run on: a fork of theirs not
 * seen done yet may still be on its way, and is not given up on here
 * (clone_settle), nor its thread's later records read before its child.
 */
static void catch_up_others(struct tracer *t, struct task *self)
{
	pid_t cur = t->cur_tid;

	for (size_t b = 0; b < ARRAY_SIZE(t->procs.buckets); b++)
		for (struct task *o = t->procs.buckets[b]; o; o = o->next) {
			if (!o->proc || o->proc == self->proc || o->tid != o->proc->tgid ||
			    !o->proc->nrings)
				continue;
			t->cur_tid = o->tid;
			tracer_catch_up_running(t, o);
		}
	t->cur_tid = cur;
}

void decode_exit(struct tracer *t, struct task *task, int64_t rval)
{
	struct pending *p = &task->pend;
	const struct sc_desc *d = p->desc;
	struct event *ev = &p->ev;
	int res = (int)rval;

	ev->result = res;
	switch (d->dec) {
	case DEC_OPEN:
	case DEC_CREAT:
	case DEC_OPENAT2:
		if (res >= 0)
			exit_open(t, task, res);
		break;
	case DEC_PROBE:
		if (res >= 0)
			probe_type(task, ev);
		break;
	case DEC_READDIR: {
		struct fdent *e = fd_lookup(task->proc, p->fd);

		if (res < 0 || !e)
			break;
		e->flags |= FDF_LISTED;
		if (p->rec)
			digest_recorded_dir(t, task->tid, p->fd, e->path, p->rec, &ev->digest);
		else
			digest_tracee_dir(t, task->tid, p->fd, &ev->digest);
		break;
	}
	case DEC_CHDIR:
	case DEC_FCHDIR:
		/* (into an fd the table cannot name: a cwd it cannot name,
		 * not the one before) */
		if (res == 0) {
			free(task->proc->cwd);
			task->proc->cwd = xstrdup(ev->path ? ev->path : FD_UNNAMED);
		}
		break;
	case DEC_EXEC:
		/* Success is the PTRACE_EVENT_EXEC stop; here only failure. */
		if (res >= 0)
			goto drop;
		exec_env_undo(task);
		/* A failed exec (a PATH search) keeps its path only. */
		ev->kind = EV_EXEC_FAIL;
		free(ev->path2);
		ev->path2 = NULL;
		for (char **a = ev->argv; a && *a; a++)
			free(*a);
		for (char **a = ev->envp; a && *a; a++)
			free(*a);
		free(ev->argv);
		free(ev->envp);
		ev->argv = ev->envp = NULL;
		break;
	case DEC_DUP:
		if (res >= 0)
			exit_dup(task, res, d->flags >= 0 &&
				 (p->args[d->flags] & O_CLOEXEC));
		goto drop;
	case DEC_FCNTL: {
		int cmd = arg_int(p, d->flags);
		struct fdent *e = fd_lookup(task->proc, p->fd);

		if (res < 0)
			goto drop;
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
			exit_dup(task, res, cmd == F_DUPFD_CLOEXEC);
		else if (cmd == F_SETFD && e)
			e->flags = (uint8_t)((e->flags & ~FDF_CLOEXEC) |
				   ((p->args[d->aux] & FD_CLOEXEC) ? FDF_CLOEXEC : 0));
		goto drop;
	}
	case DEC_TWO_PATHS:
	case DEC_SYMLINK:
		/* (a path may be a link now where it was none) */
		if (res == 0)
			snapshot_lexical_forget(t);
		if (d->dec == DEC_SYMLINK)
			break;
		/* (the cwds and fds below it: a build that renames the
		 * directory it works in names what it makes there so) */
		if (res == 0 && ev->kind == EV_RENAME && ev->path && ev->path2) {
			catch_up_others(t, task);
			procs_renamed(&t->procs, ev->path, ev->path2,
				      ev->flags & RENAME_EXCHANGE);
		}
		/* (an O_TMPFILE's file given a name: its fd's, and its
		 * wrote's at close, from now on) */
		if (res == 0 && ev->kind == EV_LINK && p->tmpfile_fd >= 0 && ev->path2) {
			struct fdent *e = fd_lookup(task->proc, p->tmpfile_fd);

			if (e)
				fd_put(task->proc, p->tmpfile_fd, ev->path2,
				       (uint8_t)(e->flags & ~FDF_TMPFILE));
		}
		break;
	case DEC_PATH:
	case DEC_FD:
	case DEC_CLOSE:
	case DEC_CLOSE_RANGE:
	case DEC_MMAP:
	case DEC_NET:
	case DEC_RANDOM:
	case DEC_XATTR:
	case DEC_UNTRACEABLE:
		break;
	}
	if (res >= 0)
		post_state(t, task);
	else
		ev->flags &= ~EVF_CREATED;
	tracer_emit(t, ev);
	return;
drop:
	event_clear(ev);
}

/* ev a wrote of path as the tree has it now (no fd to read it through). */
static void wrote_by_path(struct tracer *t, struct event *ev, const char *path)
{
	struct fstate now;

	state_tracee_path(t, 0, path, &now);
	free(now.target);
	now.target = NULL;
	if (S_ISREG(now.mode)) {
		ev->post = now;
		ev->digest = now.digest;
	}
}

void decode_flush_writes(struct tracer *t, struct task *task, int only_fd, unsigned how)
{
	struct proc *pr = task->proc;
	int lo = only_fd >= 0 ? only_fd : 0;
	int hi = only_fd >= 0 ? only_fd : pr->fds.n - 1;

	/* The files it maps shared and writable: as they are when it exits
	 * or execs (when the mappings go), not at their fds' close. */
	if (only_fd < 0) {
		for (int i = 0; i < pr->nmapped; i++) {
			struct event ev = { .kind = EV_WROTE, .pid = pr->tgid };

			ev.path = xstrdup(pr->mapped[i]);
			wrote_by_path(t, &ev, pr->mapped[i]);
			tracer_emit(t, &ev);
		}
		if (!(how & FLUSH_KEEP))
			proc_unmapped(pr);
	}
	for (int fd = lo; fd <= hi; fd++) {
		struct fdent *e = fd_lookup(pr, fd);
		struct event ev = { .kind = EV_WROTE, .pid = pr->tgid };
		struct stat st;

		/* (an O_TMPFILE's with no name: no file of the tree) */
		if (!e || !(e->flags & (FDF_WRITE | FDF_LOG)) || (e->flags & FDF_TMPFILE) ||
		    proc_is_mapped(pr, e->path))
			continue;
		if ((how & FLUSH_CLOEXEC) && !(e->flags & FDF_CLOEXEC))
			continue;
		ev.path = xstrdup(e->path);
		if ((e->flags & FDF_WRITE) && (how & FLUSH_GONE)) {
			wrote_by_path(t, &ev, e->path);
		} else if ((e->flags & FDF_WRITE) &&
			   digest_writer_fd(t, task->tid, fd, &ev.digest, &st) == 0 &&
			   (e->flags & FDF_IDENT) && (st.st_dev != e->dev || st.st_ino != e->ino)) {
			/* the fd holds another file: the writer's was closed
			 * unrecorded (a close through the trampoline, its
			 * number taken again); its file by its path */
			struct event u = { .kind = EV_UNTRACEABLE, .pid = pr->tgid };

			u.name = xstrdup("close");
			u.path = xstrdup("sandrun:writer");
			tracer_emit(t, &u);
			memset(&ev.digest, 0, sizeof(ev.digest));
			wrote_by_path(t, &ev, e->path);
		} else if ((e->flags & FDF_WRITE) && ev.digest.len) {
			ev.post.has = true;
			ev.post.mode = st.st_mode & (S_IFMT | 07777);
			ev.post.size = st.st_size;
			ev.post.digest = ev.digest;
		}
		tracer_emit(t, &ev);
		if (!(how & FLUSH_KEEP))
			e->flags &= (uint8_t)~(FDF_WRITE | FDF_LOG);
	}
}
