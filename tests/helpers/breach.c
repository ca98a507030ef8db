// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * breach: tries what a hermetic policy must stop, for the policy tests.
 *   breach tcp PORT            listen on 127.0.0.1:PORT and connect to it
 *   breach udp PORT            send a datagram to 127.0.0.1:PORT and read it
 *   breach io_uring PATH       open and read PATH through io_uring (no libc
 *                              open: an IORING_OP_OPENAT)
 *   breach int80 PATH          open and read PATH through the 32-bit int 0x80
 *   breach udp-msg PORT        the same with sendmsg
 *   breach unix-serve PATH     listen on the unix socket PATH, for one client
 *   breach unix PATH           connect to the unix socket PATH
 *   breach memfd-exec FILE     copy FILE into a memfd and execveat it
 *   breach pokemem             write a child's memory through /proc/PID/mem
 *                              (and open its own /proc/self/mem); prints
 *                              what the child then holds
 *   breach race GOOD BAD LINK N
 *                              a thread swaps LINK between GOOD and BAD while
 *                              the main thread opens and reads LINK N times
 * Each prints what it got: the data read, or the errno name of the step
 * that failed (so a test can tell "denied" from "broken").
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *step)
{
	printf("%s: %s\n", step, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	return 1;
}

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_port = htons((unsigned short)atoi(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int tcp(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("bind");
	if (listen(l, 1) < 0)
		return fail("listen");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("connect");
	printf("tcp connected\n");
	return 0;
}

static int udp(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[16] = { 0 };

	if (bind(r, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("bind");
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)) != 4)
		return fail("sendto");
	if (recv(r, buf, sizeof(buf) - 1, 0) < 0)
		return fail("recv");
	printf("udp received %s\n", buf);
	return 0;
}

static int udp_msg(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	struct iovec iov = { .iov_base = "ping", .iov_len = 4 };
	struct msghdr m = { .msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	char buf[16] = { 0 };

	if (bind(r, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("bind");
	if (sendmsg(s, &m, 0) != 4)
		return fail("sendmsg");
	if (recv(r, buf, sizeof(buf) - 1, 0) < 0)
		return fail("recv");
	printf("udp-msg received %s\n", buf);
	return 0;
}

static int unix_sock(const char *path, bool serve)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c;

	strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
	if (serve) {
		unlink(path);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
			return fail("bind");
		printf("listening\n");
		c = accept(s, NULL, NULL);
		if (c >= 0 && write(c, "host", 4) == 4)
			return 0;
		return 1;
	}
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("connect");
	printf("unix connected\n");
	return 0;
}

static int memfd_exec(const char *file)
{
	char buf[65536];
	int in = open(file, O_RDONLY), fd = memfd_create("payload", 0);
	ssize_t n;
	char *argv[] = { "payload", NULL }, *envp[] = { NULL };

	if (in < 0 || fd < 0)
		return fail("memfd_create");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return fail("write");
	syscall(__NR_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	return fail("execveat");
}

static int uring(const char *path)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_mask;
	char *sq, *cq, buf[64] = { 0 };
	int fd = (int)syscall(__NR_io_uring_setup, 4, &p), res;

	if (fd < 0)
		return fail("io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return fail("mmap");
	sq_tail = (unsigned *)(sq + p.sq_off.tail);
	sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	sq_array = (unsigned *)(sq + p.sq_off.array);
	cq_head = (unsigned *)(cq + p.cq_off.head);
	cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (unsigned long)path;
	sqes[0].open_flags = O_RDONLY;
	sq_array[*sq_tail & *sq_mask] = 0;
	atomic_store_explicit((_Atomic unsigned *)sq_tail, *sq_tail + 1, memory_order_release);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return fail("io_uring_enter");
	res = cqes[*cq_head & *cq_mask].res;
	if (res < 0) {
		errno = -res;
		return fail("IORING_OP_OPENAT");
	}
	if (read(res, buf, sizeof(buf) - 1) < 0)
		return fail("read");
	printf("io_uring read %s\n", buf);
	return 0;
}

static int int80(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		long fd;
		char buf[64] = { 0 };

		/* i386 open(path, O_RDONLY): eax 5; the path must be below 4 GiB */
		char *low = mmap((void *)0x10000, 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (low == MAP_FAILED)
			_exit(fail("mmap"));
		strncpy(low, path, 4095);
		__asm__ volatile("int $0x80" : "=a"(fd) : "a"(5), "b"(low), "c"(0) : "memory");
		if (fd < 0) {
			errno = (int)-fd;
			_exit(fail("int80 open"));
		}
		if (read((int)fd, buf, sizeof(buf) - 1) < 0)
			_exit(fail("read"));
		printf("int80 read %s\n", buf);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0)
		return fail("waitpid");
	if (WIFSIGNALED(st)) {
		printf("int80 unsupported (%s)\n", sigabbrev_np(WTERMSIG(st)));
		return 3;
	}
	return WEXITSTATUS(st);
}

static const char *good, *bad, *link_path;
static atomic_bool stop;

static void *swapper(void *arg)
{
	char tmp[4096];

	(void)arg;
	snprintf(tmp, sizeof(tmp), "%s.tmp", link_path);
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		unlink(tmp);
		if (symlink(i & 1 ? bad : good, tmp) == 0)
			rename(tmp, link_path);
	}
	return NULL;
}

static int race(int n)
{
	pthread_t t;
	int got_bad = 0, got_good = 0, denied = 0;
	char want_bad[64] = { 0 };
	int bfd = open(bad, O_RDONLY);

	/* what BAD holds (when we may read it directly) */
	if (bfd >= 0) {
		if (read(bfd, want_bad, sizeof(want_bad) - 1) < 0)
			want_bad[0] = '\0';
		close(bfd);
	}
	symlink(good, link_path);
	pthread_create(&t, NULL, swapper, NULL);
	for (int i = 0; i < n; i++) {
		char buf[64] = { 0 };
		int fd = open(link_path, O_RDONLY);

		if (fd < 0) {
			denied += errno == EACCES;
			continue;
		}
		if (read(fd, buf, sizeof(buf) - 1) > 0) {
			if (!strncmp(buf, "good", 4))
				got_good++;
			else
				got_bad++;
		}
		close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("race good=%d bad=%d denied=%d\n", got_good, got_bad, denied);
	return 0;
}

static char poked[16] = "original";

static int pokemem(void)
{
	char path[64], x;
	int p[2], fd, self;
	pid_t c;

	if (pipe(p) < 0)
		return fail("pipe");
	c = fork();
	if (c < 0)
		return fail("fork");
	if (!c) {
		if (read(p[0], &x, 1) != 1)
			_exit(1);
		printf("%s\n", poked);
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)c);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open");
	else if (pwrite(fd, "changed", 8, (off_t)(uintptr_t)poked) != 8)
		fail("pwrite");
	if (write(p[1], "x", 1) != 1)
		return fail("write");
	waitpid(c, NULL, 0);
	self = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (self < 0)
		return fail("open self");
	close(self);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "tcp"))
		return tcp(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "udp"))
		return udp(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "udp-msg"))
		return udp_msg(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "unix-serve"))
		return unix_sock(argv[2], true);
	if (argc == 3 && !strcmp(argv[1], "unix"))
		return unix_sock(argv[2], false);
	if (argc == 3 && !strcmp(argv[1], "memfd-exec"))
		return memfd_exec(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "io_uring"))
		return uring(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "int80"))
		return int80(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "pokemem"))
		return pokemem();
	if (argc == 6 && !strcmp(argv[1], "race")) {
		good = argv[2];
		bad = argv[3];
		link_path = argv[4];
		return race(atoi(argv[5]));
	}
	fprintf(stderr, "usage: breach tcp|udp|udp-msg PORT | io_uring|int80|unix|"
		"unix-serve|memfd-exec PATH | pokemem | race GOOD BAD LINK N\n");
	return 2;
}
