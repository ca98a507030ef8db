// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/floor: the floor under any ptrace recorder.
 *
 *   floor COMMAND [ARG]...
 *
 * Runs COMMAND and follows every process it starts, as a recorder must
 * (fork, vfork, clone, exec and exit events, each new child's first
 * stop, signals passed on unchanged), and stops at no syscall: what
 * ptrace costs a build before anything is recorded.  sandrun takes these
 * stops too, and its recording's on top.  Exits as COMMAND did (128 + the
 * signal that killed it); 125 if it cannot start it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPTIONS (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
		 PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)

/* the pids seen stopped since they started (a new child's first stop
 * is its SIGSTOP, not the build's; pid_max is at most 2^22) */
static uint8_t seen[(1 << 22) / 8];

static bool first_stop(pid_t pid)
{
	unsigned i = (unsigned)pid & ((1u << 22) - 1);
	bool first = !(seen[i / 8] & (1u << (i % 8)));

	seen[i / 8] |= (uint8_t)(1u << (i % 8));
	return first;
}

static void gone(pid_t pid)
{
	unsigned i = (unsigned)pid & ((1u << 22) - 1);

	seen[i / 8] &= (uint8_t)~(1u << (i % 8));
}

int main(int argc, char **argv)
{
	int status, ret = 125;
	pid_t child, pid;

	if (argc < 2) {
		fprintf(stderr, "usage: floor COMMAND [ARG]...\n");
		return 125;
	}
	child = fork();
	if (child < 0) {
		perror("floor: fork");
		return 125;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0 || raise(SIGSTOP) != 0)
			_exit(125);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status) ||
	    ptrace(PTRACE_SETOPTIONS, child, 0, OPTIONS) < 0) {
		perror("floor: cannot trace the command");
		kill(child, SIGKILL);
		return 125;
	}
	first_stop(child);
	ptrace(PTRACE_CONT, child, 0, 0);
	for (;;) {
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;	/* ECHILD: all gone */
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			gone(pid);
			if (pid == child)
				ret = WIFEXITED(status) ? WEXITSTATUS(status) :
							  128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (status >> 16 || (WSTOPSIG(status) == SIGSTOP && first_stop(pid)))
			ptrace(PTRACE_CONT, pid, 0, 0);	/* an event, or a child's start */
		else
			ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status));
	}
	return ret;
}
