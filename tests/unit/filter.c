// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for tracer/filter.c's program built in one process and
 * loaded in another (runner/launch.c, runner/child.c): what goes down
 * the pipe, what a malformed one is, and that the program loaded is
 * sandrun's filter. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/error.h"
#include "tracer/filter.h"
#include "tests/unit/tap.h"

static bool same(const struct filter_prog *a, const struct filter_prog *b)
{
	return a->len == b->len && a->notify == b->notify &&
	       !memcmp(a->insns, b->insns, a->len * sizeof(*a->insns));
}

/* p down a pipe and back: recv's result, the copy in *out. */
static int round_trip(const struct filter_prog *p, struct filter_prog *out)
{
	int fds[2], r;

	if (pipe(fds) < 0)
		return -errno;
	r = filter_prog_send(fds[1], p);
	close(fds[1]);
	if (r == 0)
		r = filter_prog_recv(fds[0], out);
	close(fds[0]);
	return r;
}

/* bytes (len) down a pipe, then its end: recv's result. */
static int recv_of(const void *bytes, size_t len, struct filter_prog *out)
{
	int fds[2], r;

	if (pipe(fds) < 0)
		return -errno;
	if (len && write(fds[1], bytes, len) != (ssize_t)len)
		r = -EIO;
	close(fds[1]);
	r = filter_prog_recv(fds[0], out);
	close(fds[0]);
	return r;
}

/* In a child: p loaded (with no tracer, a traced call fails ENOSYS; a
 * notified one, close among them, would wait for an answer on the
 * listener, left open and unread), then a writing open made outside any
 * trampoline.  What the child says: 0 if the filter made
 * the open fail ENOSYS, 1 if the open went by, 2 if loading failed; -1 if
 * it said nothing.  (It is killed once it has said: its exit_group is a
 * notification too, and its own kill is traced.) */
static int child_loads(const struct filter_prog *p)
{
	int fds[2], status;
	char said = -1;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sr_error *err = NULL;
		int listener = -1;
		long fd;
		char r = 2;

		close(fds[0]);
		if (filter_load(false, true, NULL, p->notify ? &listener : NULL, p, &err) == 0) {
			fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
			r = fd < 0 && errno == ENOSYS ? 0 : 1;
		}
		if (write(fds[1], &r, 1) == 1)
			for (;;)
				pause();
		abort();
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &said, 1) != 1)
		said = -1;
	close(fds[0]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return said;
}

/* Whether this process can load a filter (not under valgrind 3.19, which
 * does not know seccomp(2), nor pidfd_getfd). */
static bool seccomp_here(void)
{
	uint32_t action = SECCOMP_RET_ALLOW;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int main(void)
{
	struct sr_error *err = NULL;
	struct filter_prog a = { 0 }, b = { 0 }, c = { 0 }, got = { 0 };
	struct { uint32_t magic, len, notify, pad; } head;
	bool notify = filter_can_notify(), can = seccomp_here();
	int r, r2;

	/* (ok() evaluates its condition twice: calls are made before it) */
	r = filter_compile(false, true, notify, NULL, &a, &err);
	ok(r == 0 && !err, "a program built (notifications: %s)", notify ? "yes" : "no");
	ok(a.insns && a.len > 0 && a.len <= BPF_MAXINSNS && a.notify == notify,
	   "of %u instructions, with what it was asked for", a.len);
	r = filter_compile(false, true, notify, NULL, &b, &err);
	ok(r == 0 && same(&a, &b), "built again, the same program: whoever builds it loads "
				   "the same");
	if (can) {
		r = filter_compile(false, true, !notify, NULL, &c, &err);
		ok(r == 0 && !same(&a, &c) && c.notify == !notify,
		   "with notifications the other way, another");
	} else {
		ok(1, "# SKIP no seccomp(2) here (valgrind?): libseccomp finds no notifications");
	}

	r = round_trip(&a, &got);
	ok(r == 1 && same(&a, &got), "down a pipe and back, whole");
	filter_prog_free(&got);
	ok(got.insns == NULL && got.len == 0, "freed, it is empty");
	r = recv_of(NULL, 0, &got);
	ok(r == 0 && !got.insns, "nothing sent (EOF): none, 0");
	r = recv_of("sandrun!sandrun!", 16, &got);
	ok(r == -EINVAL && !got.insns, "a header that is not one: -EINVAL");
	memcpy(&head, "PBRS", 4);
	head.len = 10;
	head.notify = 0;
	head.pad = 0;
	{
		unsigned char buf[sizeof(head) + 3 * sizeof(struct sock_filter)] = { 0 };

		memcpy(buf, &head, sizeof(head));
		r = recv_of(buf, sizeof(buf), &got);
		ok(r == -EINVAL && !got.insns, "10 instructions said, 3 sent: -EINVAL");
		head.len = BPF_MAXINSNS + 1;
		memcpy(buf, &head, sizeof(head));
		r = recv_of(buf, sizeof(buf), &got);
		ok(r == -EINVAL && !got.insns, "more than BPF_MAXINSNS said: -EINVAL");
		head.len = 3;
		head.notify = 2;
		memcpy(buf, &head, sizeof(head));
		r = recv_of(buf, sizeof(buf), &got);
		ok(r == -EINVAL && !got.insns, "a notify flag that is not 0 or 1: -EINVAL");
	}

	if (can) {
		r = child_loads(&a);
		r2 = child_loads(&c);
		ok(r == 0, "loaded in another process: a writing open stops there "
			   "(ENOSYS with no tracer)");
		ok(r2 == 0, "and the other one too");
	} else {
		ok(1, "# SKIP no seccomp(2) here (valgrind?)");
		ok(1, "# SKIP no seccomp(2) here (valgrind?)");
	}
	filter_prog_free(&a);
	filter_prog_free(&b);
	filter_prog_free(&c);
	sr_error_free(err);
	return done_testing();
}
