// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for tracer/filter.c's program built in one process and
 * loaded in another (runner/launch.c, runner/child.c): what goes down
 * the pipe, what a malformed one is, and that the program loaded is
 * sandrun's filter. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/error.h"
#include "tracer/filter.h"
#include "tracer/syscalls.h"
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

/*
 * A classic BPF program run on one syscall as the kernel runs it: the
 * action it returns (its data masked off, but an errno's), or BAD for
 * an instruction a seccomp filter may not have or a program that runs
 * off its end.  What the filter decides for the i386 and x32 entries
 * is seen here, on a host without them.
 */
#define BAD 0xdeadu
static uint32_t run_prog(const struct filter_prog *p, uint32_t arch, int nr,
			 const uint64_t args[6])
{
	struct seccomp_data d = { .nr = nr, .arch = arch };
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	memcpy(d.args, args, sizeof(d.args));
	for (uint32_t pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->insns[pc];
		uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? x : k;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS && BPF_SIZE(f->code) == BPF_W &&
			    k % 4 == 0 && k < sizeof(d))
				memcpy(&a, (const char *)&d + k, 4);
			else if (BPF_MODE(f->code) == BPF_IMM)
				a = k;
			else if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				a = mem[k];
			else
				return BAD;
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_IMM)
				x = k;
			else if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				x = mem[k];
			else
				return BAD;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return BAD;
			mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: return BAD;
			}
			break;
		case BPF_JMP:
			switch (BPF_OP(f->code)) {
			case BPF_JA: pc += k; break;
			case BPF_JEQ: pc += a == src ? f->jt : f->jf; break;
			case BPF_JGT: pc += a > src ? f->jt : f->jf; break;
			case BPF_JGE: pc += a >= src ? f->jt : f->jf; break;
			case BPF_JSET: pc += a & src ? f->jt : f->jf; break;
			default: return BAD;
			}
			break;
		case BPF_RET:
			a = BPF_RVAL(f->code) == BPF_A ? a : k;
			return (a & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO ?
			       a : a & SECCOMP_RET_ACTION_FULL;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return BAD;
		}
	}
	return BAD;
}

/* What p does with one syscall, by name, of an architecture. */
static uint32_t verdict(const struct filter_prog *p, int arch, const char *name,
			uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	static const uint32_t audit[FILTER_ARCH_COUNT] = {
		[FILTER_ARCH_X86_64] = AUDIT_ARCH_X86_64,
		[FILTER_ARCH_I386] = AUDIT_ARCH_I386,
		[FILTER_ARCH_X32] = AUDIT_ARCH_X86_64,
	};
	const uint64_t args[6] = { a0, a1, a2, a3, 0, 0 };
	int nr = filter_resolve(arch, name);

	if (nr < 0)
		return BAD;
	if (arch == FILTER_ARCH_X32)
		nr |= FILTER_X32_BIT;
	return run_prog(p, audit[arch], nr, args);
}

/* What the filter decides on each entry (run, not loaded); with
 * notifications if they can be had here. */
static void decisions(bool notify)
{
	const uint64_t rw = PROT_READ | PROT_WRITE, cwd = (uint64_t)(int64_t)AT_FDCWD;
	const struct sc_desc *d;
	struct sr_error *err = NULL;
	struct filter_prog p = { 0 }, q = { 0 };
	int r = filter_compile(false, false, false, NULL, &p, &err);

	ok(r == 0, "a program without notifications, to run here");
	if (r < 0)
		return;
	for (int a = 0; a < FILTER_ARCH_COUNT; a++) {
		const char *an[] = { "x86_64", "i386", "x32" };

		ok(verdict(&p, a, "openat", cwd, 0, O_WRONLY, 0) == SECCOMP_RET_TRACE,
		   "%s: a writing openat stops", an[a]);
		ok(verdict(&p, a, "getpid", 0, 0, 0, 0) == SECCOMP_RET_ALLOW,
		   "%s: getpid runs", an[a]);
		ok(verdict(&p, a, "clone3", 0, 0, 0, 0) == (SECCOMP_RET_ERRNO | ENOSYS),
		   "%s: clone3 fails with ENOSYS", an[a]);
		ok(verdict(&p, a, a == FILTER_ARCH_I386 ? "mmap2" : "mmap", 0, 4096, rw,
			   MAP_SHARED) == SECCOMP_RET_TRACE,
		   "%s: a shared writable mapping stops", an[a]);
		ok(verdict(&p, a, a == FILTER_ARCH_I386 ? "mmap2" : "mmap", 0, 4096, rw,
			   MAP_PRIVATE) == SECCOMP_RET_ALLOW,
		   "%s: a private one runs", an[a]);
		ok(verdict(&p, a, "seccomp", SECCOMP_SET_MODE_FILTER,
			   SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC, 0, 0) ==
		   SECCOMP_RET_TRACE, "%s: a filter with a listener of its own stops", an[a]);
		ok(verdict(&p, a, "seccomp", SECCOMP_SET_MODE_FILTER, 0, 0, 0) ==
		   SECCOMP_RET_ALLOW, "%s: one without runs", an[a]);
	}
	ok(verdict(&p, FILTER_ARCH_I386, "open", 0, O_RDONLY, 0, 0) == SECCOMP_RET_TRACE,
	   "i386: open stops");
	ok(filter_resolve(FILTER_ARCH_I386, "mmap") == 90 &&
	   verdict(&p, FILTER_ARCH_I386, "mmap", 0x1000, 0, 0, 0) == SECCOMP_RET_TRACE,
	   "i386: the old mmap (90), its arguments in memory, stops whatever its registers");
	filter_prog_free(&p);
	if (notify) {
		r = filter_compile(false, true, true, NULL, &q, &err);
		ok(r == 0 && verdict(&q, FILTER_ARCH_I386, "mmap", 0, 0, 0, 0) == SECCOMP_RET_TRACE &&
		   verdict(&q, FILTER_ARCH_X86_64, "close", 3, 0, 0, 0) == SECCOMP_RET_USER_NOTIF,
		   "with the trampoline's prefix and notifications: the same, close a notification");
		filter_prog_free(&q);
	} else {
		ok(1, "# SKIP libseccomp finds no notifications here (valgrind?)");
	}
	sr_error_free(err);

	sc_init();
	d = sc_lookup(AUDIT_ARCH_X86_64, filter_resolve(FILTER_ARCH_X86_64, "fanotify_mark"));
	ok(d && d->dirfd == 3 && d->path == 4, "x86_64 fanotify_mark: dirfd 3, path 4");
	d = sc_lookup(AUDIT_ARCH_I386, filter_resolve(FILTER_ARCH_I386, "fanotify_mark"));
	ok(d && d->dirfd == 4 && d->path == 5,
	   "i386 fanotify_mark: dirfd 4, path 5 (its mask is two arguments there)");
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
	decisions(notify && can);
	return done_testing();
}
