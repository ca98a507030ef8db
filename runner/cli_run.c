// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun run`: the command line (parsed in run_args.c) becomes one
 * const struct run_config, with the mount plan already laid out;
 * launch.c carries it out.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/exitcode.h"
#include "runner/cli.h"
#include "policy/policy.h"
#include "runner/config.h"
#include "runner/env.h"
#include "runner/landlock.h"
#include "runner/launch.h"
#include "runner/preflight.h"
#include "runner/record.h"
#include "runner/run_args.h"
#include "runner/sitecache.h"
#include "runner/verdict.h"
#include "tracer/lock.h"
#include "tracer/tracer.h"
#include "runner/signals.h"


/* Make a host path absolute and resolve its symlinks; it must exist. */
static int resolve_host_path(const char *opt, const char *path, char **ret,
			     struct sr_error **err)
{
	char *real = realpath(path, NULL);

	if (!real)
		return sr_error_make(err, SR_EXIT_USAGE, errno,
				     "%s: cannot resolve '%s'", opt, path);
	*ret = real;
	return 0;
}

/*
 * An enforced policy's wall around the source tree: the tree is read-only
 * but where the policy writes (each such path bound over it, read-write),
 * unless it writes the whole tree.  Landlock does not cover chmod, chown,
 * utimes or xattrs, and the tracer's check of a path races a symlink
 * swapped after it: a read-only mount refuses those whatever path reaches
 * them.  A write path of the sandbox's own scratch (/tmp, /var/tmp: $TMP)
 * that holds the tree (--src under /tmp) does not open the tree up.
 * Missing write directories are made first, as Landlock's rules would.
 */
/* Whether path, a write rule's (or what its glob matches), makes the
 * whole source tree writable: it is the tree or above it, but not in the
 * sandbox's own /tmp or /var/tmp (a tree there is bound over them):
 * policy_scratch_only. */
static bool opens_src(const struct policy *pol, const char *path, const char *src)
{
	return path_is_under(src, path) && !policy_scratch_only(pol, path);
}

static void src_read_only(const struct policy *pol, const char *src, bool dry_run,
			  struct mount_plan *p)
{
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct policy_rule *r = &pol->rules[i];
		bool all = false;
		glob_t g;

		if (!(r->access & PA_WRITE) || !r->path)
			continue;
		if (!r->glob) {
			all = opens_src(pol, r->path, src);
		} else if (glob(r->path, GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc && !all; k++)
				all = opens_src(pol, g.gl_pathv[k], src);
			globfree(&g);
		}
		if (all)
			return;
	}
	plan_add(p, OP_REMOUNT_RO, OPF_EXEC, NULL, src, 0);
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct policy_rule *r = &pol->rules[i];
		glob_t g;

		if (!(r->access & PA_WRITE) || !r->path)
			continue;
		if (!r->glob) {
			if (!path_is_under(r->path, src) || !strcmp(r->path, src))
				continue;
			/* (a dry run only shows the bind: it makes nothing) */
			if (access(r->path, F_OK) < 0 && !dry_run)
				mkdir_p(r->path);
			if (access(r->path, F_OK) == 0 || dry_run)
				plan_add(p, OP_BIND, 0, r->path, r->path, 0);
			continue;
		}
		/* (a glob: what it matches now, as for Landlock) */
		if (glob(r->path, GLOB_NOSORT, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc; k++)
				if (path_is_under(g.gl_pathv[k], src) &&
				    strcmp(g.gl_pathv[k], src))
					plan_add(p, OP_BIND, 0, g.gl_pathv[k], g.gl_pathv[k], 0);
		globfree(&g);
	}
}

/*
 * The filesystem, in the order it is built: the host root read-only, the
 * sandbox's own /tmp, /proc and /dev, then the source tree (after /tmp, so
 * a tree under /tmp is bound over the private /tmp; read-only under an
 * enforced policy but for its write paths), then the user's mounts in
 * command-line order.
 */
static int build_plan(const struct run_args *a, struct run_config *cfg,
		      struct sr_error **err)
{
	static const char *const proc_ro[] = {
		"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
		"/proc/fs",
	};
	static const char *const devices[] = {
		"null", "zero", "full", "random", "urandom", "tty",
	};
	struct mount_plan *p = &cfg->plan;

	plan_add(p, OP_ROOT, 0, "/", "/", 0);
	plan_add(p, OP_TMPFS, 0, NULL, "/tmp", 01777);
	/* Private /var/tmp; and no host sockets under /run (D-Bus, docker,
	 * systemd): a read-only mount does not stop connect(). */
	plan_add(p, OP_TMPFS, 0, NULL, "/var/tmp", 01777);
	plan_add(p, OP_TMPFS, 0, NULL, "/run", 0755);
	if (cfg->preload)
		plan_add(p, OP_RO_BIND, OPF_CREATE, cfg->preload, PRELOAD_IN_SANDBOX, 0);
	if (cfg->audit)
		plan_add(p, OP_RO_BIND, OPF_CREATE, cfg->audit, AUDIT_IN_SANDBOX, 0);
	sitecache_outputs(&cfg->outputs);
	if (!cfg->dry_run)
		sitecache_outputs_warn(cfg->src);
	if (cfg->audit) {
		struct sitecache c;
		size_t len = sitecache_make(&c, &cfg->outputs, &cfg->loader);

		if (len) {
			plan_add_file(p, INPROC_SITES_PATH, &c, len);
			for (size_t i = 0; i < c.nparts; i++) {
				plan_add_file_part(p, c.part[i].src, c.part[i].len, c.part[i].at,
						   c.part[i].loaded);
				if (c.part[i].fd >= 0)
					plan_file_part_from(p, c.part[i].fd, c.part[i].off);
			}
		}
	}
	/* (the build may not put a cache of its own there) */
	if (cfg->preload)
		plan_add(p, OP_REMOUNT_RO, OPF_EXEC, NULL, "/run/sandrun", 0);
	plan_add(p, OP_PROC, 0, NULL, "/proc", 0);
	/* As in bubblewrap: the kernel's knobs stay read-only, whoever the
	 * command is (root outside is uid 0 inside). */
	for (size_t i = 0; i < ARRAY_SIZE(proc_ro); i++)
		plan_add(p, OP_REMOUNT_RO, 0, NULL, proc_ro[i], 0);
	plan_add(p, OP_TMPFS, 0, NULL, "/dev", 0755);
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		cleanup_free char *d = xasprintf("/dev/%s", devices[i]);

		plan_add(p, OP_DEV_BIND, OPF_CREATE, d, d, 0);
	}
	plan_add(p, OP_DEVPTS, OPF_CREATE, NULL, "/dev/pts", 0);
	plan_add(p, OP_SYMLINK, 0, "pts/ptmx", "/dev/ptmx", 0);
	plan_add(p, OP_TMPFS, OPF_CREATE, NULL, "/dev/shm", 01777);
	plan_add(p, OP_SYMLINK, 0, "/proc/self/fd", "/dev/fd", 0);
	plan_add(p, OP_SYMLINK, 0, "/proc/self/fd/0", "/dev/stdin", 0);
	plan_add(p, OP_SYMLINK, 0, "/proc/self/fd/1", "/dev/stdout", 0);
	plan_add(p, OP_SYMLINK, 0, "/proc/self/fd/2", "/dev/stderr", 0);
	plan_add(p, OP_BIND, OPF_CREATE | OPF_SRC_TREE, cfg->src, cfg->src, 0);
	if (cfg->policy && cfg->policy->mode == POLICY_ENFORCE)
		src_read_only(cfg->policy, cfg->src, cfg->dry_run, p);

	for (size_t i = 0; i < a->n_mounts; i++) {
		const struct user_mount *m = &a->mounts[i];
		cleanup_free char *src = NULL;

		if (m->kind != OP_TMPFS &&
		    resolve_host_path(m->kind == OP_BIND ? "--bind" : "--ro-bind",
				      m->src, &src, err))
			return -1;
		plan_add(p, m->kind, 0, src, m->dst, m->kind == OP_TMPFS ? 0755 : 0);
		/* (as mounted: normalized; a bind of a tree path, over itself
		 * as a policy's write paths are or elsewhere in the tree, is
		 * the tree's) */
		{
			const char *dst = p->ops[p->n - 1].dst;

			if (path_is_under(dst, cfg->src) &&
			    (m->kind == OP_TMPFS ||
			     (m->kind == OP_BIND && !path_is_under(src, cfg->src))))
				strv_push(&cfg->mounted, xstrdup(dst));
		}
	}
	return 0;
}

static bool kept(const struct policy *p, const char *entry)
{
	size_t n = strcspn(entry, "=");

	for (size_t i = 0; i < p->env_keep.n; i++)
		if (!strcmp(p->env_keep.v[i], "*") ||
		    (strlen(p->env_keep.v[i]) == n && !strncmp(p->env_keep.v[i], entry, n)))
			return true;
	return false;
}

/*
 * A rule in the source tree must name real directories: a symlink there
 * (the repository's, or one a previous build left) would widen the
 * Landlock rule to wherever it points.
 */
static int check_real_paths(const struct policy *p, const char *src, struct sr_error **err)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		char *pre, *real, *slash;
		struct stat st;
		int bad;

		if (!r->path || !path_is_under(r->path, src))
			continue;
		pre = policy_rule_base(r);
		while (lstat(pre, &st) < 0 && (slash = strrchr(pre, '/')) && slash != pre)
			*slash = '\0';
		real = realpath(pre, NULL);
		bad = real && strcmp(real, pre);
		if (bad)
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%u: '%s' leads through a "
				      "symlink in the source tree (%s is %s): name the real "
				      "path", p->file, r->line, r->pattern, pre, real);
		free(pre);
		free(real);
		if (bad)
			return -1;
	}
	return 0;
}

/*
 * --policy: its network (audit mode keeps loopback up, so what it would
 * deny happens and is reported), its environment (only the kept names,
 * then its sets, then the command line's), its paths with the run's roots,
 * and Landlock where the kernel has it.
 */
static int apply_policy(const struct run_args *a, struct run_config *cfg,
			const struct env_spec *cli, struct sr_error **err)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	const char *home = getenv("HOME");

	if (policy_load(a->policy, p, err) < 0) {
		free(p);
		return -1;
	}
	cfg->policy = p;
	policy_expand(p, cfg->src, home && home[0] == '/' ? home : NULL, "/tmp");
	if (check_real_paths(p, cfg->src, err) < 0)
		return -1;
	if (p->net != PNET_UNSET && !a->net_given)
		cfg->net = p->net == PNET_HOST ? NET_HOST :
			   p->net == PNET_NONE && p->mode == POLICY_ENFORCE ? NET_NONE :
			   NET_LOOPBACK;
	if (p->env_rules) {
		struct env_spec spec = { .clean = cli->clean, .have_epoch = cli->have_epoch,
					 .epoch = cli->epoch };
		struct strv host = { 0 };

		static char *none[] = { NULL };

		for (char **e = environ; *e; e++)
			if (kept(p, *e))
				strv_push(&host, xstrdup(*e));
		for (size_t i = 0; i < p->env_set.n; i++) {
			const char *eq = strchr(p->env_set.v[i], '=');
			char *name = strndup(p->env_set.v[i], (size_t)(eq - p->env_set.v[i]));

			if (!name)
				die_oom();
			env_spec_add(&spec, name, eq + 1);
			free(name);
		}
		for (size_t i = 0; i < cli->n_edits; i++)
			env_spec_add(&spec, cli->edits[i].name, cli->edits[i].value);
		env_build(&spec, host.v ? host.v : none, &cfg->env);
		env_spec_free(&spec);
		strv_free(&host);
	}
	cfg->landlock_abi = p->mode == POLICY_ENFORCE ? landlock_abi() : 0;
	for (size_t i = 0; i < p->nrules && p->mode == POLICY_ENFORCE; i++)
		if (p->rules[i].glob && (p->rules[i].access & PA_WRITE))
			fprintf(stderr, "sandrun: warning: %s:%u: the walls let the build write "
				"what '%s' matches now, and refuse a name it matches made "
				"later\n", p->file, p->rules[i].line, p->rules[i].pattern);
	if (p->mode == POLICY_ENFORCE && !cfg->landlock_abi)
		fprintf(stderr, "sandrun: warning: this kernel has no Landlock: the policy "
			"is enforced by the tracer alone (a process that opens a "
			"forbidden file through a swapped symlink is killed)\n");
	return 0;
}

/* var (LD_PRELOAD, LD_AUDIT) in the build's environment with word last,
 * after ':' and any list of the build's own (even an empty one: the
 * tracer takes ":word" off again, tracer/decode.c's env_hide_word);
 * whether it was appended so. */
static bool env_append(struct run_config *cfg, const char *var, const char *word)
{
	size_t n = strlen(var);
	const char *old = NULL;

	for (size_t i = 0; i < cfg->env.n; i++)
		if (!strncmp(cfg->env.v[i], var, n) && cfg->env.v[i][n] == '=')
			old = cfg->env.v[i] + n + 1;
	if (old) {
		cleanup_free char *v = xasprintf("%s:%s", old, word);

		env_put(&cfg->env, var, v);
	} else {
		env_put(&cfg->env, var, word);
	}
	return old != NULL;
}

#ifndef SANDRUN_LIBDIR
#define SANDRUN_LIBDIR "/usr/local/lib/sandrun"
#endif

/*
 * The in-process recorder, next to the binary (the build tree), in
 * ../lib/sandrun (installed) or in the LIBDIR it was built for; without
 * it every syscall stops, as with --no-preload, and run says so.  The
 * build finds it in LD_PRELOAD, after any preload of its own (fakeroot's
 * stat wrappers must see the real calls), and its part in the loader in
 * LD_AUDIT, after any audit module of its own.
 */
static void use_preload(struct run_config *cfg)
{
	cleanup_free char *exe = realpath("/proc/self/exe", NULL);
	char *slash = exe ? strrchr(exe, '/') : NULL;

	if (slash)
		*slash = '\0';
	for (int i = slash ? 0 : 2; i < 3 && !cfg->preload; i++) {
		cleanup_free char *dir = i == 0 ? xstrdup(exe) : i == 1 ?
			xasprintf("%s/../lib/sandrun", exe) : xstrdup(SANDRUN_LIBDIR);
		cleanup_free char *so = xasprintf("%s/sandrun-rec.so", dir);
		cleanup_free char *audit = xasprintf("%s/sandrun-audit.so", dir);

		cfg->preload = realpath(so, NULL);
		if (cfg->preload)
			cfg->audit = realpath(audit, NULL);
	}
	if (!cfg->preload) {
		fprintf(stderr, "sandrun: warning: no sandrun-rec.so next to sandrun, in "
			"../lib/sandrun or in %s: every recorded syscall stops, as with "
			"--no-preload (slower)\n", SANDRUN_LIBDIR);
		return;
	}
	cfg->preload_appended = env_append(cfg, "LD_PRELOAD", PRELOAD_IN_SANDBOX);
	if (cfg->audit)
		cfg->audit_appended = env_append(cfg, "LD_AUDIT", AUDIT_IN_SANDBOX);
}

/* Whether dir (made lexically absolute, its links resolved as far as it
 * exists) is in the source tree src. */
static bool in_tree(const char *dir, const char *src)
{
	cleanup_free char *norm = path_normalize(dir);
	cleanup_free char *real = realpath(norm, NULL);

	return path_is_under(real ? real : norm, src);
}

/* The digest cache: FILE as given (relative to here), else under
 * $XDG_CACHE_HOME, else under ~/.cache when the home is a directory of
 * our own (not one sudo -E kept: root would make a cache there its user
 * cannot write); NULL if none.  Not by default in the source tree src (a
 * home that is the tree, in a CI job): the run would leave a file there
 * that no process of the build made. */
static char *digest_cache_path(const char *file, const char *here, const char *src,
			       enum digest_algo algo)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *in = NULL;
	struct stat st;

	if (file)
		return file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", here, file);
	if (xdg && xdg[0] == '/')
		in = in_tree(xdg, src) ? xdg : NULL;
	else if (home && home[0] == '/' && stat(home, &st) == 0 && S_ISDIR(st.st_mode) &&
		 st.st_uid == geteuid())
		in = in_tree(home, src) ? home : NULL;
	else
		return NULL;
	if (in) {
		fprintf(stderr, "sandrun: warning: no digest cache: its place, in %s, is in "
			"the source tree (--digest-cache=FILE keeps one elsewhere)\n", in);
		return NULL;
	}
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/sandrun/digests-%s", xdg, digest_algo_name(algo));
	return xasprintf("%s/.cache/sandrun/digests-%s", home, digest_algo_name(algo));
}

static int build_config(const struct run_args *a, struct run_config *cfg,
			struct sr_error **err)
{
	cleanup_free char *here = getcwd(NULL, 0);
	struct env_spec env = a->env;
	struct stat st;

	if (!here)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot get the current directory");
	if (resolve_host_path("--src", a->src ? a->src : here, &cfg->src, err))
		return -1;
	if (stat(cfg->src, &st) == 0 && !S_ISDIR(st.st_mode))
		return sr_error_make(err, SR_EXIT_USAGE, 0, "--src: '%s' is not a directory",
				     cfg->src);
	/* Binding / read-write would undo the read-only root. */
	if (!strcmp(cfg->src, "/"))
		return sr_error_make(err, SR_EXIT_USAGE, 0,
				     "refusing '/' as the source tree (it would "
				     "make the whole host writable); use --src=DIR");
	if (a->chdir) {
		cleanup_free char *abs = a->chdir[0] == '/' ? xstrdup(a->chdir) :
			xasprintf("%s/%s", here, a->chdir);

		cfg->cwd = path_normalize(abs);
	} else if (a->src && !path_is_under(here, cfg->src)) {
		cfg->cwd = xstrdup(cfg->src);
	} else {
		cfg->cwd = xstrdup(here);
	}
	if (!a->no_trace) {
		cleanup_free char *t = xstrdup(a->trace ? a->trace : "sandrun.trace");

		cfg->trace_path = t[0] == '/' ? xstrdup(t) : xasprintf("%s/%s", here, t);
		if (!cfg->meta_path)
			cfg->meta_path = xasprintf("%s.meta.json", cfg->trace_path);
		/* A lock that cannot be read fails now, not after the build
		 * (the verdict compares what was read now: a pipe cannot be
		 * read twice, and the build may change the file); its
		 * digests are the run's, which --digest cannot make others
		 * (none would compare). */
		if (cfg->lock_path) {
			enum digest_algo la;

			cfg->lock = xcalloc(1, sizeof(*cfg->lock));
			if (lock_read(cfg->lock_path, cfg->lock, err) < 0)
				return -1;
			la = digest_algo_parse(cfg->lock->digest, &la) < 0 ? cfg->algo : la;
			if (a->digest_given && la != cfg->algo)
				return sr_error_make(err, SR_EXIT_USAGE, 0, "--digest=%s: the lock "
						     "'%s' has %s digests", digest_algo_name(cfg->algo),
						     cfg->lock_path, digest_algo_name(la));
			cfg->algo = la;
		}
		if (!a->no_digest_cache)
			cfg->digest_cache = digest_cache_path(a->digest_cache, here, cfg->src,
							      cfg->algo);
	}
	ignored_forwarded(&cfg->ignored);
	cfg->hostname = xstrdup("sandrun");
	cfg->domainname = xstrdup("(none)");
	cfg->uid = getuid();
	cfg->gid = getgid();
	cfg->inner_uid = cfg->root ? 0 : cfg->uid;
	cfg->inner_gid = cfg->root ? 0 : cfg->gid;
	if (env.clean && !env.epoch_given) {
		long long e = env_git_epoch(cfg->src);

		if (e >= 0) {
			env.have_epoch = true;
			env.epoch = e;
		}
	}
	if (a->policy && apply_policy(a, cfg, &env, err) < 0)
		return -1;
	if ((a->policy || cfg->lock_path) && !cfg->trace_path)
		return sr_error_make(err, SR_EXIT_USAGE, 0, "%s needs the tracer: drop "
				     "--no-trace", a->policy ? "--policy" : "--lock");
	if (a->trace && !cfg->trace_path)
		fprintf(stderr, "sandrun: warning: --no-trace: no trace is written to '%s'\n",
			a->trace);
	/* (a report says what a policy or a lock found: nothing without) */
	if (cfg->report_path && !a->policy && !cfg->lock_path)
		return sr_error_make(err, SR_EXIT_USAGE, 0, "--report needs --policy or "
				     "--lock: there is nothing else to report");
	if (!cfg->policy || !cfg->policy->env_rules)
		env_build(&env, environ, &cfg->env);
	/* A policy's checks at each open need the stop: no preload then. */
	if (cfg->trace_path && !cfg->policy && !a->no_preload)
		use_preload(cfg);
	cfg->notify = cfg->trace_path && !a->no_notify;
	return build_plan(a, cfg, err);
}

void run_config_free(struct run_config *cfg)
{
	free(cfg->digest_cache);
	free(cfg->src);
	free(cfg->cwd);
	free(cfg->hostname);
	free(cfg->domainname);
	free(cfg->meta_path);
	free(cfg->trace_path);
	free(cfg->preload);
	free(cfg->audit);
	strv_free(&cfg->env);
	plan_free(&cfg->plan);
	strv_free(&cfg->mounted);
	if (cfg->policy) {
		policy_free(cfg->policy);
		free(cfg->policy);
	}
	free(cfg->lock_path);
	if (cfg->lock)
		lock_free(cfg->lock);
	free(cfg->lock);
	free(cfg->report_path);
}

int cmd_run(int argc, char **argv)
{
	struct run_config cfg = { .net = NET_LOOPBACK };
	struct run_outcome outcome = { 0 };
	struct run_args args = { 0 };
	struct sr_error *err = NULL;
	int r, status = SR_EXIT_FAILURE;

	r = parse_run_args(argc, argv, &args, &cfg);
	if (r) {
		status = r < 0 ? SR_EXIT_OK : r;
		goto out;
	}
	/* (a usage error found there, as --src's missing directory: its
	 * pointer to --help too) */
	if (build_config(&args, &cfg, &err) < 0) {
		status = sr_error_report(err);
		if (status == SR_EXIT_USAGE)
			cli_try_help("run");
		goto out;
	}
	if (cfg.dry_run) {
		launch_print_plan(&cfg, stdout);
		status = SR_EXIT_OK;
		goto out;
	}
	cfg.outcome = &outcome;
	if (policy_preflight(&cfg, &err) < 0) {
		status = sr_error_report(err);
	} else if (launch_run(&cfg, &status, &err) < 0) {
		if (outcome.begun && !outcome.trace_written)
			record_abandon(&cfg, err);
		status = sr_error_report(err);
	}
	else if (cfg.policy || cfg.lock_path)
		status = verdict(&cfg, &outcome, status);
	if (outcome.meta)
		launch_meta_write(&cfg, outcome.meta, status);
out:
	free(outcome.meta);
	violations_free(outcome.vlist, outcome.nvlist);
	run_args_free(&args);
	run_config_free(&cfg);
	return status;
}
