// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun run`'s command line: its --help, its options, and their
 * parsing into struct run_args and the run_config's plain fields
 * (cli_run.c makes the rest of the config from them).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/cli.h"
#include "runner/run_args.h"

static const char run_usage[] =
	"Usage: sandrun [run] [OPTION]... [--] COMMAND [ARG]...\n"
	"Run COMMAND inside fresh user, mount, pid, net, uts and ipc namespaces.\n"
	"\n"
	"The host's root is visible read-only; the source tree is read-write;\n"
	"/tmp, /var/tmp, /run, /proc and /dev are the sandbox's own.\n"
	"\n"
	"Options:\n"
	"      --src=DIR            the source tree, mounted read-write\n"
	"                           (default: the current directory)\n"
	"  -C, --chdir=DIR          working directory inside (default: the current\n"
	"                           directory)\n"
	"      --bind=SRC:DST       bind SRC over DST, read-write\n"
	"      --ro-bind=SRC:DST    bind SRC over DST, read-only\n"
	"      --tmpfs=DIR          mount a fresh tmpfs over DIR\n"
	"      --net=MODE           loopback (default: an empty network namespace\n"
	"                           with its own loopback up), none (loopback down)\n"
	"                           or host (share the host's network)\n"
	"      --root               be uid 0 inside and keep capabilities there\n"
	"      --clean-env          keep only PATH HOME USER LOGNAME TERM and set\n"
	"                           TZ=UTC LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH\n"
	"      --epoch=N            set SOURCE_DATE_EPOCH=N (default with\n"
	"                           --clean-env: the source tree's last git commit)\n"
	"      --setenv=NAME=VALUE  set a variable for the command\n"
	"      --unsetenv=NAME      remove a variable from the command's environment\n"
	"  -o, --trace=FILE         write the canonical trace to FILE (default:\n"
	"                           sandrun.trace in the current directory)\n"
	"      --no-trace           run in the sandbox without tracing\n"
	"      --no-preload         record every syscall with a ptrace stop (no\n"
	"                           in-process recording; slower, same trace)\n"
	"      --no-seccomp-notify  ptrace stops for close, close_range, the preload's\n"
	"                           requests and the calls it notifies (writing\n"
	"                           opens, mkdir, unlink, rmdir, chdir, execve) too,\n"
	"                           and exec stops for every process, not seccomp\n"
	"                           notifications\n"
	"                           (slower, same trace; for a build that loads a\n"
	"                           seccomp listener of its own, which gets EBUSY)\n"
	"      --digest=ALGO        content digests: xxh128 (default) or sha256\n"
	"      --digest-cache=FILE  the digests of unchanged files kept across runs\n"
	"                           (default: $XDG_CACHE_HOME/sandrun/digests-ALGO,\n"
	"                           or ~/.cache/sandrun/digests-ALGO)\n"
	"      --no-digest-cache    read every file for its digest each run\n"
	"      --canon-buffer=SIZE  memory for one process's events while the trace\n"
	"                           is put in order (default 1M; K, M, G suffixes):\n"
	"                           a process with more is sorted on disk\n"
	"      --meta=FILE          the run's metadata as JSON (default: the\n"
	"                           trace's name + .meta.json)\n"
	"      --policy=FILE        enforce (or audit) a hermetic-build policy:\n"
	"                           paths to read, write and execute, network,\n"
	"                           environment (docs/policy.md)\n"
	"      --lock=FILE          fail (121) when a host input differs from the\n"
	"                           lock FILE written by 'sandrun lock' (the run\n"
	"                           takes its digest algorithm)\n"
	"      --report=FILE        violations and lock drift as JSON\n"
	"  -q, --quiet              no summary at the end\n"
	"  -n, --dry-run            print the sandbox plan and exit\n"
	"  -h, --help               print this help and exit\n"
	"\n"
	"Exit status: the command's own, or 128+N when it died of signal N;\n"
	"121 a host input drifted from --lock, 122 the policy was violated,\n"
	"123 a malformed policy or lock, 124 usage error, 125 sandbox failure,\n"
	"126 command not executable, 127 command not found.  See sandrun(1).\n";

enum {
	OPT_SRC = 256,
	OPT_BIND,
	OPT_RO_BIND,
	OPT_TMPFS,
	OPT_NET,
	OPT_ROOT,
	OPT_CLEAN_ENV,
	OPT_EPOCH,
	OPT_SETENV,
	OPT_UNSETENV,
	OPT_META,
	OPT_NO_TRACE,
	OPT_NO_PRELOAD,
	OPT_NO_NOTIFY,
	OPT_DIGEST,
	OPT_DIGEST_CACHE,
	OPT_NO_DIGEST_CACHE,
	OPT_POLICY,
	OPT_LOCK,
	OPT_REPORT,
	OPT_CANON_BUFFER,
};

static const struct option run_options[] = {
	{ "src", required_argument, NULL, OPT_SRC },
	{ "chdir", required_argument, NULL, 'C' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "ro-bind", required_argument, NULL, OPT_RO_BIND },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "net", required_argument, NULL, OPT_NET },
	{ "root", no_argument, NULL, OPT_ROOT },
	{ "clean-env", no_argument, NULL, OPT_CLEAN_ENV },
	{ "epoch", required_argument, NULL, OPT_EPOCH },
	{ "setenv", required_argument, NULL, OPT_SETENV },
	{ "unsetenv", required_argument, NULL, OPT_UNSETENV },
	{ "meta", required_argument, NULL, OPT_META },
	{ "trace", required_argument, NULL, 'o' },
	{ "no-trace", no_argument, NULL, OPT_NO_TRACE },
	{ "no-preload", no_argument, NULL, OPT_NO_PRELOAD },
	{ "no-seccomp-notify", no_argument, NULL, OPT_NO_NOTIFY },
	{ "digest", required_argument, NULL, OPT_DIGEST },
	{ "digest-cache", required_argument, NULL, OPT_DIGEST_CACHE },
	{ "no-digest-cache", no_argument, NULL, OPT_NO_DIGEST_CACHE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "lock", required_argument, NULL, OPT_LOCK },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "canon-buffer", required_argument, NULL, OPT_CANON_BUFFER },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* How run is named in its usage errors: "sandrun run", or "sandrun" for
 * `sandrun [OPTION]... -- COMMAND` (its argv[0], as getopt names it). */
static const char *prog = "sandrun";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sandrun run --help' for more information.\n");
	return SR_EXIT_USAGE;
}

static int add_user_mount(struct run_args *a, enum mount_op_kind kind,
			  const char *opt, const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct user_mount *m;

	if (kind != OP_TMPFS && (!colon || colon == arg || !colon[1]))
		return usage_error("%s needs SRC:DST, not '%s'", opt, arg);
	if (kind == OP_TMPFS && arg[0] != '/')
		return usage_error("--tmpfs needs an absolute path, not '%s'", arg);
	if (kind != OP_TMPFS && colon[1] != '/')
		return usage_error("%s: the destination must be absolute, not '%s'", opt,
				   colon + 1);
	a->mounts = xrealloc(a->mounts, (a->n_mounts + 1) * sizeof(*a->mounts));
	m = &a->mounts[a->n_mounts++];
	m->kind = kind;
	if (kind == OP_TMPFS) {
		m->src = NULL;
		m->dst = xstrdup(arg);
	} else {
		m->src = strndup(arg, (size_t)(colon - arg));
		if (!m->src)
			die_oom();
		m->dst = xstrdup(colon + 1);
	}
	return 0;
}

void run_args_free(struct run_args *a)
{
	for (size_t i = 0; i < a->n_mounts; i++) {
		free(a->mounts[i].src);
		free(a->mounts[i].dst);
	}
	free(a->mounts);
	env_spec_free(&a->env);
	free(a->src);
	free(a->chdir);
	free(a->trace);
	free(a->digest_cache);
	free(a->policy);
}

/* Why an output name is none: empty, or "-" (a run's outputs are files
 * renamed into place; standard output is the command's). */
static const char *out_name_bad(const char *name)
{
	return *name ? "'-': outputs are files (renamed into place), not standard output" :
	       "an empty file name";
}

int parse_run_args(int argc, char **argv, struct run_args *a,
			  struct run_config *cfg)
{
	int c, r;
	long v;

	optind = 1;
	opterr = 1;	/* (getopt's own words: ambiguous, no argument allowed) */
	prog = argv[0];
	while ((c = getopt_long(argc, argv, "+C:o:nqh", run_options, NULL)) != -1) {
		const char *eq;

		switch (c) {
		case OPT_SRC:
			free(a->src);
			a->src = xstrdup(optarg);
			break;
		case 'C':
			free(a->chdir);
			a->chdir = xstrdup(optarg);
			break;
		case OPT_BIND:
		case OPT_RO_BIND:
		case OPT_TMPFS:
			/* (named as the option, whether its value came in the
			 * same word or the next) */
			r = add_user_mount(a, c == OPT_BIND ? OP_BIND :
					   c == OPT_RO_BIND ? OP_RO_BIND : OP_TMPFS,
					   c == OPT_BIND ? "--bind" :
					   c == OPT_RO_BIND ? "--ro-bind" : "--tmpfs", optarg);
			if (r)
				return r;
			break;
		case OPT_NET:
			a->net_given = true;
			if (!strcmp(optarg, "loopback"))
				cfg->net = NET_LOOPBACK;
			else if (!strcmp(optarg, "none"))
				cfg->net = NET_NONE;
			else if (!strcmp(optarg, "host"))
				cfg->net = NET_HOST;
			else
				return usage_error("--net: unknown mode '%s' "
						   "(loopback, none or host)", optarg);
			break;
		case OPT_ROOT:
			cfg->root = true;
			break;
		case OPT_CLEAN_ENV:
			a->env.clean = true;
			break;
		case OPT_EPOCH:
			if (parse_long(optarg, 0, LONG_MAX, &v))
				return usage_error("--epoch: not a number of "
						   "seconds: '%s'", optarg);
			/* (in command-line order with --setenv and --unsetenv;
			 * and no default from git then) */
			{
				char buf[32];

				snprintf(buf, sizeof(buf), "%ld", v);
				env_spec_add(&a->env, "SOURCE_DATE_EPOCH", buf);
			}
			a->env.epoch_given = true;
			break;
		case OPT_SETENV:
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return usage_error("--setenv needs NAME=VALUE, "
						   "not '%s'", optarg);
			{
				cleanup_free char *name =
					strndup(optarg, (size_t)(eq - optarg));

				if (!name)
					die_oom();
				env_spec_add(&a->env, name, eq + 1);
			}
			break;
		case OPT_UNSETENV:
			if (!*optarg || strchr(optarg, '='))
				return usage_error("--unsetenv needs a NAME, "
						   "not '%s'", optarg);
			env_spec_add(&a->env, optarg, NULL);
			break;
		case OPT_CANON_BUFFER:
			if (parse_size(optarg, 4096, 1L << 40, &v))
				return usage_error("--canon-buffer: not a size from 4K "
						   "to 1024G (K, M or G): '%s'", optarg);
			cfg->canon_buffer = (size_t)v;
			break;
		case OPT_META:
			if (!*optarg || !strcmp(optarg, "-"))
				return usage_error("--meta: %s", out_name_bad(optarg));
			free(cfg->meta_path);
			cfg->meta_path = xstrdup(optarg);
			break;
		case 'o':
			if (!*optarg || !strcmp(optarg, "-"))
				return usage_error("-o/--trace: %s", out_name_bad(optarg));
			free(a->trace);
			a->trace = xstrdup(optarg);
			break;
		case OPT_NO_PRELOAD:
			a->no_preload = true;
			break;
		case OPT_NO_NOTIFY:
			a->no_notify = true;
			break;
		case OPT_DIGEST_CACHE:
			if (!*optarg)
				return usage_error("--digest-cache: an empty file name");
			free(a->digest_cache);
			a->digest_cache = xstrdup(optarg);
			break;
		case OPT_NO_DIGEST_CACHE:
			a->no_digest_cache = true;
			break;
		case OPT_NO_TRACE:
			a->no_trace = true;
			break;
		case OPT_DIGEST:
			a->digest_given = true;
			if (digest_algo_parse(optarg, &cfg->algo) < 0)
				return usage_error("--digest: unknown algorithm "
						   "'%s' (xxh128 or sha256)", optarg);
			break;
		case OPT_POLICY:
			free(a->policy);
			a->policy = xstrdup(optarg);
			break;
		case OPT_LOCK:
			free(cfg->lock_path);
			cfg->lock_path = xstrdup(optarg);
			break;
		case OPT_REPORT:
			if (!*optarg || !strcmp(optarg, "-"))
				return usage_error("--report: %s", out_name_bad(optarg));
			free(cfg->report_path);
			cfg->report_path = xstrdup(optarg);
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'n':
			cfg->dry_run = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		case '?':	/* (said by getopt) */
			return cli_try_help("run");
		default:
			return usage_error("unexpected option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no command given");
	cfg->argv = &argv[optind];
	return 0;
}
