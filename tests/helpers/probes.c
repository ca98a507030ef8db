// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probes: calls whose results the trace must carry as the kernel gave
 * them, for the tracer tests (tests/run/trace.t, policy.t): the probes
 * beyond the stat family, and paths whose base the tracer knows only by
 * a name that may no longer name it.  Each mode prints each call's
 * result ("name=ok", "name=ERRNO"), for the test to find in the trace.
 * Run in a scratch directory: `probes MODE`, `probes setxattrat PATH`.
 */
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "tests/helpers/common.h"

/* Each call's result as the kernel gave it, "name=ok" or "name=ERRNO",
 * for the test to find in the trace. */
static void said(const char *name, long r)
{
	printf("%s=%s\n", name, r < 0 ? strerrorname_np(errno) : "ok");
}

/* The probes beyond the stat family: a path's existence told by statfs,
 * the xattr reads, inotify, name_to_handle_at, uselib and the 6.13+ and
 * 6.17+ calls by number (ENOSYS where the kernel is older); each on a
 * file there (px), one not (pm) and a dangling link (pl). */
static int m_probe_more(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[128];
	} fh = { .bytes = 128 };
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa = { 0 };
	char buf[256];
	struct statfs sf;
	int in = inotify_init1(IN_CLOEXEC), mnt;

	write_file("px", "x\n");
	must(symlink("pm", "pl") == 0, "symlink");
	xa.value = (uint64_t)(uintptr_t)buf;
	xa.size = sizeof(buf);
	said("statfs-px", statfs("px", &sf));
	said("statfs-pm", statfs("pm", &sf));
	said("getxattr-px", getxattr("px", "user.none", buf, sizeof(buf)));
	said("getxattr-pm", getxattr("pm", "user.none", buf, sizeof(buf)));
	said("lgetxattr-pl", lgetxattr("pl", "user.none", buf, sizeof(buf)));
	said("listxattr-pm", listxattr("pm", buf, sizeof(buf)));
	said("llistxattr-pl", llistxattr("pl", buf, sizeof(buf)));
	said("inotify-pl", inotify_add_watch(in, "pl", IN_MODIFY));
	said("inotify-nofollow-pl", inotify_add_watch(in, "pl", IN_MODIFY | IN_DONT_FOLLOW));
	said("handle-follow-pl", syscall(SYS_name_to_handle_at, AT_FDCWD, "pl", &fh, &mnt,
					 AT_SYMLINK_FOLLOW));
	said("uselib-pm", syscall(134, "pm"));
	said("getxattrat-pm", syscall(464, AT_FDCWD, "pm", 0, "user.none", &xa, sizeof(xa)));
	said("listxattrat-nofollow-pl", syscall(465, AT_FDCWD, "pl", AT_SYMLINK_NOFOLLOW, buf,
					       sizeof(buf)));
	said("file_getattr-pm", syscall(468, AT_FDCWD, "pm", buf, 24, 0));
	return 0;
}

/* Paths through a magic link to an fd whose file has moved since it was
 * opened: the kernel walks from the file the fd holds ("mf", renamed
 * "mf2": not a directory, not executable), which the name the tracer
 * has for the fd no longer names (found by scfuzz, seeds 1056, 1307). */
static int m_magic(void)
{
	char path[64], below[80];
	char *argv[] = { "x", NULL };
	struct stat st;
	int fd;

	write_file("mf", "not a program\n");
	fd = open("mf", O_RDONLY);
	must(fd >= 0 && rename("mf", "mf2") == 0, "mf");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(below, sizeof(below), "%s/x", path);
	said("exec-fd", execv(path, argv));
	said("exec-below-fd", execv(below, argv));
	said("stat-below-fd", stat(below, &st));
	said("lstat-below-fd", lstat(below, &st));
	return 0;
}

/* Relative paths in a cwd renamed since the chdir, a file put where it
 * was: the kernel looks in the directory, which the tracer's name of the
 * cwd no longer names (found by scfuzz, seed 1791). */
static int m_moved_cwd(void)
{
	char *argv[] = { "x", NULL };
	struct stat st;

	must(mkdir("cw", 0755) == 0 && chdir("cw") == 0, "cw");
	must(rename("../cw", "../cw2") == 0, "rename");
	write_file("../cw", "a file now\n");
	write_file("y", "y\n");
	said("stat-x", stat("x", &st));
	said("exec-x", execv("x", argv));
	said("stat-y", stat("y", &st));
	return 0;
}

/* A build that renames the directory it works in (RENAME_EXCHANGE with
 * another, then a child's rename), with a file open for writing there
 * renamed too: what it makes there afterwards, and what it wrote, are
 * named where they are, as the delta must have them. */
static int m_renamed(void)
{
	pid_t pid;
	int fd, st;

	must(mkdir("ra", 0755) == 0 && mkdir("rc", 0755) == 0 && chdir("ra") == 0, "ra");
	fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	must(fd >= 0, "f");
	must(rename("f", "g") == 0, "rename f");
	must(syscall(SYS_renameat2, AT_FDCWD, "../ra", AT_FDCWD, "../rc", RENAME_EXCHANGE) == 0,
	     "exchange");
	pid = fork();
	must(pid >= 0, "fork");
	if (pid == 0)
		_exit(rename("../rc", "../rd") == 0 ? 0 : 99);
	must(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
	write_file("h", "h\n");
	must(mkdir("e", 0755) == 0, "mkdir");
	must(write(fd, "g\n", 2) == 2 && close(fd) == 0, "g");
	return 0;
}

/* The directory a process has just gone into (its chdir's result not yet
 * read by the tracer, with the preload) renamed by another process: what
 * it makes there afterwards is named where it is. */
static int m_renamed_other(void)
{
	int go[2], done[2], fd, st;
	pid_t pid;
	char c;

	must(mkdir("oa", 0755) == 0 && mkdir("oa/in", 0755) == 0 && pipe(go) == 0 &&
	     pipe(done) == 0, "oa");
	pid = fork();
	must(pid >= 0, "fork");
	if (pid == 0) {
		must(read(go[0], &c, 1) == 1 && rename("oa", "ob") == 0 &&
		     write(done[1], "d", 1) == 1, "rename");
		_exit(read(go[0], &c, 1) == 1 ? 0 : 99);
	}
	must(chdir("oa/in") == 0 && write(go[1], "g", 1) == 1 && read(done[0], &c, 1) == 1,
	     "chdir");
	fd = open("h", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	must(fd >= 0 && write(fd, "h\n", 2) == 2 && close(fd) == 0, "h");
	must(write(go[1], "e", 1) == 1 && waitpid(pid, &st, 0) == pid && st == 0, "child");
	return 0;
}

/* Files made with O_TMPFILE: one given a name with linkat(fd, "", ...,
 * AT_EMPTY_PATH), one through /proc/self/fd/N and written after, one
 * never named.  No file of the tree is written but the two named; a
 * filesystem without O_TMPFILE exits 77. */
static int m_tmpfile(void)
{
	char path[64];
	int a = open(".", O_TMPFILE | O_WRONLY, 0644), b, c;

	if (a < 0 && (errno == EOPNOTSUPP || errno == EISDIR))
		return 77;
	b = open(".", O_TMPFILE | O_WRONLY, 0644);
	c = open(".", O_TMPFILE | O_RDWR, 0600);
	must(a >= 0 && b >= 0 && c >= 0, "O_TMPFILE");
	must(write(a, "a\n", 2) == 2 && write(b, "b\n", 2) == 2 && write(c, "c\n", 2) == 2,
	     "write");
	must(linkat(a, "", AT_FDCWD, "ta", AT_EMPTY_PATH) == 0, "linkat AT_EMPTY_PATH");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", b);
	must(linkat(AT_FDCWD, path, AT_FDCWD, "tb", AT_SYMLINK_FOLLOW) == 0, "linkat /proc");
	must(write(b, "more\n", 5) == 5, "write after");
	must(close(a) == 0 && close(b) == 0 && close(c) == 0, "close");
	return 0;
}

/* A file written through a shared mapping after its fd's close (as lld
 * and gold write their output), and one mapped privately (its changes
 * are not the file's). */
static int m_mapped(void)
{
	int fd = open("mapped", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int pfd = open("private", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *p, *q;

	must(fd >= 0 && pfd >= 0 && ftruncate(fd, 4096) == 0 && write(pfd, "p\n", 2) == 2,
	     "mapped");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, pfd, 0);
	must(p != MAP_FAILED && q != MAP_FAILED && close(fd) == 0 && close(pfd) == 0, "mmap");
	memcpy(p, "written after the close\n", 24);
	memcpy(q, "not the file's\n", 15);
	return 0;
}

/* openat2 with RESOLVE_IN_ROOT: paths below the dirfd, "/" and ".." at
 * it (each open's result printed); a kernel without openat2 exits 77. */
static int m_in_root(void)
{
	struct open_how w = { .flags = O_WRONLY | O_CREAT | O_TRUNC, .mode = 0644,
			      .resolve = RESOLVE_IN_ROOT };
	struct open_how r = { .flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT };
	int dfd = -1, fd;

	must(mkdir("ir", 0755) == 0 && (dfd = open("ir", O_RDONLY | O_DIRECTORY)) >= 0, "ir");
	fd = (int)syscall(SYS_openat2, dfd, "/made", &w, sizeof(w));
	if (fd < 0 && errno == ENOSYS)
		return 77;
	said("made", fd);
	must(fd >= 0 && write(fd, "m\n", 2) == 2 && close(fd) == 0, "write");
	said("above", syscall(SYS_openat2, dfd, "../../made", &r, sizeof(r)));
	said("missing", syscall(SYS_openat2, dfd, "/../missing", &r, sizeof(r)));
	/* links the kernel follows inside the root too: one to an absolute
	 * path (ir/mabs), one climbing out of it (ir/mup) */
	must(symlink("/mabs", "ir/labs") == 0 && mkdir("ir/in", 0755) == 0 &&
	     symlink("../../../mup", "ir/in/lup") == 0, "links");
	fd = (int)syscall(SYS_openat2, dfd, "labs", &w, sizeof(w));
	must(fd >= 0 && write(fd, "a\n", 2) == 2 && close(fd) == 0, "labs");
	fd = (int)syscall(SYS_openat2, dfd, "in/lup", &w, sizeof(w));
	must(fd >= 0 && write(fd, "u\n", 2) == 2 && close(fd) == 0, "lup");
	return 0;
}

/* Paths through the process's own magic links to its cwd and root, which
 * name what the paths below them do. */
static int m_proc_links(void)
{
	char cwd[4096], path[4200], buf[8];
	struct stat st;
	int fd;

	must(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
	fd = open("/proc/self/cwd/pa", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	must(fd >= 0 && write(fd, "a\n", 2) == 2 && close(fd) == 0, "pa");
	snprintf(path, sizeof(path), "/proc/self/root%s/pa", cwd);
	must(stat(path, &st) == 0, "stat through root");
	must(mkdir("/proc/thread-self/cwd/pd", 0755) == 0, "mkdir");
	must(rename("/proc/self/cwd/pa", "/proc/self/cwd/pd/pb") == 0, "rename");
	snprintf(path, sizeof(path), "/proc/%d/cwd/pd/pb", (int)getpid());
	fd = open(path, O_RDONLY);
	must(fd >= 0 && read(fd, buf, sizeof(buf)) == 2 && close(fd) == 0, "pb");
	return 0;
}

/* fd sent over a unix socket (SCM_RIGHTS). */
static void send_fd(int s, int fd)
{
	char c = 0, buf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &c, 1 };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	must(sendmsg(s, &m, 0) == 1, "sendmsg");
}

static int recv_fd(int s)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &c, 1 };
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	int fd;

	must(recvmsg(s, &m, 0) == 1 && CMSG_FIRSTHDR(&m), "recvmsg");
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(fd));
	return fd;
}

/* Changes through magic links that the kernel follows first: a ".."
 * after /proc/self/cwd or /dev/fd/N climbs from their targets (in sub/deep:
 * sub/mx, sub/md, sub/my); /dev/stdout is fd 1 (the file "so", opened
 * read-only, rewritten); /proc/self/fd/N of an fd received over a socket
 * is its file ("rx", rewritten).  "so" and "rx" are there before. */
static int m_magic_up(void)
{
	char path[64];
	int fd, sv[2];
	pid_t child;

	must(mkdir("sub", 0755) == 0 && mkdir("sub/deep", 0755) == 0, "mkdir");
	must(chdir("sub/deep") == 0, "chdir");
	write_file("/proc/self/cwd/../mx", "x\n");
	must(mkdir("/proc/thread-self/cwd/../md", 0755) == 0, "mkdir up");
	fd = open(".", O_RDONLY | O_DIRECTORY);
	must(fd >= 0, "open .");
	snprintf(path, sizeof(path), "/dev/fd/%d/../my", fd);
	write_file(path, "y\n");
	must(chdir("../..") == 0, "chdir back");
	/* (fd 1 is "so", read-only: the reopen by path writes it) */
	fd = open("so", O_RDONLY);
	must(fd >= 0 && dup2(fd, 1) == 1, "so on fd 1");
	write_file("/dev/stdout", "rewritten\n");
	must(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	child = fork();
	must(child >= 0, "fork");
	if (!child) {
		send_fd(sv[0], open("rx", O_PATH));
		_exit(0);
	}
	fd = recv_fd(sv[1]);
	must(waitpid(child, NULL, 0) == child, "waitpid");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	write_file(path, "received\n");
	return 0;
}

/* Each xattr change, by path, link, fd and the 6.13+ *at calls (ENOSYS
 * on an older kernel), and two that fail: a user attribute on a link
 * (EPERM) and a value too large (E2BIG).  The values differ by call:
 * the trace carries each one's digest. */
static int m_xattrs(void)
{
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa = { (uint64_t)(uintptr_t)"three", 5, 0 };
	static char big[65537];
	int fd;

	write_file("xf", "x\n");
	must(symlink("xf", "xl") == 0, "symlink");
	fd = open("xf", O_RDONLY | O_CLOEXEC);
	must(fd >= 0, "open");
	said("setxattr", setxattr("xl", "user.one", "1", 1, 0));
	said("lsetxattr", lsetxattr("xl", "user.one", "1", 1, 0));
	said("fsetxattr", fsetxattr(fd, "user.two", "22", 2, 0));
	said("setxattr-empty", setxattr("xf", "user.empty", "", 0, 0));
	said("setxattr-big", setxattr("xf", "user.big", big, sizeof(big), 0));
	said("setxattrat", syscall(463, AT_FDCWD, "xl", 0, "user.three", &xa, sizeof(xa)));
	said("removexattr", removexattr("xf", "user.one"));
	said("fremovexattr", fremovexattr(fd, "user.two"));
	said("removexattrat", syscall(466, AT_FDCWD, "xf", 0, "user.three"));
	said("lremovexattr", lremovexattr("xl", "user.none"));
	return 0;
}

/* A PATH search past three directories without the program, by a
 * process with a close-on-exec fd open for writing (ps-w) and a file
 * mapped shared and writable (ps-m): each is written once, when the
 * exec that runs goes through. */
static int m_path_search(void)
{
	int fd = open("ps-w", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int mfd = open("ps-m", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char *m;

	must(fd >= 0 && mfd >= 0 && write(fd, "w\n", 2) == 2 && ftruncate(mfd, 4096) == 0,
	     "files");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	must(m != MAP_FAILED, "mmap");
	memcpy(m, "m\n", 2);
	setenv("PATH", "/nonexistent/a:/nonexistent/b:/nonexistent/c:/usr/bin:/bin", 1);
	execlp("true", "true", (char *)NULL);
	return 1;
}

/* setxattrat (Linux 6.13) through the link at argv[2]: ENOSYS exits 77. */
static int m_setxattrat(char **argv)
{
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa = { (uint64_t)(uintptr_t)"1", 1, 0 };

	if (syscall(463, AT_FDCWD, argv[2], 0, "user.x", &xa, sizeof(xa)) == 0)
		return 0;
	return errno == ENOSYS ? 77 : 1;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } modes[] = {
		{ "probe-more", m_probe_more }, { "magic", m_magic },
		{ "moved-cwd", m_moved_cwd }, { "proc-links", m_proc_links },
		{ "renamed", m_renamed }, { "tmpfile", m_tmpfile }, { "mapped", m_mapped },
		{ "in-root", m_in_root }, { "renamed-other", m_renamed_other },
		{ "xattrs", m_xattrs }, { "path-search", m_path_search },
		{ "magic-up", m_magic_up },
	};

	if (argc == 3 && !strcmp(argv[1], "setxattrat"))
		return m_setxattrat(argv);
	for (size_t i = 0; argc == 2 && i < sizeof(modes) / sizeof(*modes); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn();
	fprintf(stderr, "usage: probes MODE | probes setxattrat PATH\n");
	return 2;
}
