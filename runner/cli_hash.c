// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun hash`: digests with signatures masked, sha256sum style. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/artifact.h"
#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/mapfile.h"
#include "lib/util.h"
#include "runner/cli.h"

static const char hash_usage[] =
	"Usage: sandrun hash [OPTION]... PATH...\n"
	"Print a digest per file, sha256sum style (DIGEST  PATH), with signature\n"
	"regions masked: a Linux module's appended signature, a PE/EFI image's\n"
	"CheckSum, certificate-table entry and certificate table.  A directory\n"
	"gives every file below it, then DIGEST  DIR/ for the tree (the SHA-256\n"
	"of its file lines).\n"
	"\n"
	"      --mask=MODE   auto (default: cut what is detected), none, cut (leave\n"
	"                    the regions out), zero (zero-fill them, keep length)\n"
	"      --algo=ALGO   sha256 (default) or xxh128\n"
	"  -v, --verbose     say on stderr which regions were masked\n"
	"      --json        one JSON object per file, with the regions\n"
	"  -h, --help        print this help and exit\n"
	"\n"
	"Exit status: 0; 123 when an artifact is malformed (a bad signature\n"
	"trailer or PE header; the message names the byte offset); 125 when a\n"
	"file cannot be read; 124 usage error.\n";

struct hash_opts {
	enum mask_mode mode;
	enum digest_algo algo;
	bool verbose, json;
};

struct hash_out {
	struct digest d;
	struct region r[MAX_REGIONS];
	size_t n;
};

static int hash_buf(const struct hash_opts *o, const uint8_t *buf, uint64_t size,
		    const char *name, struct hash_out *out, struct sr_error **err)
{
	int r = 0;

	out->n = 0;
	if (o->mode != MASK_NONE) {
		r = modsig_regions(buf, size, name, out->r, &out->n, err);
		if (r == 0)
			r = pe_regions(buf, size, name, out->r, &out->n, err);
		if (r < 0)
			return -1;
	}
	masked_digest(buf, size, out->r, out->n,
		      o->mode == MASK_AUTO ? MASK_CUT : o->mode, o->algo, &out->d);
	return 0;
}

static int hash_file(const struct hash_opts *o, int dirfd, const char *rel,
		     const char *name, struct hash_out *out, struct sr_error **err)
{
	struct mapped m;
	int r;

	if (map_file(dirfd, rel, name, &m, err) < 0)
		return -1;
	r = hash_buf(o, m.buf, m.size, name, out, err);
	unmap_file(&m);
	return r;
}

static void print(const struct hash_opts *o, const char *name, const struct hash_out *h)
{
	char hex[2 * DIGEST_MAX + 1];

	digest_hex(&h->d, hex);
	if (o->json) {
		printf("{\"path\":");
		json_write_bytes(stdout, name);
		printf(",\"algo\":\"%s\",\"digest\":\"%s\",\"masked\":[",
		       digest_algo_name(o->algo), hex);
		for (size_t i = 0; i < h->n && o->mode != MASK_NONE; i++)
			printf("%s{\"offset\":%llu,\"length\":%llu,\"kind\":\"%s\"}",
			       i ? "," : "", (unsigned long long)h->r[i].off,
			       (unsigned long long)h->r[i].len, region_kind_name(h->r[i].kind));
		printf("]}\n");
		return;
	}
	printf("%s  %s\n", hex, name);
	for (size_t i = 0; o->verbose && i < h->n && o->mode != MASK_NONE; i++)
		fprintf(stderr, "%s: masked %llu+%llu %s\n", name,
			(unsigned long long)h->r[i].off, (unsigned long long)h->r[i].len,
			region_kind_name(h->r[i].kind));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files below dir, sorted by relative path. */
static void list_tree(const char *dir, const char *rel, struct strv *out)
{
	cleanup_free char *path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *child;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			list_tree(dir, child, out);
			free(child);
		} else if (S_ISREG(st.st_mode)) {
			strv_push(out, child);
		} else {
			free(child);
		}
	}
	closedir(d);
}

static int hash_path(const struct hash_opts *o, const char *path, int *worst)
{
	struct sr_error *err = NULL;
	struct hash_out h;
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct strv files = { 0 };
		struct digest_ctx tree;
		struct digest td;
		char hex[2 * DIGEST_MAX + 1];
		cleanup_close int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		list_tree(path, "", &files);
		if (files.n > 1)
			qsort(files.v, files.n, sizeof(char *), cmp_str);
		digest_init(&tree, DIGEST_SHA256);
		for (size_t i = 0; i < files.n; i++) {
			cleanup_free char *name = xasprintf("%s/%s", path, files.v[i]);
			char line[2 * DIGEST_MAX + 8];

			if (hash_file(o, dfd, files.v[i], name, &h, &err) < 0) {
				int s = sr_error_report(err);

				err = NULL;
				*worst = *worst ? *worst : s;
				continue;
			}
			print(o, name, &h);
			digest_hex(&h.d, hex);
			snprintf(line, sizeof(line), "%s  ", hex);
			digest_update(&tree, line, strlen(line));
			digest_update(&tree, files.v[i], strlen(files.v[i]));
			digest_update(&tree, "\n", 1);
		}
		digest_final(&tree, &td);
		digest_hex(&td, hex);
		if (!o->json)
			printf("%s  %s/\n", hex, path);
		strv_free(&files);
		return 0;
	}
	if (hash_file(o, AT_FDCWD, path, path, &h, &err) < 0) {
		int s = sr_error_report(err);

		*worst = *worst ? *worst : s;
		return -1;
	}
	print(o, path, &h);
	return 0;
}

int cmd_hash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mask", required_argument, NULL, 'm' },
		{ "algo", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hash_opts o = { .mode = MASK_AUTO, .algo = DIGEST_SHA256 };
	int c, worst = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "auto")) o.mode = MASK_AUTO;
			else if (!strcmp(optarg, "none")) o.mode = MASK_NONE;
			else if (!strcmp(optarg, "cut")) o.mode = MASK_CUT;
			else if (!strcmp(optarg, "zero")) o.mode = MASK_ZERO;
			else goto usage;
			break;
		case 'a':
			if (digest_algo_parse(optarg, &o.algo) < 0)
				goto usage;
			break;
		case 'v': o.verbose = true; break;
		case 'j': o.json = true; break;
		case 'h': fputs(hash_usage, stdout); return SR_EXIT_OK;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	for (int i = optind; i < argc; i++)
		hash_path(&o, argv[i], &worst);
	fflush(stdout);
	return worst;
usage:
	fputs(hash_usage, stderr);
	return SR_EXIT_USAGE;
}
