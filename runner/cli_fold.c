// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun fold`, `sandrun manifest`, `sandrun apply`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/mtree.h"
#include "lib/util.h"
#include "runner/cli.h"
#include "tracer/fold.h"


static const char fold_usage[] =
	"Usage: sandrun fold [--checksum] [--process=ID | --subtree=ID |\n"
	"                    --split-at=GLOB] TRACE\n"
	"Print the run's net effect on the filesystem (a delta, as mtree lines:\n"
	"every path whose state changed, with its final state; type=absent for\n"
	"a removed path).  See docs/delta-format.md.\n"
	"\n"
	"  -c, --checksum      print only the delta's SHA-256\n"
	"  -p, --process=ID    only what process ID changed (e.g. 1.2)\n"
	"  -s, --subtree=ID    what process ID and its descendants changed\n"
	"      --split-at=GLOB three deltas: before, match (processes whose exec\n"
	"                      path or argv matches GLOB, with descendants), and\n"
	"                      after (those that read what the match wrote)\n"
	"  -h, --help          print this help and exit\n"
	"\n"
	"TRACE may be zstd-compressed or a pipe; - is standard input.\n"
	"Exit status: 0; 123 for a malformed, unsupported or incomplete trace;\n"
	"124 usage error (a process the trace does not have too); 125 when the\n"
	"trace cannot be read.\n";

/* A fold's error; a process, or a --split-at GLOB, that the trace does
 * not have is a usage error, said as show says it. */
static int fold_failed(struct sr_error *err)
{
	if (err->status == SR_EXIT_USAGE) {
		int st = cli_usage("fold", "%s", err->msg);

		sr_error_free(err);
		return st;
	}
	return sr_error_report(err);
}

static int print_split(const char *trace, const char *pattern, bool checksum)
{
	struct fold_result r[PHASE_COUNT];
	struct sr_error *err = NULL;

	if (fold_split(trace, pattern, r, &err) < 0)
		return fold_failed(err);
	for (int k = 0; k < PHASE_COUNT; k++) {
		char hex[65];

		fold_checksum(&r[k], hex);
		if (checksum) {
			printf("%s  %s\n", hex, phase_names[k]);
		} else {
			printf("#phase %s processes=%lu sha256=%s\n", phase_names[k],
			       r[k].processes, hex);
			fold_write(stdout, &r[k]);
		}
		fold_free(&r[k]);
	}
	return SR_EXIT_OK;
}

int cmd_fold(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checksum", no_argument, NULL, 'c' },
		{ "process", required_argument, NULL, 'p' },
		{ "subtree", required_argument, NULL, 's' },
		{ "split-at", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sr_error *err = NULL;
	const char *scope = NULL, *split = NULL;
	struct fold_result r;
	bool checksum = false, subtree = false;
	int c;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "cp:s:h", opts, NULL)) != -1) {
		if (c == 'c') {
			checksum = true;
		} else if ((c == 'S' || c == 'p' || c == 's') && (scope || split)) {
			return cli_usage("fold", "--process, --subtree and --split-at "
					 "exclude each other");
		} else if (c == 'S') {
			split = optarg;
		} else if (c == 'p' || c == 's') {
			scope = optarg;
			subtree = c == 's';
		} else if (c == 'h') {
			fputs(fold_usage, stdout);
			return SR_EXIT_OK;
		} else {
			return cli_try_help("fold");
		}
	}
	if (optind != argc - 1)
		return cli_usage("fold", "needs exactly one TRACE");
	if (split)
		return print_split(argv[optind], split, checksum);
	if ((scope ? fold_scope(argv[optind], scope, subtree, &r, &err) :
		     fold_trace(argv[optind], &r, &err)) < 0)
		return fold_failed(err);
	if (checksum) {
		char hex[65];

		fold_checksum(&r, hex);
		printf("%s\n", hex);
	} else {
		fold_write(stdout, &r);
	}
	fold_free(&r);
	return SR_EXIT_OK;
}

/* --- manifest ------------------------------------------------------- */

static enum fs_type type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return FS_FILE;
	case S_IFDIR: return FS_DIR;
	case S_IFLNK: return FS_LINK;
	case S_IFIFO: return FS_FIFO;
	case S_IFCHR: return FS_CHAR;
	case S_IFBLK: return FS_BLOCK;
	default: return FS_SOCKET;
	}
}

/* A walk's error, naming the path as the user would: DIR/sub, not ./sub. */
static int walk_error(struct sr_error **err, const char *what, const char *top,
		      const char *rel)
{
	return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot %s '%s%s'", what, top,
			     rel + 1);
}

/* A symlink's target, or NULL (errno). */
static char *link_target(int dir, const char *name)
{
	char *buf = xmalloc(PATH_MAX);
	ssize_t n = readlinkat(dir, name, buf, PATH_MAX - 1);

	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * The entries below rel ("." at the top, the DIR named top), from fd (a
 * directory's, consumed).  One fd a level and a small frame: a tree 2,000
 * deep overflowed the stack (a PATH_MAX buffer a level), and two fds a
 * level ran out at 512.
 */
static int walk(int fd, const char *top, const char *rel, enum digest_algo algo,
		struct fslist *out, struct sr_error **err)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		walk_error(err, "read", top, rel);
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		struct fsentry e = { 0 };
		cleanup_free char *path = NULL;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = xasprintf("%s/%s", rel, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			walk_error(err, "stat", top, path);
			closedir(d);
			return -1;
		}
		e.path = mtree_escape(path);
		e.type = type_of(st.st_mode);
		e.perm = st.st_mode & 07777;
		if (e.type == FS_FILE) {
			int f = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			struct digest dg;
			char hex[2 * DIGEST_MAX + 1];

			e.size = st.st_size;
			if (f < 0 || digest_fd(algo, f, &dg) < 0) {
				walk_error(err, "read", top, path);
				if (f >= 0)
					close(f);
				fsentry_free(&e);
				closedir(d);
				return -1;
			}
			close(f);
			digest_hex(&dg, hex);
			e.digest = xstrdup(hex);
		} else if (e.type == FS_LINK) {
			/* (not "link=", which apply refuses: a link gone or
			 * replaced since its stat is an error) */
			cleanup_free char *target = link_target(dirfd(d), de->d_name);

			if (!target) {
				walk_error(err, "read the link", top, path);
				fsentry_free(&e);
				closedir(d);
				return -1;
			}
			e.target = mtree_escape(target);
		}
		fslist_push(out, &e);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				walk_error(err, "open", top, path);
				closedir(d);
				return -1;
			}
			if (walk(sub, top, path, algo, out, err) < 0) {
				closedir(d);
				return -1;
			}
		}
	}
	if (errno) {
		walk_error(err, "read", top, rel);
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

static const char manifest_usage[] =
	"Usage: sandrun manifest [--digest=ALGO] DIR\n"
	"Print a canonical manifest of the tree at DIR as mtree(5) lines:\n"
	"path (./ relative), type, mode, size, digest, symlink target; no\n"
	"times, owners or inode numbers.  Sorted bytewise by path.\n"
	"\n"
	"      --digest=ALGO  xxh128 (default, key xxh128digest) or sha256\n"
	"                     (sha256digest, as libarchive reads it)\n"
	"  -h, --help         print this help and exit\n"
	"\n"
	"Exit status: 0; 124 usage error; 125 when DIR or a file below it\n"
	"cannot be read.\n";

int cmd_manifest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "digest", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum digest_algo algo = DIGEST_XXH128;
	struct fslist l = { 0 };
	struct sr_error *err = NULL;
	struct rlimit rl;
	struct stat st;
	int c, fd;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd' && digest_algo_parse(optarg, &algo) == 0)
			continue;
		if (c == 'd')
			return cli_usage("manifest", "unknown digest '%s'", optarg);
		if (c != 'h')
			return cli_try_help("manifest");
		fputs(manifest_usage, stdout);
		return SR_EXIT_OK;
	}
	if (optind != argc - 1)
		return cli_usage("manifest", "needs exactly one DIR");
	/* (an fd a level of the walk: as deep as the hard limit allows) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "sandrun: cannot open '%s': %s\n", argv[optind], strerror(errno));
		return SR_EXIT_FAILURE;
	}
	l.algo = xstrdup(digest_algo_name(algo));
	{
		struct fsentry root = { .path = xstrdup("."), .type = FS_DIR,
					.perm = st.st_mode & 07777 };

		fslist_push(&l, &root);
	}
	if (walk(fd, argv[optind], ".", algo, &l, &err) < 0) {
		fslist_free(&l);
		return sr_error_report(err);
	}
	fslist_sort(&l);
	printf("#mtree v2.0\n#sandrun-manifest 1 digest=%s\n", l.algo);
	for (size_t i = 0; i < l.n; i++)
		mtree_write_entry(stdout, &l.v[i], l.algo);
	fslist_free(&l);
	return SR_EXIT_OK;
}

/* --- apply ---------------------------------------------------------- */

static const char apply_usage[] =
	"Usage: sandrun apply MANIFEST DELTA\n"
	"Print the manifest that results from applying the $SRC part of DELTA\n"
	"(from `sandrun fold`) to MANIFEST (from `sandrun manifest` of the\n"
	"source tree).  $SRC/x is ./x; paths under other roots, and absolute\n"
	"ones (outside the roots), are skipped.  One of them may be -, standard\n"
	"input.\n"
	"\n"
	"  -h, --help   print this help and exit\n"
	"\n"
	"Exit status: 0; 123 for a malformed input or differing digests; 124 usage\n"
	"error; 125 when an input cannot be read.\n";

/* A manifest or delta (kind) of ours, whole; "-" is standard input. */
static int read_list(const char *path, const char *kind, struct fslist *l,
		     struct sr_error **err)
{
	FILE *f = strcmp(path, "-") ? input_open(path, "", err) : stdin;
	int r;

	if (!f)
		return -1;
	r = mtree_read(f, path, l, err);
	if (f != stdin)
		fclose(f);
	if (r < 0)
		return -1;
	if (!l->kind || strcmp(l->kind, kind))
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "'%s' is not a sandrun %s (%s%s)", path, kind,
				     l->kind ? "it is a " : "it has no #sandrun- header",
				     l->kind ? l->kind : "");
	return 0;
}

/* Remove `path` and everything under it from the sorted list. */
/* The first entry of l (sorted) whose path does not sort before path. */
static size_t lower_bound(const struct fslist *l, const char *path)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Marks in gone what a delta entry for path replaces in l (sorted): the
 * entry, and with tree what is below it. */
static void mark_gone(const struct fslist *l, bool *gone, const char *path, bool tree)
{
	size_t k = lower_bound(l, path), n = strlen(path);

	if (k < l->n && !strcmp(l->v[k].path, path))
		gone[k] = true;
	if (!tree)
		return;
	/* (below it: "path/..." sort together, after "path" and after
	 * names that continue it with a byte below '/') */
	{
		char *below = xasprintf("%s/", path);

		for (k = lower_bound(l, below); k < l->n && !strncmp(l->v[k].path, below, n + 1);
		     k++)
			gone[k] = true;
		free(below);
	}
}

/* Whether l (sorted) is a tree: "." a directory, and each entry's parent
 * one; else an error naming what is not, from file (a manifest, or the
 * delta that made the result so). */
static int tree_check(const struct fslist *l, const char *file, const char *what,
		      struct sr_error **err)
{
	if (!l->n || strcmp(l->v[0].path, ".") || l->v[0].type != FS_DIR)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "'%s': %s has no '.' "
				     "directory, its tree's top", file, what);
	for (size_t i = 1; i < l->n; i++) {
		const char *path = l->v[i].path, *slash = strrchr(path, '/');
		char *parent = xasprintf("%.*s", (int)(slash - path), path);
		size_t k = lower_bound(l, parent);
		bool ok = k < l->n && !strcmp(l->v[k].path, parent) && l->v[k].type == FS_DIR;

		if (!ok) {
			sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "'%s': %s has '%s' in '%s', "
				      "which is %s", file, what, path, parent,
				      k < l->n && !strcmp(l->v[k].path, parent) ?
				      "no directory" : "not there");
			free(parent);
			return -1;
		}
		free(parent);
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fslist man = { 0 }, delta = { 0 };
	struct sr_error *err = NULL;
	size_t kept;
	bool *gone;
	char *rel;
	int c;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'h')
			return cli_try_help("apply");
		fputs(apply_usage, stdout);
		return SR_EXIT_OK;
	}
	if (argc - optind != 2)
		return cli_usage("apply", "needs a MANIFEST and a DELTA");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return cli_usage("apply", "only one of MANIFEST and DELTA can be standard input");
	argv += optind - 1;
	if (read_list(argv[1], "manifest", &man, &err) < 0 ||
	    read_list(argv[2], "delta", &delta, &err) < 0)
		goto fail;
	if (!man.algo || !delta.algo || strcmp(man.algo, delta.algo)) {
		sr_error_make(&err, SR_EXIT_BAD_INPUT, 0,
			      "'%s' and '%s' use different digests (%s, %s)", argv[1],
			      argv[2], man.algo ? man.algo : "none",
			      delta.algo ? delta.algo : "none");
		goto fail;
	}
	/* What the delta replaces, marked in the manifest (sorted: each
	 * entry and subtree found by a binary search), then what it adds:
	 * no pass over the manifest a delta line. */
	fslist_sort(&man);
	if (tree_check(&man, argv[1], "the manifest", &err) < 0)
		goto fail;
	gone = xcalloc(man.n ? man.n : 1, sizeof(*gone));
	for (size_t i = 0; i < delta.n; i++) {
		struct fsentry *d = &delta.v[i];

		if (strcmp(d->path, "$SRC") && !str_has_prefix(d->path, "$SRC/"))
			continue;
		rel = xasprintf(".%s", d->path + 4);
		/* A directory that stays one keeps what is below it (a chmod);
		 * anything else replaces the whole subtree. */
		mark_gone(&man, gone, rel, d->type != FS_DIR);
		free(d->path);
		d->path = rel;
	}
	kept = 0;
	for (size_t i = 0; i < man.n; i++) {
		if (gone[i])
			fsentry_free(&man.v[i]);
		else
			man.v[kept++] = man.v[i];
	}
	man.n = kept;
	for (size_t i = 0; i < delta.n; i++)
		if (delta.v[i].path[0] == '.' && delta.v[i].type != FS_ABSENT)
			fslist_push(&man, &delta.v[i]);
	free(gone);
	fslist_sort(&man);
	if (tree_check(&man, argv[2], "the tree after the delta", &err) < 0)
		goto fail;
	printf("#mtree v2.0\n#sandrun-manifest 1 digest=%s\n", man.algo);
	for (size_t i = 0; i < man.n; i++)
		mtree_write_entry(stdout, &man.v[i], man.algo);
	fslist_free(&man);
	fslist_free(&delta);
	return SR_EXIT_OK;
fail:
	fslist_free(&man);
	fslist_free(&delta);
	return sr_error_report(err);
}
