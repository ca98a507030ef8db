// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seccomp notifications' side of the tracer (loop.c says which calls
 * are notifications): a thread that takes them from the listener the
 * command process hands over (INPROC_LISTENER) and answers each as the
 * ptrace loop would the same syscall's entry stop (tracer_on_notify),
 * holding the tracer's lock, and whatever waits for the process to run
 * (an fd put in its table, an exec's event held past the answer) after
 * letting it go.  The time each takes is counted by kind and by syscall
 * (meta.json's handling and notifications).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "lib/util.h"
#include "tracer/filter.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* An fd on the thread's own memory (its /proc/PID/mem), to put in its
 * fd table (mem_hand); -errno.  It grants nothing the process does not
 * have: it can open the file itself, or mprotect its code writable (the
 * trampoline's page it could write so is checked at every read of its
 * rings, as ever). */
int mem_open(const struct task *task)
{
	char path[48];
	int fd;

	if (task->proc->inproc_bad)
		return -EPERM;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)task->tid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* fd (consumed) put in the fd table of the thread whose notification id
 * waits, close-on-exec; INPROC_YES + its number there, or -errno.  It
 * returns once the thread has run to take it: without the tracer's lock,
 * which the ptrace loop would wait for meanwhile. */
static long mem_hand(struct tracer *t, int fd, uint64_t id)
{
	struct seccomp_notif_addfd add = { .id = id, .srcfd = (uint32_t)fd,
					   .newfd_flags = O_CLOEXEC };
	int r;

	/* (ENOENT: the thread is gone, and the file was another's) */
	r = ioctl(t->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	r = r < 0 ? -errno : r;
	close(fd);
	if (r < 0)
		return r;
	__atomic_fetch_add(&t->mem_fds, 1, __ATOMIC_RELAXED);
	return INPROC_YES + r;
}

/* A notification's time (ns) counted under its syscall (stat, or NULL:
 * none). */
static void notify_count(struct notify_stat *stat, uint64_t ns)
{
	if (!stat)
		return;
	__atomic_fetch_add(&stat->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stat->ns, ns, __ATOMIC_RELAXED);
}

/* Where a notification's syscall is counted, or NULL. */
static struct notify_stat *notify_stat(struct tracer *t, const struct seccomp_data *sd)
{
	unsigned nr = (unsigned)sd->nr & ~(unsigned)FILTER_X32_BIT;
	int a = sd->arch == AUDIT_ARCH_X86_64 ? 0 : sd->arch == AUDIT_ARCH_I386 ? 1 : -1;

	return a >= 0 && nr < NOTIFY_NRS ? &t->notify_by_nr[a][nr] : NULL;
}

/* Whether the kernel took the answer (ENOENT: its thread was killed
 * while it waited; EINTR: again). */
static bool answer(const struct tracer *t, const void *resp)
{
	while (ioctl(t->notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		if (errno != EINTR)
			return false;
	return true;
}

/* Every close would wait forever once no answer goes: the run fails
 * instead (tracer_loop). */
static void notify_lost(struct tracer *t)
{
	__atomic_store_n(&t->notify_failed, true, __ATOMIC_RELEASE);
	kill(t->init_pid, SIGKILL);
}

/* The exec event kept back, emitted while the process runs on (or by
 * the ptrace loop first, for anything it emits meanwhile). */
static void flush_exec(struct tracer *t)
{
	pthread_mutex_lock(&t->lock);
	exec_flush(t);
	pthread_mutex_unlock(&t->lock);
}

/*
 * Whether an exec's event, kept back by exec_done at a notification
 * (the process's first after its exec), waits past this answer; else it
 * is made now, before it.  Only the loader's open of sandrun-audit.so
 * holds it (loop.c sets exec_hold), past that open's answer and up to
 * the next answer of any process, usually the fstat's: the loader then
 * maps the module while the event is made, and its close waits for it.
 * (Where the loader's fstat is no notification, filter.h's empty, loop.c
 * sets exec_held instead: the event is made right after the open's
 * answer.)  Anything else is answered after: a static program's first call may be
 * close(1), and the event names the pipes its fds were before
 * (exec_pipes).  exec_flush clears both flags, so a later exec's event
 * is never held by an earlier one's open.
 */
static bool exec_later(struct tracer *t)
{
	bool later;

	if (t->exec_hold) {
		t->exec_hold = false;
		t->exec_held = t->exec_deferred;
		return false;
	}
	later = t->exec_deferred && t->exec_held;
	t->exec_held = false;
	if (!later)
		exec_flush(t);
	return later;
}

static void *notify_main(void *arg)
{
	struct tracer *t = arg;
	struct seccomp_notif_sizes sz = { 0 };
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct notify_stat *stat;
	bool failed = false, later;
	uint64_t start, ns;
	int fd;

	/* (the kernel's structs may be larger than these headers') */
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
		notify_lost(t);
		return NULL;
	}
	req = xcalloc(1, sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
	resp = xcalloc(1, sz.seccomp_notif_resp > sizeof(*resp) ?
			   sz.seccomp_notif_resp : sizeof(*resp));
	for (;;) {
		struct pollfd p[2] = { { t->notify_fd, POLLIN, 0 }, { t->notify_stop, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			failed = true;
			break;
		}
		/* (POLLHUP: no process uses the filter any more, and none
		 * can again: the normal end too) */
		if (p[1].revents || (p[0].revents & POLLHUP))
			break;
		/* (POLLERR: the kernel's lock taking interrupted, as by a
		 * freezer: try again) */
		if (!(p[0].revents & POLLIN)) {
			if (p[0].revents & POLLNVAL) {
				failed = true;
				break;
			}
			continue;
		}
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(t->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			/* ENOENT: the thread went away meanwhile */
			if (errno == EINTR || errno == ENOENT)
				continue;
			failed = true;
			break;
		}
		start = tracer_now_ns();
		stat = notify_stat(t, &req->data);
		memset(resp, 0, sz.seccomp_notif_resp);
		pthread_mutex_lock(&t->lock);
		tracer_on_notify(t, req, resp);
		later = exec_later(t);
		fd = t->mem_hand_fd;
		t->mem_hand_fd = -1;
		pthread_mutex_unlock(&t->lock);
		if (fd >= 0) {
			long r = mem_hand(t, fd, req->id);

			if (r < 0)
				resp->error = (int32_t)r;
			else
				resp->val = r;
		}
		/* (this thread's own: the main thread never counts a
		 * notification, and reads this only once it has joined; up
		 * to the answer, which may give this thread's CPU to the
		 * thread it wakes, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) */
		ns = tracer_now_ns() - start;
		t->handling_ns[STOP_NOTIFY] += ns;
		notify_count(stat, ns);
		if (!answer(t, resp)) {
			failed = true;
			break;
		}
		if (later)
			flush_exec(t);
	}
	free(req);
	free(resp);
	if (failed)
		notify_lost(t);
	return NULL;
}

/* The command process hands its filter's listener over (fd: its number
 * there), once, before its exec; returns the request's answer. */
int notify_start(struct tracer *t, struct task *task, uint64_t fd)
{
	char link[64], what[64];
	sigset_t all, old;
	int pidfd, nfd;
	bool failed;
	ssize_t n;

	if (t->notify_asked || !task->proc || task->proc->tgid != t->root_pid ||
	    t->root_execd || fd > INT32_MAX)
		return -EPERM;
	t->notify_asked = true;
	pidfd = (int)syscall(SYS_pidfd_open, task->tid, 0);
	if (pidfd < 0)
		return -errno;
	nfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	close(pidfd);
	if (nfd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", nfd);
	n = readlink(link, what, sizeof(what) - 1);
	if (n < 0 || (what[n] = '\0', strcmp(what, "anon_inode:seccomp notify"))) {
		close(nfd);
		return -EBADF;
	}
	/* (6.6: notification and answer each wake the other side on the
	 * CPU it is sent from, as a ptrace stop does not) */
	ioctl(nfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0);
	t->notify_fd = nfd;
	t->notify_stop = eventfd(0, EFD_CLOEXEC);
	/* (sandrun's signals are the main thread's: none interrupts this
	 * one's answer) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	failed = t->notify_stop < 0 || pthread_create(&t->notify_thread, NULL, notify_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (failed) {
		if (t->notify_stop >= 0)
			close(t->notify_stop);
		close(nfd);
		t->notify_fd = t->notify_stop = -1;
		return -EAGAIN;
	}
	t->notify_on = true;
	return (int)INPROC_YES;
}

void notify_end(struct tracer *t)
{
	uint64_t one = 1;

	if (!t->notify_on)
		return;
	if (write(t->notify_stop, &one, sizeof(one)) != sizeof(one))
		pthread_cancel(t->notify_thread);
	pthread_join(t->notify_thread, NULL);
	close(t->notify_stop);
	close(t->notify_fd);
	t->notify_fd = t->notify_stop = -1;
	t->notify_on = false;
}
