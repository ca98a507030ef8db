// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parent's side of a run: clone the sandbox's pid 1 into new
 * namespaces, write its id maps, forward signals to it, wait, and turn
 * its report into sandrun's exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/outfile.h"
#include "lib/util.h"
#include "runner/child.h"
#include "runner/launch.h"
#include "runner/meta.h"
#include "runner/record.h"
#include "runner/report.h"
#include "runner/signals.h"
#include "runner/userns.h"
#include "tracer/filter.h"

static int cmp_notify(const void *a, const void *b)
{
	const struct meta_notify *x = a, *y = b;

	if (x->us != y->us)
		return x->us < y->us ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The notifications by syscall (an i386 one under its name too), the
 * most time first. */
static void notify_list(const struct tracer *t, struct run_meta *m)
{
	static const int arch[2] = { FILTER_ARCH_X86_64, FILTER_ARCH_I386 };

	m->nnotify = 0;
	for (int a = 0; a < 2; a++)
		for (int nr = 0; nr < NOTIFY_NRS; nr++) {
			const struct notify_stat *st = &t->notify_by_nr[a][nr];
			cleanup_free char *name = NULL;
			size_t i;

			if (!st->count || !(name = filter_syscall_name(arch[a], nr)))
				continue;
			for (i = 0; i < m->nnotify && strcmp(m->notify[i].name, name); i++)
				;
			if (i == m->nnotify) {
				if (i == META_NOTIFY_MAX || strlen(name) >= sizeof(m->notify[i].name))
					continue;
				snprintf(m->notify[i].name, sizeof(m->notify[i].name), "%s", name);
				m->notify[i].count = m->notify[i].us = 0;
				m->nnotify++;
			}
			m->notify[i].count += st->count;
			m->notify[i].us += st->ns;	/* (ns until the sort) */
		}
	for (size_t i = 0; i < m->nnotify; i++)
		m->notify[i].us = (m->notify[i].us + 999) / 1000;
	qsort(m->notify, m->nnotify, sizeof(*m->notify), cmp_notify);
}

/* The sandbox's pid 1, for the signal handler; 0 when there is none. */
static volatile pid_t sandbox_pid;

static void forward_signal(int sig)
{
	int saved = errno;

	if (sandbox_pid > 0)
		kill(sandbox_pid, sig);
	errno = saved;
}

static int clone_flags(const struct run_config *cfg)
{
	int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
		    CLONE_NEWIPC;

	if (cfg->net != NET_HOST)
		flags |= CLONE_NEWNET;
	return flags;
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * The seccomp filter's program, built on a thread of sandrun's while pid 1
 * sets up the sandbox and starts the command, and sent down a pipe to the
 * command's process (runner/child.c), which loads it: libseccomp takes
 * ~2.5 ms to build it on a PVM guest, which the command's process spent
 * right before its exec.  Nothing sent (a failure here): that process
 * builds it, as before.
 */
struct filter_job {
	const struct run_config *cfg;
	int fd;			/* the pipe's write end, or -1 */
	pthread_t thread;
	bool started;
};

static void *filter_job_main(void *arg)
{
	struct filter_job *j = arg;
	const struct run_config *cfg = j->cfg;
	bool notify = cfg->notify && filter_can_notify();
	struct sr_error *err = NULL;
	struct filter_prog p;
	sigset_t pipe_sig;

	/* (a command's process gone before it read: EPIPE, not a SIGPIPE
	 * for sandrun; one left pending dies with this thread) */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	if (filter_compile(cfg->policy != NULL, cfg->preload != NULL, notify,
			   notify && cfg->audit ? &cfg->loader : NULL, &p, &err) == 0) {
		(void)filter_prog_send(j->fd, &p);
		filter_prog_free(&p);
	}
	sr_error_free(err);
	close(j->fd);
	j->fd = -1;
	return NULL;
}

/* The job on fd (consumed), or fd closed if no thread can be had. */
static void filter_job_start(struct filter_job *j, const struct run_config *cfg, int fd)
{
	*j = (struct filter_job){ .cfg = cfg, .fd = fd };
	j->started = pthread_create(&j->thread, NULL, filter_job_main, j) == 0;
	if (!j->started) {
		close(fd);
		j->fd = -1;
	}
}

static void filter_job_end(struct filter_job *j)
{
	if (j->started)
		pthread_join(j->thread, NULL);
	j->started = false;
}

static int start_sandbox(const struct run_config *cfg, int report_fds[2],
			 struct recorder *rec, const sigset_t *orig_mask,
			 struct filter_job *job, pid_t *ret_pid, struct sr_error **err)
{
	cleanup_close int go_r = -1;
	cleanup_close int go_w = -1;
	cleanup_close int prog_r = -1;
	cleanup_close int prog_w = -1;
	int go[2], prog[2];
	pid_t pid = -1;

	if (pipe2(go, O_CLOEXEC) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot create a pipe");
	go_r = go[0];
	go_w = go[1];
	/* (no pipe: the command's process builds the filter itself) */
	if (rec->active && pipe2(prog, O_CLOEXEC) == 0) {
		prog_r = prog[0];
		prog_w = prog[1];
	}
	fflush(NULL);
	/* A fork-like clone: the child is pid 1 of its namespace. */
	pid = (pid_t)syscall(SYS_clone, clone_flags(cfg) | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return userns_diagnose(errno, "clone", err);
	if (pid == 0) {
		close(go_w);
		close(report_fds[0]);
		if (prog_w >= 0)
			close(prog_w);
		sandbox_child(cfg, orig_mask, go_r, report_fds[1], prog_r);
	}
	/* Trace pid 1 from the start: everything it forks is followed. */
	if ((rec->active && tracer_seize(&rec->tracer, pid, err) < 0) ||
	    userns_write_maps(pid, cfg->uid, cfg->gid, cfg->inner_uid,
			      cfg->inner_gid, err) < 0 ||
	    write_all(go_w, "g", 1) < 0) {
		if (!*err)
			sr_error_make(err, SR_EXIT_FAILURE, errno,
				      "cannot start the sandbox");
		kill_and_reap(pid);
		return -1;
	}
	/* (pid 1 waits for the tracer's word before it kills what the
	 * command left: tracer/exits.c) */
	if (rec->active) {
		rec->tracer.teardown_fd = go_w;
		go_w = -1;
	}
	if (prog_w >= 0) {
		filter_job_start(job, cfg, prog_w);
		prog_w = -1;
	}
	/* (SHA-256 made ready while the build runs: the tracer's first
	 * digest would pay for it at a stop, and the delta's checksum,
	 * SHA-256 whatever the digests are, at the run's end: ~3 ms) */
	if (rec->active)
		sha256_warm_up();
	*ret_pid = pid;
	return 0;
}

static void set_forwarding(const struct run_config *cfg, bool on)
{
	struct sigaction sa = { .sa_handler = on ? forward_signal : SIG_DFL };

	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n_forwarded_signals; i++)
		if (!sigismember(&cfg->ignored, forwarded_signals[i]))
			sigaction(forwarded_signals[i], &sa, NULL);
}

/* Collect the sandbox's report: the first error, else the status. */
static int read_reports(int fd, int *ret_wstatus, struct sr_error **err)
{
	struct report rep;
	bool have_status = false;
	int r;

	while ((r = report_recv(fd, &rep)) > 0) {
		if (rep.kind == REPORT_ERROR) {
			if (!*err)
				*err = rep.error;
			else
				sr_error_free(rep.error);
		} else {
			*ret_wstatus = rep.wstatus;
			have_status = true;
		}
	}
	if (*err)
		return -1;
	if (r < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
				     "garbled report from the sandbox");
	return have_status ? 0 : 1;
}

static int exit_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return SR_EXIT_SIGNAL_BASE + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/* The CPU time (user and system) this process has used, in seconds: the
 * tracer's threads (the notification thread's, ended, included). */
static double own_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The run's output files, each a new file renamed into place: none may
 * be a device, a pipe or a directory (as root, `-o /dev/null` would
 * replace the device), found before anything is written or removed. */
static int outputs_ok(const struct run_config *cfg, struct sr_error **err)
{
	cleanup_free char *delta = cfg->trace_path ?
				   xasprintf("%s.delta", cfg->trace_path) : NULL;
	const char *paths[] = { cfg->trace_path, delta, cfg->meta_path, cfg->report_path };

	struct outfile o;

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (paths[i] && outfile_check(paths[i], err) < 0)
			return -1;
	/* (the metadata and a report are written after the build: that
	 * their directories take a new file is known now, not then, and
	 * the trace's is tried first, to be the one named; a report that
	 * fails to be written after all yields to a violation's 122 or a
	 * drift's 121, as documented) */
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		if (!paths[i] || i == 1)	/* (the delta's is the trace's) */
			continue;
		if (outfile_open(&o, paths[i], err) < 0)
			return -1;
		outfile_abort(&o);
	}
	return 0;
}

int launch_run(const struct run_config *cfg, int *ret_status,
	       struct sr_error **err)
{
	cleanup_close int rep_r = -1;
	struct filter_job job = { .fd = -1 };
	struct recorder rec;
	struct run_meta meta;
	sigset_t block, orig;
	int fds[2], st = 0, wstatus = 0, r;
	pid_t pid = -1;

	meta_start(&meta);
	/* (refused before the run: the last run's outputs are left as
	 * they are, as for a usage error) */
	if (outputs_ok(cfg, err) < 0)
		return -1;
	if (cfg->outcome)
		cfg->outcome->begun = true;
	if (record_begin(&rec, cfg, err) < 0)
		return -1;
	/* A failed run must not leave the last run's metadata looking like
	 * its own (record_begin does the same for the delta). */
	if (cfg->meta_path && unlink(cfg->meta_path) < 0 && errno != ENOENT) {
		record_free(&rec);
		return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot remove '%s'",
				     cfg->meta_path);
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		record_free(&rec);
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot create a pipe");
	}
	rep_r = fds[0];
	/* Signals that arrive while the sandbox is set up are queued, then
	 * forwarded: none is lost. */
	forwarded_sigset(&block);
	sigprocmask(SIG_BLOCK, &block, &orig);
	signal(SIGCHLD, SIG_DFL);
	r = start_sandbox(cfg, fds, &rec, &orig, &job, &pid, err);
	close(fds[1]);
	if (r < 0) {
		sigprocmask(SIG_SETMASK, &orig, NULL);
		record_free(&rec);
		return -1;
	}
	sandbox_pid = pid;
	set_forwarding(cfg, true);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (rec.active) {
		digest_cache_load(&rec.tracer);
		r = tracer_loop(&rec.tracer, &st, err);
		filter_job_end(&job);
		digest_cache_save(&rec.tracer);
		meta.tracer_cpu_s = own_cpu_s();
	} else {
		while ((r = (int)waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
		if (r < 0)
			sr_error_make(err, SR_EXIT_FAILURE, errno,
				      "waiting for the sandbox");
	}
	sandbox_pid = 0;
	set_forwarding(cfg, false);
	if (r < 0) {
		record_free(&rec);
		return -1;
	}

	if (cfg->outcome && rec.active) {
		cfg->outcome->violations = rec.tracer.violations;
		cfg->outcome->vlist = rec.tracer.vlist;
		cfg->outcome->nvlist = rec.tracer.nvlist;
		rec.tracer.vlist = NULL;
		rec.tracer.nvlist = 0;
	}
	r = read_reports(rep_r, &wstatus, err);
	if (r == 0) {
		r = record_finish(&rec, cfg, exit_code(wstatus), err);
		if (cfg->outcome)
			cfg->outcome->trace_written = true;
	}
	if (rec.active) {
		meta.recorded = true;
		meta.events = rec.tracer.spool.count;
		meta.stops = rec.tracer.stops;
		for (int k = 0; k < STOP_KINDS; k++) {
			meta.stops_by[k] = rec.tracer.stops_by[k];
			meta.handling_us_by[k] = (rec.tracer.handling_ns[k] + 999) / 1000;
		}
		meta.in_process = rec.tracer.inproc_records;
		meta.in_process_rejected = rec.tracer.inproc_tampered;
		meta.execs_without_stop = rec.tracer.execs_seen;
		meta.exits_without_stop = rec.tracer.exits_seen;
		meta.code_through_mem = rec.tracer.mem_fds;
		meta.memory_reads = mem_reads();
		meta.forks_without_event = rec.tracer.forks_unreported;
		meta.hashed = rec.tracer.hashed;
		meta.cache_hits = rec.tracer.cache_hits;
		meta.fresh_hits = rec.tracer.fresh_hits;
		meta.write_s = rec.write_s;
		meta.canon_s = rec.canon_s;
		meta.canon_on_disk = rec.canon_on_disk;
		notify_list(&rec.tracer, &meta);
	}
	record_free(&rec);
	if (r < 0)
		return -1;
	if (r > 0) {
		/* pid 1 ended without a report: killed from outside. */
		if (WIFSIGNALED(st))
			return sr_error_make(err, SR_EXIT_FAILURE, 0,
					     "the sandbox was killed by signal "
					     "%d (%s)", WTERMSIG(st),
					     strsignal(WTERMSIG(st)));
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
				     "the sandbox ended without a status "
				     "(exit %d)", WEXITSTATUS(st));
	}
	*ret_status = exit_code(wstatus);
	meta_end(&meta, wstatus, *ret_status);
	/* (its exit_code is sandrun's: a policy's or a lock's verdict may
	 * still change it) */
	if (cfg->meta_path && cfg->outcome) {
		cfg->outcome->meta = xmalloc(sizeof(meta));
		*cfg->outcome->meta = meta;
	} else if (cfg->meta_path) {
		launch_meta_write(cfg, &meta, *ret_status);
	}
	return 0;
}

void launch_meta_write(const struct run_config *cfg, struct run_meta *meta, int status)
{
	struct sr_error *err = NULL;
	char buf[512];

	meta->exit_code = status;
	/* The build's status matters more than its metadata: warn only. */
	if (meta_write(meta, cfg, cfg->meta_path, &err) < 0) {
		fprintf(stderr, "sandrun: warning: %s\n", sr_error_text(err, buf, sizeof(buf)));
		sr_error_free(err);
	}
}

/* Print a word for a shell reader: quoted when it needs to be. */
static void print_word(FILE *f, const char *s)
{
	if (*s && !s[strcspn(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!")]) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static void print_op(FILE *f, const struct mount_op *op)
{
	fputs(plan_op_name(op->kind), f);
	if (op->src) {
		fputc(' ', f);
		print_word(f, op->src);
	}
	fputc(' ', f);
	print_word(f, op->dst);
	if (op->kind == OP_TMPFS)
		fprintf(f, " mode=%04o", op->mode);
	if (op->kind == OP_FILE)
		fprintf(f, " mode=%04o size=%zu", op->mode, plan_file_size(op));
	if (op->flags & OPF_SRC_TREE)
		fputs(" # source tree", f);
	fputc('\n', f);
}

void launch_print_plan(const struct run_config *cfg, FILE *f)
{
	static const char *const net[] = {
		[NET_LOOPBACK] = "loopback", [NET_NONE] = "none",
		[NET_HOST] = "host",
	};

	fprintf(f, "namespaces user mount pid uts ipc%s\n",
		cfg->net == NET_HOST ? "" : " net");
	if (cfg->uid == 0 && cfg->inner_uid == 0)
		fprintf(f, "uid-map 0 0 4294967295\ngid-map 0 0 4294967295\n");
	else
		fprintf(f, "uid-map %u %u 1\ngid-map %u %u 1\n", cfg->inner_uid,
			cfg->uid, cfg->inner_gid, cfg->gid);
	fputs("setgroups deny\n", f);
	fprintf(f, "hostname %s\ndomainname %s\n", cfg->hostname,
		cfg->domainname);
	fprintf(f, "network %s\n", net[cfg->net]);
	for (size_t i = 0; i < cfg->plan.n; i++)
		print_op(f, &cfg->plan.ops[i]);
	fputs("pivot-root\n", f);
	fputs("setsid\numask 0022\nchdir ", f);
	print_word(f, cfg->cwd);
	fputs("\nno-new-privs\n", f);
	if (cfg->trace_path)
		fputs("rlimit core 0 0\n", f);
	fprintf(f, "capabilities %s\n", cfg->root ? "keep" : "drop-all");
	for (size_t i = 0; i < cfg->env.n; i++) {
		fputs("env ", f);
		print_word(f, cfg->env.v[i]);
		fputc('\n', f);
	}
	fputs("exec", f);
	for (char **a = cfg->argv; *a; a++) {
		fputc(' ', f);
		print_word(f, *a);
	}
	fputc('\n', f);
}
