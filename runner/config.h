/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "lib/digest.h"
#include "lib/util.h"
#include "runner/plan.h"
#include "tracer/filter.h"
#include "tracer/inproc.h"
#include "tracer/lock.h"
#include "tracer/tracer.h"

enum net_mode {
	NET_LOOPBACK,	/* empty network namespace, loopback up (default) */
	NET_NONE,	/* empty network namespace, loopback down */
	NET_HOST,	/* the host's network namespace */
};

struct policy;

/* What a run found beside the command's status (filled by launch_run). */
struct violation;
struct run_outcome {
	unsigned long violations;
	struct violation *vlist;	/* the first ones */
	size_t nvlist;
	bool trace_written;	/* the trace was written, or its writing failed */
	bool begun;		/* past the checks made before anything is
				 * written: a failure now leaves an
				 * incomplete trace (record_abandon) */
	struct run_meta *meta;	/* the run's metadata, written once its
				 * verdict is known (launch_meta_write) */
};

/* One run's whole configuration: built once from argv, then const. */
struct run_config {
	char **argv;		/* the command; borrowed from main's argv */
	char *src;		/* the source tree, absolute and resolved */
	char *cwd;		/* working directory inside the sandbox */
	char *hostname;
	char *domainname;
	char *meta_path;	/* run metadata file */
	char *trace_path;	/* the canonical trace, NULL with --no-trace */
	char *preload;		/* sandrun-rec.so on the host, bound at
				 * PRELOAD_IN_SANDBOX; NULL: every syscall
				 * is recorded by a ptrace stop */
	char *audit;		/* sandrun-audit.so on the host, bound at
				 * AUDIT_IN_SANDBOX; NULL: the loader's
				 * syscalls stop */
	bool notify;		/* close and the preload's requests are
				 * seccomp notifications (tracer/filter.h) */
	bool preload_appended;	/* LD_PRELOAD, LD_AUDIT: the build had it,
				 * and sandrun's entry went after a ':' */
	bool audit_appended;
	enum digest_algo algo;	/* content digests in the trace */
	char *digest_cache;	/* digests kept across runs, or NULL */
	size_t canon_buffer;	/* canon_opts.buffer (0: its default) */
	enum net_mode net;
	bool root;		/* map the invoker to uid 0 and keep caps */
	bool dry_run;
	bool quiet;		/* no summary at the end */
	uid_t uid, gid;		/* the invoker's, outside */
	uid_t inner_uid;	/* what the invoker is inside */
	gid_t inner_gid;
	struct strv env;	/* the command's environment, final */
	sigset_t ignored;	/* forwarded signals the invoker ignores */
	struct mount_plan plan;
	/* The mount points inside the source tree of what is not the
	 * tree's: the --tmpfs there, and the --bind there of a directory
	 * from outside it (tracer_opts.mounted) */
	struct strv mounted;
	struct output_files outputs;	/* sandrun's own log (sitecache.h) */
	struct filter_loader loader;	/* the loader's sites (filter.h) */
	struct policy *policy;	/* --policy, expanded; NULL without */
	int landlock_abi;	/* > 0: the policy's paths are Landlock rules */
	char *lock_path;	/* --lock: compare host inputs after the run */
	struct lock *lock;	/* its content, read before the run (once: a
				 * pipe cannot be read again, and the build
				 * may change the file) */
	char *report_path;	/* --report: violations and drift as JSON */
	struct run_outcome *outcome;
};

/* Where the in-process recorder is in the sandbox (a fixed name, so
 * traces do not depend on where sandrun is installed). */
#define PRELOAD_IN_SANDBOX INPROC_PRELOAD_PATH
#define AUDIT_IN_SANDBOX "/run/sandrun/audit.so"

void run_config_free(struct run_config *cfg);

#endif
