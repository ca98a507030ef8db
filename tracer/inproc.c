// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracer's side of in-process recording (tracer/inproc.h): answering
 * the preload, filling its trampoline, reading each thread's ring at the
 * thread's stops and replaying the records through the same decoders as
 * a stopped syscall, and refusing whatever reaches for the trampoline
 * page otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/util.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

_Static_assert(sizeof(struct inproc_rec) == INPROC_SLOT, "slot size");

#define RING_HEAD offsetof(struct inproc_ring, unit)

/* A record the preload may make: the syscalls the filter lets through
 * from the trampoline (filter.c), with their one path; and two answered
 * from a stat made there instead: execve of a file that is not there,
 * mkdir of one that is. */
static bool rec_valid(const struct inproc_rec *r)
{
	switch (r->nr) {
	case SYS_openat:
		if (r->args[2] & INPROC_OPEN_DENY)
			return false;
		break;
	case SYS_stat:
	case SYS_lstat:
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_access:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_statfs:
		break;
	case SYS_close:
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_getrandom:
	case SYS_getdents64:
		return true;
	case SYS_fcntl:
		return r->args[1] == F_DUPFD || r->args[1] == F_DUPFD_CLOEXEC ||
		       r->args[1] == F_SETFD;
	case SYS_mkdir:		/* only what was there already */
	case SYS_mkdirat:
		if (r->ret != -EEXIST)
			return false;
		break;
	case SYS_execve:	/* only a file that is not there */
		if (r->ret != -ENOENT && r->ret != -ENOTDIR)
			return false;
		break;
	case INPROC_NR:		/* a notified call's result (inproc.h) */
		return r->args[0] == INPROC_KEY && r->args[1] == INPROC_RESULT &&
		       r->pathlen == 0;
	default:
		return false;
	}
	return r->pathlen < sizeof(r->path) && r->path[r->pathlen] == '\0' &&
	       strlen(r->path) == r->pathlen;
}

static void tampered(struct tracer *t, struct task *task, const char *call,
		     const char *what)
{
	struct event ev = { .kind = EV_UNTRACEABLE, .pid = task->proc->tgid,
			    .result = -EPERM };

	ev.name = xstrdup(call);
	ev.path = xasprintf("sandrun:%s", what);
	tracer_emit(t, &ev);
	t->inproc_tampered++;
}

/* Whether a record would close or replace a writer's fd: the preload
 * never records those (a writer's close stops), so it is stale or forged,
 * and the writer's digest at its real close must not be lost. */
static bool hits_writer(struct proc *pr, const struct inproc_rec *r)
{
	int fd = -1;
	struct fdent *e;

	if (r->nr == SYS_close)
		fd = (int)r->args[0];		/* what it closes */
	else if ((r->nr == SYS_dup2 || r->nr == SYS_dup3) && r->args[1] != r->args[0])
		fd = (int)r->args[1];		/* what it replaces */
	else if (r->nr == SYS_openat || r->nr == SYS_dup ||
		 (r->nr == SYS_fcntl && r->args[1] != F_SETFD))
		fd = r->ret >= 0 ? (int)r->ret : -1;	/* the fd it made */
	e = fd_lookup(pr, fd);

	return e && (e->flags & FDF_WRITE);
}

void inproc_npend(struct tracer *t, struct task *task, const struct sc_desc *d,
		  const uint64_t args[6])
{
	if (!task->has_npend)
		return;
	/* the same call again: restarted (a signal's handler with
	 * SA_RESTART); another: the thread never told the last one's
	 * result (inproc.h: INPROC_AGAIN) */
	if (task->npend.desc != d || memcmp(task->npend.args, args, sizeof(task->npend.args))) {
		tampered(t, task, "inproc", "result");
		inproc_npend_lost(t, task);
	}
	event_clear(&task->npend.ev);
	task->has_npend = false;
}

void inproc_npend_lost(struct tracer *t, struct task *task)
{
	struct event ev = { .kind = EV_UNTRACEABLE };

	if (!task->has_npend)
		return;
	if (task->proc) {
		ev.pid = task->proc->tgid;
		ev.name = xstrdup(task->npend.desc->name);
		ev.path = task->npend.ev.path ? xstrdup(task->npend.ev.path) : NULL;
		tracer_emit(t, &ev);
	}
	event_clear(&task->npend.ev);
	task->has_npend = false;
}

/* The result of the thread's notified call, as at its result stop: of
 * the call waiting in npend.  None waiting: the notification made no
 * event, or a signal's stop took the result.  told: the record that told
 * it (inproc.h: INPROC_AGAIN), or NULL (a request, a signal's stop). */
void notified_told(struct tracer *t, struct task *task, int64_t r,
		   const struct inproc_rec *told)
{
	struct task tmp = { .tid = task->tid, .proc = task->proc };

	/* (an execve's success is its exec stop: told none) */
	if (!task->has_npend || (task->npend.desc->dec == DEC_EXEC && r >= 0))
		return;
	tmp.pend = task->npend;
	tmp.pend.told = told;
	task->has_npend = false;
	memset(&task->npend.ev, 0, sizeof(task->npend.ev));
	/* (interrupted by a signal is said at the signal's stop: loop.c) */
	if (r >= -516 && r <= -512)
		event_clear(&tmp.pend.ev);
	else
		decode_exit(t, &tmp, r);
}

static void replay(struct tracer *t, struct task *task, pid_t writer,
		   const struct inproc_rec *r)
{
	/* /proc/TID/fd and /proc/thread-self are the writing thread's */
	struct task tmp = { .tid = task_find(&t->procs, writer) ? writer : task->tid,
			    .proc = task->proc };
	pid_t cur = t->cur_tid;

	/* the result of the writer's notified call: as at its result stop
	 * (none waiting: a signal's stop took it, loop.c) */
	if (r->nr == INPROC_NR) {
		struct task *w = task_find(&t->procs, writer);

		if (w && w->proc == task->proc) {
			t->cur_tid = writer;
			notified_told(t, w, r->ret, r);
			t->cur_tid = cur;
		}
		return;
	}
	if (hits_writer(task->proc, r)) {
		t->inproc_tampered++;
		return;
	}
	tmp.pend.desc = sc_lookup(AUDIT_ARCH_X86_64, (int)r->nr);
	if (!tmp.pend.desc)
		return;
	tmp.pend.arch = AUDIT_ARCH_X86_64;
	memcpy(tmp.pend.args, r->args, sizeof(r->args));
	tmp.pend.rec = r;
	t->cur_tid = writer;
	if (decode_entry(t, &tmp))
		decode_exit(t, &tmp, r->ret);
	else
		event_clear(&tmp.pend.ev);
	t->cur_tid = cur;
	t->inproc_records++;
}

void inproc_replay(struct tracer *t, struct task *task, pid_t writer,
		   const unsigned char *units, uint32_t n, uint32_t at)
{
	struct inproc_rec r;
	const size_t head = offsetof(struct inproc_rec, path);

	for (uint32_t o = 0, k; o < n; o += k) {
		size_t left = (size_t)(n - o) * INPROC_UNIT;

		/* (the units after a record's own are the next ones': only
		 * its own are looked at) */
		memcpy(&r, units + (size_t)o * INPROC_UNIT, left < sizeof(r) ? left : sizeof(r));
		if (r.nr == INPROC_PAD)		/* to the ring's end, exactly */
			k = r.has_stat == INPROC_UNITS - (at + o) % INPROC_UNITS ? r.has_stat : 0;
		else
			k = left >= head && r.pathlen < sizeof(r.path) ? inproc_units(r.pathlen) : 0;
		if (!k || k > n - o) {	/* where the next one is is lost */
			tampered(t, task, "inproc", "ring");
			return;
		}
		if (r.nr == INPROC_PAD)
			continue;
		if (!rec_valid(&r)) {
			tampered(t, task, "inproc", "record");
			continue;
		}
		replay(t, task, writer, &r);
	}
}

/* Read one ring and replay what is new; false if it is not a ring. */
/* Units read with the ring's head, from where the tracer last left the
 * ring: most drains find a few records there, and read them with the
 * head in one syscall instead of two. */
#define READ_AHEAD 32

static const unsigned char tramp_code[INPROC_CODE_LEN] = INPROC_CODE;

enum { RING_GONE, RING_READ, RING_PAGE_BAD };

/* check: the trampoline's code is read too (with the ring's head, in the
 * same syscall) and checked before any record is replayed.  The records
 * not read start at the tracer's own count once it knows the ring, not
 * the ring's (done: a thread cannot hide records by moving it); the ring
 * is told that count only when over half full by its own (its thread's
 * flow control), not at each read: a syscall, and a page copied after a
 * fork. */
static int drain_ring(struct tracer *t, struct task *task, struct ring_ref *rr, bool check)
{
	unsigned char code[INPROC_CODE_LEN];
	static unsigned char buf[INPROC_UNITS][INPROC_UNIT];
	struct { uint32_t magic, used, done, pad; } h;
	uint32_t guess = rr->done % INPROC_UNITS, n, first, k;
	size_t ahead = INPROC_UNITS - guess < READ_AHEAD ? INPROC_UNITS - guess : READ_AHEAD;
	struct iovec local[3] = { { &h, sizeof(h) }, { code, INPROC_CODE_LEN },
				  { buf, ahead * INPROC_UNIT } };
	struct iovec remote[3] = {
		{ (void *)(uintptr_t)rr->addr, sizeof(h) },
		{ (void *)(uintptr_t)INPROC_TRAMP, INPROC_CODE_LEN },
		{ (void *)(uintptr_t)(rr->addr + RING_HEAD + (uint64_t)guess * INPROC_UNIT),
		  ahead * INPROC_UNIT },
	};
	size_t lead = sizeof(h) + (check ? INPROC_CODE_LEN : 0);
	ssize_t got;

	if (!check) {	/* (the code's iovec left out) */
		local[1] = local[2];
		remote[1] = remote[2];
	}
	got = mem_readv(task->tid, local, check ? 3 : 2, remote, check ? 3 : 2);
	if (got < (ssize_t)sizeof(h) || h.magic != INPROC_MAGIC)
		return RING_GONE;
	/* (a page that is gone fails too) */
	if (got < (ssize_t)lead || (check && memcmp(code, tramp_code, sizeof(code))))
		return RING_PAGE_BAD;
	got -= (ssize_t)(lead - sizeof(h));
	if (!rr->known || rr->shared) {
		rr->done = h.done;
		rr->known = true;
	}
	/* (the thread cannot have written over what is not read: it waits
	 * for room by the ring's count, which is never ahead of ours) */
	n = h.used - rr->done;
	if (!n)
		goto tell;
	if (n > INPROC_UNITS) {
		tampered(t, task, "inproc", "ring");
		return RING_GONE;
	}
	first = rr->done % INPROC_UNITS;
	k = n < INPROC_UNITS - first ? n : INPROC_UNITS - first;
	if ((first != guess || n > ahead ||
	     (size_t)got < sizeof(h) + (size_t)n * INPROC_UNIT) &&
	    (mem_read(task->tid, rr->addr + RING_HEAD + (uint64_t)first * INPROC_UNIT,
		      buf, (size_t)k * INPROC_UNIT) < 0 ||
	     (n > k && mem_read(task->tid, rr->addr + RING_HEAD, buf + k,
				(size_t)(n - k) * INPROC_UNIT) < 0)))
		return RING_GONE;
	inproc_replay(t, task, rr->tid, &buf[0][0], n, first);
	rr->done = h.used;
tell:
	/* (a full ring's thread asks for this read: INPROC_FLUSH) */
	if (rr->shared || h.used - h.done > INPROC_UNITS / 2)
		mem_write(task->tid, rr->addr + offsetof(struct inproc_ring, done), &rr->done,
			  sizeof(rr->done));
	return RING_READ;
}

/* tid's ring is at addr now (0: it has none); the ring's entry. */
static struct ring_ref *ring_set(struct proc *pr, pid_t tid, uint64_t addr)
{
	for (int i = 0; i < pr->nrings; i++) {
		if (pr->rings[i].tid != tid && pr->rings[i].addr != addr)
			continue;
		if (addr) {
			pr->rings[i] = (struct ring_ref){
				.addr = addr, .tid = tid,
				.lent = pr->rings[i].addr == addr ? pr->rings[i].lent : 0,
				.done = pr->rings[i].addr == addr ? pr->rings[i].done : 0,
				.known = pr->rings[i].addr == addr && pr->rings[i].known,
				.shared = pr->rings[i].addr == addr && pr->rings[i].shared,
			};
			return &pr->rings[i];
		}
		pr->rings[i--] = pr->rings[--pr->nrings];
	}
	if (!addr)
		return NULL;
	pr->rings = xrealloc(pr->rings, ((size_t)pr->nrings + 1) * sizeof(*pr->rings));
	pr->rings[pr->nrings] = (struct ring_ref){ .addr = addr, .tid = tid };
	return &pr->rings[pr->nrings++];
}

/* A ring a vfork child set up on its parent's memory: the parent
 * thread's too, but lent to the child (its records are the child's)
 * until the child execs or exits. */
static void ring_lend(struct proc *pr, pid_t tid, uint64_t addr, pid_t child)
{
	ring_set(pr, tid, addr);
	for (int i = 0; i < pr->nrings; i++)
		if (pr->rings[i].addr == addr)
			pr->rings[i].lent = child;
}

/* A vfork child runs on its parent's memory: what it sets up there (the
 * trampoline, its thread's ring) is the parent's too once it execs. */
static struct task *lender(struct tracer *t, struct task *task)
{
	struct task *p = task->vfork_parent ? task_find(&t->procs, task->vfork_parent) : NULL;

	return p && p->proc && p->proc != task->proc ? p : NULL;
}

/* The trampoline's page: its tail (magic, the first ring, that ring's
 * thread, the forward slot), then its code; false if it is not there.
 * (Read only while the process's one thread is stopped: no order of the
 * reads matters then.) */
static bool read_page(pid_t tid, unsigned char *code, uint64_t tail[4])
{
	struct iovec local[2] = { { tail, 4 * sizeof(*tail) }, { code, INPROC_CODE_LEN } };
	struct iovec remote[2] = {
		{ (void *)(uintptr_t)(INPROC_TRAMP + INPROC_TRAMP_RING), 4 * sizeof(*tail) },
		{ (void *)(uintptr_t)INPROC_TRAMP, INPROC_CODE_LEN },
	};

	return mem_readv(tid, local, 2, remote, 2) ==
	       (ssize_t)(INPROC_CODE_LEN + 4 * sizeof(*tail));
}

bool inproc_page_gone(pid_t tid)
{
	uint64_t magic;
	struct iovec local = { &magic, sizeof(magic) };
	struct iovec remote = { (void *)(uintptr_t)(INPROC_TRAMP + INPROC_TRAMP_RING),
				sizeof(magic) };

	/* (only EFAULT: nothing mapped there; ESRCH is the thread gone,
	 * EPERM a refusal, not an exec) */
	return mem_readv(tid, &local, 1, &remote, 1) < 0 && errno == EFAULT;
}

/* Other code than the trampoline's on its page (or none): refused, and
 * nothing the process records is read from then on.  Its rings are left
 * full: a thread that would record asks for them to be read, is refused,
 * and makes its calls the ordinary way, which stop (a fork child too). */
static void page_tampered(struct tracer *t, struct task *task)
{
	struct proc *pr = task->proc;

	tampered(t, task, "inproc", "trampoline");
	pr->inproc_armed = pr->inproc_bad = true;
	for (int i = 0; i < pr->nrings; i++) {
		uint32_t used, done;

		if (mem_read(task->tid, pr->rings[i].addr + offsetof(struct inproc_ring, used),
			     &used, sizeof(used)) < 0)
			continue;
		done = used - INPROC_UNITS;
		mem_write(task->tid, pr->rings[i].addr + offsetof(struct inproc_ring, done),
			  &done, sizeof(done));
	}
	free(pr->rings);
	pr->rings = NULL;
	pr->nrings = 0;
}

/*
 * sandrun-audit.so's arming of the page (its mprotect, which the filter
 * lets run), found at the process's next stop: the code checked, the
 * first ring taken as the thread's (and as the process's hello).  It
 * arms in the loader, at the start of a program (its forward slot, in
 * the tail, tells its page from sandrun-rec.so's), while the process has
 * one thread: the one stopped here, the first of this process's image.
 * sandrun-rec.so, which may arm anywhere (another thread's, a vfork
 * child's), says so itself (INPROC_RING).  A page without the magic is
 * not armed yet, or not sandrun's.
 */
static void find_armed(struct tracer *t, struct task *task)
{
	unsigned char code[INPROC_CODE_LEN];
	uint64_t tail[4];
	struct proc *pr = task->proc;

	/* (not where it cannot be armed, t->unarmed: the new program's
	 * first stop, where the page was just found gone, and the loader's
	 * fstat and close of sandrun-audit.so, not loaded yet) */
	if (pr->nthreads != 1 || task->vfork_parent || t->unarmed == task->tid ||
	    !read_page(task->tid, code, tail) || tail[0] != INPROC_MAGIC || !tail[3])
		return;
	if (memcmp(code, tramp_code, sizeof(code))) {
		page_tampered(t, task);
		return;
	}
	pr->inproc_hello = pr->inproc_armed = true;
	ring_set(pr, task->tid, tail[1]);
}

/* What a vfork child read of a ring on its parent's memory is read for
 * the parent too: the records are the child's. */
static void ring_read_for(struct proc *pr, const struct ring_ref *rr)
{
	for (int i = 0; i < pr->nrings; i++)
		if (pr->rings[i].addr == rr->addr) {
			pr->rings[i].done = rr->done;
			pr->rings[i].known = true;
		}
}

void inproc_drain(struct tracer *t, struct task *task)
{
	struct proc *pr = task->proc;
	struct task *lent = lender(t, task);
	bool checked = false;

	if (!pr->inproc_armed)
		find_armed(t, task);
	for (int i = 0; i < pr->nrings; i++) {
		struct ring_ref *rr = &pr->rings[i];

		/* a ring a vfork child writes in holds the child's
		 * records, read at the child's stops (a child gone without
		 * an exit stop gives it back here); but once the thread that
		 * lent it runs again, the child has exec'd or exited, even if
		 * its exec stop is still to be seen: what is new there is
		 * the lender's (else a second vfork child would start from a
		 * count before it, and take the lender's records as its own,
		 * inproc_forked) */
		if (rr->lent && rr->tid != task->tid && task_find(&t->procs, rr->lent))
			continue;
		/* (a fork's, its child still to be known: after it) */
		if (t->nclone_waiting && clone_in_flight(t, rr->tid))
			continue;
		rr->lent = 0;
		/* (the page checked with the first ring read: still the
		 * trampoline's code, whatever was mapped there since) */
		switch (drain_ring(t, task, rr, !checked)) {
		case RING_READ:
			checked = true;
			if (lent)
				ring_read_for(lent->proc, rr);
			continue;
		case RING_PAGE_BAD:
			page_tampered(t, task);
			return;
		default:
			pr->rings[i--] = pr->rings[--pr->nrings];
		}
	}
}

uint64_t inproc_scratch(struct task *task, size_t len)
{
	struct proc *pr = task->proc;

	/* (read at this stop: every slot is free until it resumes; not
	 * a ring another process on this memory may be writing in) */
	for (int i = 0; pr && i < pr->nrings; i++)
		if (pr->rings[i].tid == task->tid && !pr->rings[i].lent &&
		    !pr->rings[i].shared && len <= sizeof(((struct inproc_ring *)0)->unit))
			return pr->rings[i].addr + RING_HEAD;
	return 0;
}

long inproc_request(struct tracer *t, struct task *task, uint32_t arch,
		    const uint64_t args[6])
{
	struct proc *pr = task->proc;
	struct task *lent = lender(t, task);

	if (!t->inproc || arch != AUDIT_ARCH_X86_64)
		return -ENOSYS;
	/* (a result is taken even from a process whose records are not:
	 * its notified calls are made and decoded all the same) */
	if (args[1] == INPROC_RESULT) {
		notified_told(t, task, (int64_t)args[2], NULL);
		return INPROC_YES;
	}
	if (pr->inproc_bad || (lent && lent->proc->inproc_bad))
		return -EPERM;	/* (its records are read no more) */
	switch (args[1]) {
	case INPROC_HELLO:
		pr->inproc_hello = true;
		if (lent)
			lent->proc->inproc_hello = true;
		return INPROC_YES;
	case INPROC_RING:
		/* (the first ring is also the process's hello: sandrun-rec.so
		 * gives the one of a page it armed itself here; find_armed
		 * finds only the loader's) */
		pr->inproc_hello = pr->inproc_armed = true;
		ring_set(pr, task->tid, args[2]);
		if (lent) {
			lent->proc->inproc_hello = lent->proc->inproc_armed = true;
			ring_lend(lent->proc, lent->tid, args[2], task->tid);
		}
		return INPROC_YES;
	case INPROC_FLUSH:
		return INPROC_YES;	/* read already, at this stop */
	default:
		return -EINVAL;
	}
}

/* Whether two processes run on one memory (a clone with CLONE_VM); an
 * error says yes. */
static bool same_memory(pid_t a, pid_t b)
{
	long r = syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0);

	return r != 1 && r != 2 && r != 3;
}

void inproc_forked(struct tracer *t, struct task *parent, struct task *child,
		   bool vfork)
{
	struct proc *pp = parent->proc, *cp = child->proc;

	if (cp == pp)
		return;
	cp->inproc_hello = pp->inproc_hello;
	cp->inproc_armed = pp->inproc_armed;
	cp->inproc_bad = pp->inproc_bad;
	if (cp->inproc_bad)	/* (what it records is not read either) */
		tampered(t, child, "inproc", "trampoline");
	/* The child runs on a copy of the forking thread's ring (or on the
	 * ring itself), read up to here in the parent (on_fork): what is
	 * there is the parent's. */
	for (int i = 0; i < pp->nrings; i++) {
		struct ring_ref *rr = &pp->rings[i], *copy;
		uint32_t done = rr->done;

		if (rr->tid != parent->tid)
			continue;
		/* (not read at this stop: the copy's own count, then) */
		if (!rr->known &&
		    mem_read(child->tid, rr->addr + offsetof(struct inproc_ring, used),
			     &done, sizeof(done)) < 0)
			break;
		copy = ring_set(cp, child->tid, rr->addr);
		copy->done = done;
		copy->known = true;
		copy->shared = rr->shared;	/* (a vfork child, on that memory) */
		/* A child on the same memory that is not a vfork child (it
		 * runs alongside): the ring's own count is the one both
		 * read and tell, as it is told now. */
		if (!vfork && same_memory(parent->tid, child->tid)) {
			rr->shared = copy->shared = true;
			mem_write(child->tid, rr->addr + offsetof(struct inproc_ring, done),
				  &rr->done, sizeof(rr->done));
		}
		/* on the same memory: the parent's other threads must not
		 * read the child's records as the parent's */
		if (vfork)
			pp->rings[i].lent = child->tid;
		break;
	}
}

void inproc_vfork_done(struct tracer *t, struct task *child)
{
	struct task *p = child->vfork_parent ? task_find(&t->procs, child->vfork_parent) : NULL;

	if (!p || !p->proc)
		return;
	for (int i = 0; i < p->proc->nrings; i++)
		if (p->proc->rings[i].lent == child->tid)
			p->proc->rings[i].lent = 0;
}

void inproc_exec(struct proc *pr)
{
	pr->inproc_hello = pr->inproc_armed = pr->inproc_bad = false;
	free(pr->rings);
	pr->rings = NULL;
	pr->nrings = 0;
}

/* Whether [lo, lo + len) reaches the trampoline page. */
static bool covers(uint64_t lo, uint64_t len)
{
	uint64_t hi = lo + len;

	return hi > lo ? lo < INPROC_TRAMP + 4096 && hi > INPROC_TRAMP :
			 lo < INPROC_TRAMP + 4096;
}

int inproc_map_entry(struct tracer *t, struct task *task, const char *name,
		     const uint64_t a[6])
{
	struct proc *pr = task->proc;
	bool hit, exec;

	if (!strcmp(name, "mmap")) {
		hit = covers(a[0], a[1]);
		/* (the prefix stops only executable ones; a shared writable
		 * one stops too, loop.c) */
		exec = (a[2] & PROT_EXEC) != 0;
	} else if (!strcmp(name, "mremap")) {
		hit = covers(a[0], a[1] > a[2] ? a[1] : a[2]) ||
		      ((a[3] & MREMAP_FIXED) && covers(a[4], a[2]));
		exec = true;
	} else if (!strcmp(name, "shmat")) {
		/* the segment's size is not an argument: up to 4 GiB */
		hit = a[1] != 0 && covers(a[1], 1ULL << 32);
		exec = true;
	} else {	/* mprotect, pkey_mprotect */
		hit = covers(a[0], a[1]);
		exec = (a[2] & (PROT_EXEC | PROT_WRITE)) != 0;
	}
	if (!hit || (!exec && !pr->inproc_armed))
		return 0;
	tampered(t, task, name, "trampoline");
	return -EPERM;
}
