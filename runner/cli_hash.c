// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun hash`: digests with signatures masked, sha256sum style. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
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
	"      --module-hashes DIR\n"
	"                    the module hash list of a module tree, as the proposed\n"
	"                    CONFIG_MODULE_HASHES would embed it: the SHA-256 of each\n"
	"                    module's unsigned payload, in modules.order order (else\n"
	"                    sorted), then the Merkle root of v4/v5 of the series\n"
	"      --json        one JSON object per file, with the regions\n"
	"      --rules=FILE  more regions to mask, one rule a line: GLOB bytes\n"
	"                    START:END (negative from the end, END empty: to the\n"
	"                    end) or GLOB section NAME (an ELF64 section's bytes);\n"
	"                    GLOB matches the path or its last component\n"
	"  -h, --help        print this help and exit\n"
	"\n"
	"Exit status: 0; 123 when an artifact is malformed (a bad signature\n"
	"trailer or PE header; the message names the byte offset); 125 when a\n"
	"file cannot be read; 124 usage error.\n";

/* A user mask rule: `GLOB bytes START:END` or `GLOB section NAME`. */
struct rule {
	char *glob;
	char *section;		/* or NULL for a byte range */
	long long start, end;	/* negative: from the end; end 0: to the end */
};

struct hash_opts {
	enum mask_mode mode;
	enum digest_algo algo;
	bool verbose, json;
	struct rule *rules;
	size_t nrules;
};

struct hash_out {
	struct digest d;
	struct region r[MAX_REGIONS];
	size_t n;
};

static int parse_rules(const char *path, struct hash_opts *o, struct sr_error **err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;

	if (!f)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, errno, "cannot open '%s'", path);
	while (getline(&line, &cap, f) >= 0) {
		char glob[1024], kind[32], arg[1024], extra[2];
		struct rule r = { 0 };
		int n;

		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		n = sscanf(line, "%1023s %31s %1023s %1s", glob, kind, arg, extra);
		if (n <= 0)
			continue;
		if (n != 3) {
			free(line);
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: expected "
					     "'GLOB bytes START:END' or 'GLOB section NAME'",
					     path, lineno);
		}
		if (!strcmp(kind, "section")) {
			r.section = xstrdup(arg);
		} else if (!strcmp(kind, "bytes")) {
			char *colon = strchr(arg, ':'), *end;

			r.start = colon ? strtoll(arg, &end, 0) : 0;
			if (!colon || end != colon ||
			    (colon[1] && (r.end = strtoll(colon + 1, &end, 0), *end))) {
				free(line);
				return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: bad "
						     "byte range '%s' (START:END, negative "
						     "from the end)", path, lineno, arg);
			}
		} else {
			free(line);
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%lu: unknown "
					     "rule kind '%s' (bytes or section)", path,
					     lineno, kind);
		}
		r.glob = xstrdup(glob);
		o->rules = xrealloc(o->rules, (o->nrules + 1) * sizeof(*o->rules));
		o->rules[o->nrules++] = r;
	}
	free(line);
	return 0;
}

static uint64_t clamp_off(long long v, uint64_t size)
{
	if (v < 0)
		return (uint64_t)-v > size ? 0 : size - (uint64_t)-v;
	return (uint64_t)v > size ? size : (uint64_t)v;
}

static int apply_rules(const struct hash_opts *o, const uint8_t *buf, uint64_t size,
		       const char *name, struct hash_out *out, struct sr_error **err)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	for (size_t i = 0; i < o->nrules; i++) {
		const struct rule *r = &o->rules[i];
		struct region reg = { REGION_USER, 0, 0 };

		if (fnmatch(r->glob, name, 0) && fnmatch(r->glob, base, 0))
			continue;
		if (r->section) {
			int k = elf_section(buf, size, name, r->section, &reg, err);

			if (k < 0)
				return -1;
			if (k == 0)
				continue;
		} else {
			uint64_t a = clamp_off(r->start, size);
			uint64_t b = r->end ? clamp_off(r->end, size) : size;

			if (b <= a)
				continue;
			reg.off = a;
			reg.len = b - a;
		}
		if (out->n == MAX_REGIONS)
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
					     "%s: more than %d masked regions", name,
					     MAX_REGIONS);
		out->r[out->n++] = reg;
	}
	return 0;
}

static int hash_buf(const struct hash_opts *o, const uint8_t *buf, uint64_t size,
		    const char *name, struct hash_out *out, struct sr_error **err)
{
	int r = 0;

	out->n = 0;
	if (o->mode != MASK_NONE) {
		r = modsig_regions(buf, size, name, out->r, &out->n, err);
		if (r == 0)
			r = pe_regions(buf, size, name, out->r, &out->n, err);
		if (r < 0 || apply_rules(o, buf, size, name, out, err) < 0)
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

/* The modules of a tree: modules.order's lines, else every .ko, sorted. */
static void module_list(const char *dir, struct strv *out)
{
	cleanup_free char *order = xasprintf("%s/modules.order", dir);
	FILE *f = fopen(order, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		struct strv all = { 0 };

		list_tree(dir, "", &all);
		if (all.n > 1)
			qsort(all.v, all.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < all.n; i++)
			if (strlen(all.v[i]) > 3 &&
			    !strcmp(all.v[i] + strlen(all.v[i]) - 3, ".ko"))
				strv_push(out, xasprintf("%s/%s", dir, all.v[i]));
		strv_free(&all);
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		size_t len = strlen(line);
		/* Older kernels list the .o. */
		cleanup_free char *name = len > 2 && !strcmp(line + len - 2, ".o") ?
			xasprintf("%.*s.ko", (int)(len - 2), line) : xstrdup(line);

		strv_push(out, name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", dir, name));
	}
	free(line);
	fclose(f);
}

static void sha256_of(const void *a, size_t alen, const void *b, size_t blen,
		      const void *c, size_t clen, struct digest *ret)
{
	struct digest_ctx ctx;

	digest_init(&ctx, DIGEST_SHA256);
	digest_update(&ctx, a, alen);
	digest_update(&ctx, b, blen);
	digest_update(&ctx, c, clen);
	digest_final(&ctx, ret);
}

static int module_hashes(const char *dir)
{
	struct strv mods = { 0 };
	struct digest *level;
	size_t n, levels = 0;
	char hex[2 * DIGEST_MAX + 1];
	int worst = SR_EXIT_OK;

	module_list(dir, &mods);
	level = xcalloc(mods.n + 1, sizeof(*level));
	for (size_t i = 0; i < mods.n; i++) {
		struct sr_error *err = NULL;
		struct region r[MAX_REGIONS];
		struct mapped m;
		size_t nr = 0;
		uint64_t len;
		uint8_t leaf[5] = { 0x01, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
				    (uint8_t)(i >> 8), (uint8_t)i };
		struct digest d;

		if (map_file(AT_FDCWD, mods.v[i], mods.v[i], &m, &err) < 0 ||
		    modsig_regions(m.buf, m.size, mods.v[i], r, &nr, &err) < 0) {
			worst = sr_error_report(err);
			unmap_file(&m);
			continue;
		}
		len = nr ? r[0].off : m.size;
		masked_digest(m.buf, len, NULL, 0, MASK_NONE, DIGEST_SHA256, &d);
		digest_hex(&d, hex);
		printf("%s  %s\n", hex, mods.v[i]);
		/* v4/v5 leaf: SHA256(0x01 || be32(pos) || module). */
		sha256_of(leaf, sizeof(leaf), m.buf, len, NULL, 0, &level[i]);
		unmap_file(&m);
	}
	/* Nodes: SHA256(0x02 || left || right); an odd one pairs itself. */
	for (n = mods.n; n > 1; n = (n + 1) / 2, levels++)
		for (size_t i = 0; i < n; i += 2)
			sha256_of("\2", 1, level[i].bytes, 32,
				  level[i + 1 < n ? i + 1 : i].bytes, 32, &level[i / 2]);
	if (mods.n && worst == SR_EXIT_OK) {
		digest_hex(&level[0], hex);
		printf("%s  (merkle root, %zu levels, %zu modules)\n", hex, levels, mods.n);
	}
	free(level);
	strv_free(&mods);
	return worst;
}

int cmd_hash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mask", required_argument, NULL, 'm' },
		{ "algo", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "module-hashes", required_argument, NULL, 'M' },
		{ "rules", required_argument, NULL, 'R' },
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
		case 'M': return module_hashes(optarg);
		case 'R': {
			struct sr_error *err = NULL;

			if (parse_rules(optarg, &o, &err) < 0)
				return sr_error_report(err);
			break;
		}
		case 'h': fputs(hash_usage, stdout); return SR_EXIT_OK;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	for (int i = optind; i < argc; i++)
		hash_path(&o, argv[i], &worst);
	fflush(stdout);
	for (size_t i = 0; i < o.nrules; i++) {
		free(o.rules[i].glob);
		free(o.rules[i].section);
	}
	free(o.rules);
	return worst;
usage:
	fputs(hash_usage, stderr);
	return SR_EXIT_USAGE;
}
