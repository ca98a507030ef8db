// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun hash`: digests with signatures masked, sha256sum style. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/artifact.h"
#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/mapfile.h"
#include "lib/unpack.h"
#include "lib/util.h"
#include "runner/cli.h"
#include "runner/hash.h"

static const char hash_usage[] =
	"Usage: sandrun hash [OPTION]... [PATH]...\n"
	"       sandrun hash --check [OPTION]... [FILE]...\n"
	"Print a digest per file, sha256sum style (DIGEST  PATH), with signature\n"
	"regions masked: a Linux module's appended signature, a PE/EFI image's\n"
	"CheckSum, certificate-table entry and certificate table.  A compressed\n"
	"module (NAME.ko.zst, .ko.xz, .ko.gz) is its decompressed content's digest,\n"
	"as it was signed.  A directory\n"
	"gives every regular file below it (not symlinks: they are left out),\n"
	"then DIGEST  DIR/ for the tree (the SHA-256 of its file lines).  With\n"
	"no PATH, or PATH -, read standard input; a PATH that is a pipe\n"
	"(/dev/stdin, <(...)) or a character device (/dev/null) is read too,\n"
	"a named FIFO refused.\n"
	"\n"
	"      --mask=MODE   auto (default: cut what is detected), none, cut (leave\n"
	"                    the regions out), zero (zero-fill them, keep length)\n"
	"      --algo=ALGO   sha256 (default) or xxh128\n"
	"  -v, --verbose     say on stderr which regions were masked\n"
	"      --module-hashes DIR\n"
	"                    the module hash list of a module tree, as the proposed\n"
	"                    CONFIG_MODULE_HASHES would embed it: the SHA-256 of each\n"
	"                    module's unsigned payload, in modules.order order (else\n"
	"                    sorted), then the Merkle root of v4/v5 of the series\n"
	"      --json        one JSON object per file, with the regions (and\n"
	"                    per tree), as sandrun(1) describes\n"
	"  -c, --check       read DIGEST  PATH lines from the FILEs (or stdin) and\n"
	"                    check them with the same masking: PATH: OK or FAILED\n"
	"                    (also sha256sum's other forms and BSD --tag lines;\n"
	"                    --module-hashes's root line checks the root of the\n"
	"                    modules listed before it; a DIR/ line's files are\n"
	"                    hashed with --algo, else as the file lines before it)\n"
	"      --quiet       (--check) do not print OK lines\n"
	"      --status      (--check) print nothing, the exit status says\n"
	"  -j, --jobs=N      hash N files at once (default: the online CPUs)\n"
	"      --rules=FILE  more regions to mask, one rule a line: GLOB bytes\n"
	"                    START:END (decimal; negative from the end, END empty:\n"
	"                    to the end, of what is signed: a signature after it\n"
	"                    is not counted) or GLOB section NAME (an ELF64 section's\n"
	"                    bytes);\n"
	"                    GLOB matches the path or its last component\n"
	"  -h, --help        print this help and exit\n"
	"\n"
	"Exit status: 0; 1 when --check finds a mismatch or an unreadable file;\n"
	"123 when an artifact is malformed (a bad signature\n"
	"trailer or PE header; the message names the byte offset) or\n"
	"--module-hashes finds no modules; 125 when a file or directory cannot be\n"
	"read (--module-hashes then prints no root); 124 usage error.\n";

static void print(const struct hash_opts *o, const char *name, const struct hash_out *h)
{
	char hex[2 * DIGEST_MAX + 1];

	digest_hex(&h->d, hex);
	/* (on stderr with --json too, as -v says: the same as its "masked") */
	for (size_t i = 0; o->verbose && i < h->n && o->mode != MASK_NONE; i++)
		fprintf(stderr, "%s: masked %llu+%llu %s\n", name,
			(unsigned long long)h->r[i].off, (unsigned long long)h->r[i].len,
			region_kind_name(h->r[i].kind));
	if (o->json) {
		printf("{\"path\":");
		json_write_bytes(stdout, name);
		printf(",\"algo\":\"%s\",\"digest\":\"%s\",", digest_algo_name(o->algo), hex);
		if (h->unpacked)
			printf("\"unpacked\":\"%s\",", h->unpacked);
		printf("\"masked\":[");
		for (size_t i = 0; i < h->n && o->mode != MASK_NONE; i++)
			printf("%s{\"offset\":%llu,\"length\":%llu,\"kind\":\"%s\"}",
			       i ? "," : "", (unsigned long long)h->r[i].off,
			       (unsigned long long)h->r[i].len, region_kind_name(h->r[i].kind));
		printf("]}\n");
		return;
	}
	{
		char *esc = escape_name(name);

		/* sha256sum's escaping: a leading backslash, then \\ and \n */
		printf("%s%s  %s\n", esc != name ? "\\" : "", hex, esc);
		if (esc != name)
			free(esc);
	}
}

/*
 * Jobs: the files to hash, in output order.  Workers take the next job
 * from a shared counter and hash it; the main thread consumes results in
 * order as they complete, so the output is the same with any -j.
 */
enum job_kind {
	JOB_FILE,
	JOB_TREE,	/* the tree checksum over jobs [first, this) */
	JOB_MERKLE,	/* --check: a module hash list's Merkle root over
			 * the modules of jobs [first, this) */
};

struct job {
	enum job_kind kind;
	char *name;		/* as printed */
	char *rel;		/* opened relative to the tree's dirfd */
	int dirfd;		/* AT_FDCWD or the tree's (owned by the TREE job) */
	size_t first;		/* JOB_TREE */
	char *want;		/* --check: the expected hex digest */
	struct hash_out h;
	struct sr_error *err;
	bool done;
	bool failed;		/* could not be hashed (the tree is incomplete) */
	enum digest_algo algo;
	size_t after;		/* 1 + the job naming the same pipe before this
				 * one, which reads it first (as sha256sum
				 * does), or 0 */
	dev_t pipe_dev;		/* a pipe's (pipe_ino 0: not a pipe) */
	ino_t pipe_ino;
	bool read_failed;	/* an I/O error, maybe part-way (set by its
				 * worker, with done) */
};

struct jobs {
	struct job *v;
	size_t n, cap;
	size_t next;		/* the next job a worker takes */
	const struct hash_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static struct job *job_add(struct jobs *js, enum job_kind kind, char *name)
{
	struct job *j;

	if (js->n == js->cap) {
		js->cap = js->cap ? 2 * js->cap : 64;
		js->v = xrealloc(js->v, js->cap * sizeof(*js->v));
	}
	j = &js->v[js->n++];
	*j = (struct job){ .kind = kind, .name = name, .dirfd = AT_FDCWD, .algo = js->o->algo };
	return j;
}

/* A PATH (or "-") that is a pipe named before, by another name or the
 * same (/dev/stdin and "-"): its job waits for the one before, which
 * reads the pipe to its end, as sha256sum's would. */
static struct job *file_add(struct jobs *js, const char *path)
{
	struct job *j = job_add(js, JOB_FILE, xstrdup(path));
	struct stat st;

	if ((strcmp(path, "-") ? stat(path, &st) : fstat(STDIN_FILENO, &st)) < 0 ||
	    !S_ISFIFO(st.st_mode) || !st.st_ino)
		return j;
	j->pipe_dev = st.st_dev;
	j->pipe_ino = st.st_ino;
	for (size_t i = js->n - 1; i-- > 0;)
		if (js->v[i].pipe_ino == st.st_ino && js->v[i].pipe_dev == st.st_dev) {
			j->after = i + 1;
			break;
		}
	return j;
}

/* A path: one file, or a directory's files then its tree job. */
static void add_path(struct jobs *js, const char *path)
{
	struct stat st;
	struct strv files = { 0 }, errors = { 0 };
	struct job *t;
	size_t first = js->n;
	int dfd;

	cleanup_free char *dir = NULL;
	size_t len = strlen(path);

	if (!strcmp(path, "-") || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		file_add(js, path);
		return;
	}
	/* "d/" is "d": its files are d/f and its tree line "d/", not d//f */
	while (len > 1 && path[len - 1] == '/')
		len--;
	dir = xasprintf("%.*s", (int)len, path);
	path = dir;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	list_tree(path, "", &files, &errors);
	for (size_t i = 0; i < errors.n; i++) {
		char *tab = strchr(errors.v[i], '\t');
		struct job *j;

		*tab = '\0';
		j = job_add(js, JOB_FILE, xasprintf("%s/%s", path, errors.v[i]));
		sr_error_make(&j->err, SR_EXIT_FAILURE, 0, "cannot read '%s': %s", j->name,
			      tab + 1);
	}
	strv_free(&errors);
	if (files.n > 1)
		qsort(files.v, files.n, sizeof(char *), hash_cmp_names);
	for (size_t i = 0; i < files.n; i++) {
		struct job *j = job_add(js, JOB_FILE, xasprintf("%s/%s", path, files.v[i]));

		j->rel = files.v[i];
		j->dirfd = dfd;
	}
	free(files.v);
	t = job_add(js, JOB_TREE, xstrdup(path));
	t->first = first;
	t->dirfd = dfd;
}

static void *worker(void *arg)
{
	struct jobs *js = arg;
	uint8_t *block = xmalloc(MASKED_BLOCK);	/* one a worker */

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&js->lock);
		while (js->next < js->n && js->v[js->next].kind != JOB_FILE) {
			js->v[js->next].done = true;
			js->next++;
		}
		if (js->next >= js->n) {
			pthread_cond_broadcast(&js->cond);
			pthread_mutex_unlock(&js->lock);
			free(block);
			return NULL;
		}
		j = &js->v[js->next++];
		while (j->after && !js->v[j->after - 1].done)
			pthread_cond_wait(&js->cond, &js->lock);
		/* (a pipe its first name gave up on part-way: what is left
		 * of it is not this name's either) */
		if (j->after && js->v[j->after - 1].read_failed && !j->err)
			sr_error_make(&j->err, SR_EXIT_FAILURE, 0, "cannot read '%s': the "
				      "pipe's reading under its first name failed", j->name);
		pthread_mutex_unlock(&js->lock);
		/* (errors name the file read: a --check line's X.ko.zst,
		 * module_installed's, is not the line's X.ko) */
		if (!j->err)
			hash_file(js->o, j->algo, j->dirfd, j->rel ? j->rel : j->name,
				  j->rel && j->dirfd == AT_FDCWD ? j->rel : j->name,
				  block, &j->h, &j->err);
		pthread_mutex_lock(&js->lock);
		j->read_failed = j->err && j->err->status == SR_EXIT_FAILURE;	/* (I/O) */
		j->done = true;
		pthread_cond_broadcast(&js->cond);
		pthread_mutex_unlock(&js->lock);
	}
}

/* The tree checksum: the SHA-256 of its "DIGEST  REL\n" lines. */
static void tree_digest(const struct jobs *js, const struct job *t, struct digest *ret)
{
	struct digest_ctx tree;

	digest_init(&tree, DIGEST_SHA256);
	for (size_t i = t->first; i < (size_t)(t - js->v); i++) {
		char hex[2 * DIGEST_MAX + 1];

		char *esc;

		if (js->v[i].failed || !js->v[i].rel)
			continue;
		esc = escape_name(js->v[i].rel);
		digest_hex(&js->v[i].h.d, hex);
		if (esc != js->v[i].rel)
			digest_update(&tree, "\\", 1);
		digest_update(&tree, hex, strlen(hex));
		digest_update(&tree, "  ", 2);
		digest_update(&tree, esc, strlen(esc));
		digest_update(&tree, "\n", 1);
		if (esc != js->v[i].rel)
			free(esc);
	}
	digest_final(&tree, ret);
}

struct check_stats {
	unsigned long failed, unreadable;
	bool quiet, status;
};

/* "NAME: VERDICT", the name escaped as in the sums (sha256sum -c's way) */
static void print_verdict(const struct job *j, const char *verdict)
{
	char *esc = escape_name(j->name);

	printf("%s%s%s: %s\n", esc != j->name ? "\\" : "", esc,
	       j->kind == JOB_TREE ? "/" : "", verdict);
	if (esc != j->name)
		free(esc);
}

/* A checked line's digest against the one it gives: OK or FAILED. */
static void compare(const struct job *j, const struct digest *d, struct check_stats *cs)
{
	char hex[2 * DIGEST_MAX + 1];

	digest_hex(d, hex);
	if (strcasecmp(hex, j->want)) {
		cs->failed++;
		if (!cs->status)
			print_verdict(j, "FAILED");
	} else if (!cs->quiet && !cs->status) {
		print_verdict(j, "OK");
	}
}

/* A module hash list's root line checked: the root of the modules listed
 * before it, read again for their leaves (--module-hashes). */
static void check_merkle(const struct jobs *js, struct job *j, struct check_stats *cs)
{
	size_t n = (size_t)(j - js->v) - j->first;
	struct digest *leaves = xcalloc(n, sizeof(*leaves));
	bool unread = false;

	for (size_t i = 0; i < n && !unread; i++) {
		const struct job *m = &js->v[j->first + i];
		struct sr_error *err = NULL;

		/* (one that could not be hashed is reported already) */
		if (m->failed) {
			unread = true;
		} else if (module_leaf(m->name, (uint32_t)i, &leaves[i], NULL, &err) < 0) {
			unread = true;
			if (!cs->status)
				sr_error_report(err);
			else
				sr_error_free(err);
		}
	}
	if (unread) {
		if (!cs->status)
			print_verdict(j, "FAILED open or read");
		cs->unreadable++;
	} else {
		merkle_root(leaves, n);
		compare(j, &leaves[0], cs);
	}
	free(leaves);
}

/* Consumes one finished job: prints it, or compares it (--check). */
static void consume(const struct jobs *js, struct job *j, struct check_stats *cs,
		    int *worst)
{
	char hex[2 * DIGEST_MAX + 1];

	if (j->kind == JOB_MERKLE) {
		check_merkle(js, j, cs);
		return;
	}
	if (j->kind == JOB_TREE && !j->err) {
		size_t bad = 0;

		for (size_t i = j->first; i < (size_t)(j - js->v); i++)
			bad += js->v[i].failed;
		if (bad) {
			/* a checksum over part of a tree would say nothing (the
			 * status is its entries': I/O, or a malformed artifact) */
			if (!cs || !cs->status)
				fprintf(stderr, "sandrun: %s/: no tree checksum: %zu of its "
					"entries could not be hashed\n", j->name, bad);
			if (cs) {
				if (j->want && !cs->status)
					print_verdict(j, "FAILED open or read");
				cs->unreadable += j->want != NULL;
			}
			return;
		}
		tree_digest(js, j, &j->h.d);
		j->h.n = 0;
	} else if (j->err) {
		int s = j->err->status;

		j->failed = true;
		if (cs && j->want) {
			if (!cs->status)
				print_verdict(j, "FAILED open or read");
			cs->unreadable++;
		}
		if (!cs || !cs->status)
			sr_error_report(j->err);
		else
			sr_error_free(j->err);
		j->err = NULL;
		/* the most serious outcome wins: bad input over I/O */
		if ((!cs || s == SR_EXIT_BAD_INPUT) && (*worst < s || *worst == SR_EXIT_DIFFERS))
			*worst = s;
		return;
	}
	if (!cs) {
		if (j->kind == JOB_FILE) {
			print(js->o, j->name, &j->h);
		} else if (js->o->json) {	/* (a tree's is a SHA-256) */
			char *dir = xasprintf("%s/", j->name);

			digest_hex(&j->h.d, hex);
			printf("{\"path\":");
			json_write_bytes(stdout, dir);
			printf(",\"algo\":\"sha256\",\"digest\":\"%s\",\"tree\":true}\n", hex);
			free(dir);
		} else {
			char *esc = escape_name(j->name);

			digest_hex(&j->h.d, hex);
			printf("%s%s  %s/\n", esc != j->name ? "\\" : "", hex, esc);
			if (esc != j->name)
				free(esc);
		}
		return;
	}
	if (!j->want)		/* a file of a checked tree */
		return;
	compare(j, &j->h.d, cs);
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

static void run_jobs(struct jobs *js, unsigned nthreads, struct check_stats *cs,
		     int *worst)
{
	pthread_t *t;
	unsigned started = 0;

	if (nthreads > js->n)
		nthreads = js->n ? (unsigned)js->n : 1;
	t = xcalloc(nthreads, sizeof(*t));
	pthread_mutex_init(&js->lock, NULL);
	pthread_cond_init(&js->cond, NULL);
	for (unsigned i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, worker, js) == 0)
			started++;
	if (!started)		/* no threads: hash here */
		worker(js);
	for (size_t i = 0; i < js->n; i++) {
		pthread_mutex_lock(&js->lock);
		while (!js->v[i].done)
			pthread_cond_wait(&js->cond, &js->lock);
		pthread_mutex_unlock(&js->lock);
		consume(js, &js->v[i], cs, worst);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_cond_destroy(&js->cond);
	pthread_mutex_destroy(&js->lock);
	free(t);
}

static void jobs_free(struct jobs *js)
{
	for (size_t i = 0; i < js->n; i++) {
		if (js->v[i].kind == JOB_TREE && js->v[i].dirfd >= 0)
			close(js->v[i].dirfd);
		free(js->v[i].name);
		free(js->v[i].rel);
		free(js->v[i].want);
	}
	free(js->v);
}

/*
 * --check: split_check's lines (sha256sum's, with its leading backslash
 * for escaped names and CRLF endings tolerated), a tree as "DIGEST  DIR/",
 * a module hash list's root as --module-hashes prints it (over the lines
 * right before it).
 * Each line's algorithm follows its digest's length unless --algo says;
 * malformed lines are FILE:LINE errors, and a FILE without a line to
 * check is named (1).
 */
/* "DIR/": a tree's line */
static bool is_dir_line(const char *path)
{
	size_t n = strlen(path);

	return n > 1 && path[n - 1] == '/';
}

static int read_checks(const char *file, struct jobs *js, const struct hash_opts *o,
		       bool algo_given)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0, nlines = 0;
	size_t since = js->n, mods;	/* this file's jobs, or the last root's */
	const char *last_file = NULL;	/* the last file line's path */
	enum digest_algo last_algo = DIGEST_SHA256;
	int bad = 0;

	if (!f) {
		fprintf(stderr, "sandrun: %s: %s\n", file, strerror(errno));
		return SR_EXIT_FAILURE;
	}
	while ((len = text_getline(&line, &cap, f)) >= 0) {
		bool escaped = line[0] == '\\';
		char *l = line + escaped, *path, *hex;
		enum digest_algo algo;
		struct job *j;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		/* (a NUL would end the path early: another file checked) */
		if (memchr(line, '\0', (size_t)len)) {
			fprintf(stderr, "sandrun: %s:%lu: a NUL byte in the line\n", file, lineno);
			bad = SR_EXIT_BAD_INPUT;
			continue;
		}
		/* (a tree's line is a SHA-256 whatever its files' algorithm) */
		if (!split_check(l, &hex, &path, &algo) ||
		    (algo_given && algo != o->algo && !(algo == DIGEST_SHA256 && is_dir_line(path)))) {
			fprintf(stderr, "sandrun: %s:%lu: not a 'DIGEST  PATH' line%s "
				"(sha256sum style)\n", file, lineno,
				algo_given ? " of --algo's digests" : "");
			bad = SR_EXIT_BAD_INPUT;
			continue;
		}
		nlines++;
		if (!escaped && algo == DIGEST_SHA256 && merkle_line(path, &mods)) {
			bool ok = mods <= js->n - since;

			for (size_t i = js->n - (ok ? mods : 0); ok && i < js->n; i++)
				ok = js->v[i].kind == JOB_FILE && js->v[i].want;
			if (!ok) {
				fprintf(stderr, "sandrun: %s:%lu: a merkle root of %zu modules, "
					"but not %zu module lines before it\n", file, lineno,
					mods, mods);
				bad = SR_EXIT_BAD_INPUT;
				continue;
			}
			j = job_add(js, JOB_MERKLE, xstrdup(path));
			j->first = js->n - 1 - mods;
			j->want = xstrdup(hex);
			since = js->n;
			continue;
		}
		if (escaped)
			unescape_name(path);
		if (is_dir_line(path)) {
			size_t before = js->n;
			struct stat st;
			bool there;
			/* its files' algorithm: --algo's, else their lines' just
			 * before it (as hash prints a tree), else SHA-256 */
			enum digest_algo files = algo_given ? o->algo :
				last_file && str_has_prefix(last_file, path) ? last_algo :
				DIGEST_SHA256;

			path[strlen(path) - 1] = '\0';
			/* (no tree there, missing or a file: a tree that cannot
			 * be read, as sha256sum says of a missing file, exit 1;
			 * the list is well formed) */
			there = stat(path, &st) == 0;
			if (!there || !S_ISDIR(st.st_mode)) {
				int e = errno;

				j = job_add(js, JOB_TREE, xstrdup(path));
				j->first = js->n - 1;
				if (there)
					sr_error_make(&j->err, SR_EXIT_FAILURE, 0, "cannot read "
						      "'%s/': not a directory", path);
				else
					sr_error_make(&j->err, SR_EXIT_FAILURE, e,
						      "cannot read '%s/'", path);
				j->want = xstrdup(hex);
				continue;
			}
			add_path(js, path);
			/* only the tree line is checked: its files' outputs are not */
			for (size_t i = before; i < js->n; i++) {
				js->v[i].want = NULL;
				js->v[i].algo = files;
			}
			js->v[js->n - 1].want = xstrdup(hex);
			continue;
		}
		j = file_add(js, path);
		j->want = xstrdup(hex);
		j->algo = algo;
		/* (a plain module's line on a tree that has it compressed:
		 * X.ko's digest is X.ko.zst's, as for --module-hashes) */
		j->rel = module_installed(xstrdup(path));
		if (!strcmp(j->rel, path)) {
			free(j->rel);
			j->rel = NULL;
		}
		last_file = j->name;
		last_algo = algo;
	}
	if (len == -2) {
		fprintf(stderr, "sandrun: %s:%lu: a line longer than 1 MiB\n", file, lineno + 1);
		bad = SR_EXIT_BAD_INPUT;
	} else if (ferror(f)) {
		fprintf(stderr, "sandrun: %s: %s\n", file, strerror(errno));
		bad = bad ? bad : SR_EXIT_FAILURE;
	} else if (!nlines && !bad) {
		fprintf(stderr, "sandrun: %s: no properly formatted 'DIGEST  PATH' lines "
			"found\n", strcmp(file, "-") ? file : "standard input");
		bad = SR_EXIT_DIFFERS;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return bad;
}

int cmd_hash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mask", required_argument, NULL, 'm' },
		{ "algo", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'J' },
		{ "module-hashes", required_argument, NULL, 'M' },
		{ "rules", required_argument, NULL, 'R' },
		{ "check", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "status", no_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hash_opts o = { .mode = MASK_AUTO, .algo = DIGEST_SHA256 };
	struct check_stats cs = { 0 };
	struct jobs js = { .o = &o };
	bool check = false, algo_given = false;
	unsigned nthreads = default_jobs();
	const char *mh = NULL;		/* --module-hashes DIR */
	int c, worst = 0, others = 0;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "vhcj:", opts, NULL)) != -1) {
		others += c != 'M' && c != 'j';
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "auto")) o.mode = MASK_AUTO;
			else if (!strcmp(optarg, "none")) o.mode = MASK_NONE;
			else if (!strcmp(optarg, "cut")) o.mode = MASK_CUT;
			else if (!strcmp(optarg, "zero")) o.mode = MASK_ZERO;
			else return cli_usage("hash", "unknown --mask mode '%s'", optarg);
			break;
		case 'a':
			if (digest_algo_parse(optarg, &o.algo) < 0)
				return cli_usage("hash", "unknown --algo '%s'", optarg);
			algo_given = true;
			break;
		case 'v': o.verbose = true; break;
		case 'J': o.json = true; break;
		case 'c': check = true; break;
		case 'q': cs.quiet = true; break;
		case 's': cs.status = true; break;
		case 'j': {
			long n;

			if (parse_long(optarg, 1, 256, &n) < 0)
				return cli_usage("hash", "--jobs wants 1 to 256, not '%s'",
						 optarg);
			nthreads = (unsigned)n;
			break;
		}
		case 'M': mh = optarg; break;
		case 'R': {
			struct sr_error *err = NULL;

			if (parse_rules(optarg, &o, &err) < 0)
				return sr_error_report(err);
			break;
		}
		case 'h': fputs(hash_usage, stdout); return SR_EXIT_OK;
		default: return cli_try_help("hash");
		}
	}
	/* (as sha256sum: an option that says nothing here is an error) */
	if (!check && (cs.quiet || cs.status)) {
		worst = cli_usage("hash", "--%s is meaningful only with --check",
				  cs.status ? "status" : "quiet");
		goto out;
	}
	if (check && o.json) {
		worst = cli_usage("hash", "--json is not for --check (its lines say OK or "
				  "FAILED)");
		goto out;
	}
	if (o.mode == MASK_NONE && o.nrules) {
		worst = cli_usage("hash", "--rules masks nothing with --mask=none");
		goto out;
	}
	if (mh) {
		worst = others || optind < argc ?
			cli_usage("hash", "--module-hashes takes no other option but --jobs, "
				  "and no PATH") :
			module_hashes(mh);
		goto out;
	}
	if (check) {
		if (optind >= argc)
			worst = read_checks("-", &js, &o, algo_given);
		for (int i = optind; i < argc; i++) {
			int r = read_checks(argv[i], &js, &o, algo_given);

			worst = r > worst ? r : worst;
		}
	} else if (optind >= argc) {
		add_path(&js, "-");	/* (as sha256sum: no FILE is stdin) */
	} else {
		for (int i = optind; i < argc; i++)
			add_path(&js, argv[i]);
	}
	hash_catch_sigbus();
	run_jobs(&js, nthreads, check ? &cs : NULL, &worst);
	jobs_free(&js);
	flush_stdout();
	if (check && !cs.status) {
		if (cs.unreadable)
			fprintf(stderr, "sandrun: WARNING: %lu listed file%s could not be read\n",
				cs.unreadable, cs.unreadable == 1 ? "" : "s");
		if (cs.failed)
			fprintf(stderr, "sandrun: WARNING: %lu computed checksum%s did NOT match\n",
				cs.failed, cs.failed == 1 ? "" : "s");
	}
	if (check && worst == SR_EXIT_OK && (cs.failed || cs.unreadable))
		worst = SR_EXIT_DIFFERS;
out:
	for (size_t i = 0; i < o.nrules; i++) {
		free(o.rules[i].glob);
		free(o.rules[i].section);
	}
	free(o.rules);
	return worst;
}
