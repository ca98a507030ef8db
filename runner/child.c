// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdio.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "runner/caps.h"
#include "runner/child.h"
#include "runner/landlock.h"
#include "runner/mounts.h"
#include "runner/report.h"
#include "runner/signals.h"
#include "tracer/filter.h"
#include "tracer/inproc.h"

/* Set once, before the forwarding handler is unblocked. */
static volatile pid_t command_pid;

/*
 * The command leads its own session; signal its whole group, as a
 * terminal would, falling back to the process before setsid().  A signal
 * meant to end the run (all but SIGUSR1 and SIGUSR2) is followed by
 * SIGCONT, as timeout(1) does: a stopped process keeps even a fatal
 * signal pending until it is continued, and the invoker, in another
 * session, has no job control to continue it with.
 */
static void forward_signal(int sig)
{
	int saved = errno;
	bool ends = sig != SIGUSR1 && sig != SIGUSR2;
	pid_t to = -command_pid;

	if (kill(to, sig) < 0) {
		to = command_pid;
		kill(to, sig);
	}
	if (ends)
		kill(to, SIGCONT);
	errno = saved;
}

static int loopback_up(struct sr_error **err)
{
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot query the loopback interface");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot bring the loopback interface up");
	return 0;
}

static int setup(const struct run_config *cfg, struct sr_error **err)
{
	if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0 ||
	    setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot set the hostname");
	if (cfg->net == NET_LOOPBACK && loopback_up(err) < 0)
		return -1;
	if (mounts_apply(&cfg->plan, err) < 0)
		return sr_error_wrap(err, "setting up the sandbox's mounts");
	return 0;
}

static int write_self(const char *file, const char *text)
{
	cleanup_close int fd = open(file, O_WRONLY | O_CLOEXEC);

	return fd < 0 || write_all(fd, text, strlen(text)) < 0 ? -1 : 0;
}

static int lock_mounts(const struct run_config *cfg, struct sr_error **err)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot lock the sandbox's mounts "
				     "(nested namespaces)");
	snprintf(map, sizeof(map), "%u %u 1\n", cfg->inner_uid, cfg->inner_uid);
	if (write_self("/proc/self/uid_map", map) < 0 ||
	    write_self("/proc/self/setgroups", "deny\n") < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot map the command's uid");
	snprintf(map, sizeof(map), "%u %u 1\n", cfg->inner_gid, cfg->inner_gid);
	if (write_self("/proc/self/gid_map", map) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot map the command's gid");
	return 0;
}

static int exec_status(int errnum)
{
	return errnum == ENOENT || errnum == ENOTDIR ? SR_EXIT_NOT_FOUND :
						       SR_EXIT_CANNOT_EXEC;
}

/* The command's process: the last steps before execve. */
__attribute__((noreturn))
static void exec_command(const struct run_config *cfg, const sigset_t *mask,
			 int report_fd, int filter_fd)
{
	struct sr_error *err = NULL;
	struct filter_prog made = { 0 };
	int listener = -1;

	for (size_t i = 0; i < n_forwarded_signals; i++)
		signal(forwarded_signals[i],
		       sigismember(&cfg->ignored, forwarded_signals[i]) ?
		       SIG_IGN : SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* A new session: no controlling terminal, so no TIOCSTI into the
	 * host's terminal, and no job-control signals from it. */
	setsid();
	/* pid 1 is not dumpable; we must be, to write our own id maps
	 * (execve resets it anyway). */
	prctl(PR_SET_DUMPABLE, 1);
	/* A nested user and mount namespace: the mounts built above become
	 * locked, so not even uid 0 with capabilities (--root) can make
	 * the host root writable again. */
	if (lock_mounts(cfg, &err) < 0)
		goto fail;
	/* Nothing of sandrun's but the report pipe (close-on-exec) is
	 * inherited; neither is anything the invoker left open. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	umask(022);
	if (chdir(cfg->cwd) < 0) {
		sr_error_make(&err, SR_EXIT_FAILURE, errno,
			      "cannot change to '%s' inside the sandbox",
			      cfg->cwd);
		goto fail;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sr_error_make(&err, SR_EXIT_FAILURE, errno,
			      "cannot set no_new_privs");
		goto fail;
	}
	/* No core dumps in a recorded run, nor a raised limit for them: the
	 * kernel writes a core file (into the tree, with core_pattern's
	 * default "core") without a syscall anyone could record. */
	if (cfg->trace_path && setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) < 0) {
		sr_error_make(&err, SR_EXIT_FAILURE, errno, "cannot turn core dumps off");
		goto fail;
	}
	if (!cfg->root && caps_drop_all(&err) < 0)
		goto fail;
	/* The policy's paths, enforced by the kernel from here on. */
	if (cfg->policy && cfg->landlock_abi > 0 &&
	    landlock_apply(cfg->policy, cfg->landlock_abi, &err) < 0)
		goto fail;
	/* The filter sandrun built meanwhile (launch.c), or none: it is
	 * built here then. */
	if (filter_fd >= 0 && filter_prog_recv(filter_fd, &made) < 0)
		filter_prog_free(&made);
	if (filter_fd >= 0)
		close(filter_fd);
	/* Last, so that nothing of sandrun's own is traced; from here every
	 * traced syscall stops for the tracer, which seized pid 1. */
	if (cfg->trace_path && filter_load(cfg->policy != NULL, cfg->preload != NULL,
					   cfg->audit ? &cfg->loader : NULL,
					   cfg->notify ? &listener : NULL,
					   made.insns ? &made : NULL, &err) < 0)
		goto fail;
	filter_prog_free(&made);
	/* The tracer takes the listener (pidfd_getfd) at this request's
	 * stop: nothing may be notified before (a close would wait for an
	 * answer forever).  Ours closes at the exec. */
	if (listener >= 0 &&
	    syscall(SYS_getppid, INPROC_KEY, INPROC_LISTENER, listener) != INPROC_YES) {
		sr_error_make(&err, SR_EXIT_FAILURE, 0,
			      "the tracer did not take the seccomp listener");
		report_send_error(report_fd, err);
		/* (exit_group, and a close of the listener, would be
		 * notifications nobody takes: a SIGKILL is no syscall) */
		kill(getpid(), SIGKILL);
		_exit(err->status);
	}
	/* execvp() searches the PATH of the environment it runs in. */
	environ = cfg->env.v;
	execvp(cfg->argv[0], cfg->argv);
	if (!strchr(cfg->argv[0], '/') && errno == ENOENT)
		sr_error_make(&err, SR_EXIT_NOT_FOUND, 0,
			      "command not found: '%s'", cfg->argv[0]);
	else
		sr_error_make(&err, exec_status(errno), errno,
			      "cannot execute '%s'", cfg->argv[0]);
fail:
	report_send_error(report_fd, err);
	_exit(err->status);
}

/* pid 1: start the command, reap everything, report its status. */
__attribute__((noreturn))
static void run_init(const struct run_config *cfg, const sigset_t *orig_mask,
		     int go_fd, int report_fd, int filter_fd)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	bool have_status = false;
	int status = 0;
	pid_t pid;
	char go;

	/* Off the invoker's terminal, and out of reach of ptrace and
	 * /proc/1/mem from inside, even for a command that runs as our uid. */
	setsid();
	prctl(PR_SET_DUMPABLE, 0);
	/* An ignored SIGCHLD would make the kernel reap the command. */
	signal(SIGCHLD, SIG_DFL);
	pid = fork();
	if (pid < 0) {
		struct sr_error *err = NULL;

		sr_error_make(&err, SR_EXIT_FAILURE, errno,
			      "cannot start the command");
		report_send_error(report_fd, err);
		_exit(SR_EXIT_FAILURE);
	}
	if (pid == 0)
		exec_command(cfg, orig_mask, report_fd, filter_fd);
	if (filter_fd >= 0)
		close(filter_fd);
	command_pid = pid;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n_forwarded_signals; i++)
		if (!sigismember(&cfg->ignored, forwarded_signals[i]))
			sigaction(forwarded_signals[i], &sa, NULL);
	/* Signals that came during setup were queued: forward them now. */
	sigprocmask(SIG_SETMASK, orig_mask, NULL);

	for (;;) {
		int st;
		pid_t got = waitpid(-1, &st, 0);

		if (got == pid) {
			status = st;
			have_status = true;
			break;
		}
		if (got < 0 && errno != EINTR)
			break;
	}
	/* With a recording, the tracer first has whatever is left stop at
	 * its exit (tracer/exits.c), and says so on go_fd: a byte, or EOF if
	 * sandrun is gone (a bound for a tracer that cannot tell). */
	if (cfg->trace_path) {
		struct pollfd p = { go_fd, POLLIN, 0 };
		struct timespec now, end;
		long left;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += 2;
		/* (a signal forwarded meanwhile: on waiting, to the bound) */
		do {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (end.tv_sec - now.tv_sec) * 1000 +
			       (end.tv_nsec - now.tv_nsec) / 1000000;
			r = poll(&p, 1, left > 0 ? (int)left : 0);
		} while (r < 0 && errno == EINTR);
		if (r > 0)
			(void)read_all(go_fd, &go, 1);
	}
	close(go_fd);
	/* Kill whatever is left (setsid()'d daemons included) and reap it,
	 * so that nothing writes after this: the tracer takes the run's
	 * after-state when pid 1 exits. */
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	if (!have_status) {
		struct sr_error *err = NULL;

		sr_error_make(&err, SR_EXIT_FAILURE, errno,
			      "lost the command's exit status");
		report_send_error(report_fd, err);
		_exit(SR_EXIT_FAILURE);
	}
	report_send_status(report_fd, status);
	_exit(0);
}

void sandbox_child(const struct run_config *cfg, const sigset_t *orig_mask,
		   int go_fd, int report_fd, int filter_fd)
{
	struct sr_error *err = NULL;
	char go;

	/* If sandrun dies, so does the sandbox (pid 1 takes all with it). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent writes our id maps, then one byte; EOF means it gave
	 * up (or died before PDEATHSIG was set). */
	if (read_all(go_fd, &go, 1) != 1)
		_exit(SR_EXIT_FAILURE);
	if (setup(cfg, &err) < 0) {
		report_send_error(report_fd, err);
		_exit(SR_EXIT_FAILURE);
	}
	run_init(cfg, orig_mask, go_fd, report_fd, filter_fd);
}
