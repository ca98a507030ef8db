// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun hash --module-hashes`: the module hash list of a tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/digest.h"
#include "lib/exitcode.h"
#include "lib/mapfile.h"
#include "lib/unpack.h"
#include "runner/hash.h"

/*
 * The modules of a tree: modules.order's lines, else every .ko (or
 * compressed .ko: lib/unpack.h), sorted.
 * 125 when the tree cannot be read whole (a module left out would give
 * another root), after saying what could not be read.
 */
static int module_list(const char *dir, struct strv *out)
{
	cleanup_free char *order = xasprintf("%s/modules.order", dir);
	FILE *f = fopen(order, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t n;
	int rc = SR_EXIT_OK;

	if (!f && errno != ENOENT) {
		fprintf(stderr, "sandrun: cannot open '%s': %s\n", order, strerror(errno));
		return SR_EXIT_FAILURE;
	}
	if (!f) {
		struct strv all = { 0 }, errors = { 0 };
		int status;

		list_tree(dir, "", &all, &errors);
		for (size_t i = 0; i < errors.n; i++) {
			char *tab = strchr(errors.v[i], '\t');

			*tab = '\0';
			fprintf(stderr, "sandrun: cannot read '%s%s%s': %s\n", dir,
				strcmp(errors.v[i], ".") ? "/" : "",
				strcmp(errors.v[i], ".") ? errors.v[i] : "", tab + 1);
		}
		status = errors.n ? SR_EXIT_FAILURE : SR_EXIT_OK;
		strv_free(&errors);
		if (all.n > 1)
			qsort(all.v, all.n, sizeof(char *), hash_cmp_names);
		for (size_t i = 0; i < all.n; i++)
			if ((strlen(all.v[i]) > 3 &&
			     !strcmp(all.v[i] + strlen(all.v[i]) - 3, ".ko")) ||
			    module_packing(all.v[i]))
				strv_push(out, xasprintf("%s/%s", dir, all.v[i]));
		strv_free(&all);
		return status;
	}
	while ((n = text_getline(&line, &cap, f)) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		size_t len = strlen(line);
		/* Older kernels list the .o. */
		cleanup_free char *name = len > 2 && !strcmp(line + len - 2, ".o") ?
			xasprintf("%.*s.ko", (int)(len - 2), line) : xstrdup(line);

		strv_push(out, module_installed(name[0] == '/' ? xstrdup(name) :
						xasprintf("%s/%s", dir, name)));
	}
	/* (no module hashed: the list is not the tree's) */
	if (n == -2) {
		fprintf(stderr, "sandrun: %s:%lu: a line longer than 1 MiB\n", order, lineno + 1);
		strv_free(out);
		rc = SR_EXIT_BAD_INPUT;
	} else if (ferror(f)) {
		fprintf(stderr, "sandrun: cannot read '%s': %s\n", order, strerror(errno));
		rc = SR_EXIT_FAILURE;
	}
	free(line);
	fclose(f);
	return rc;
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

int module_leaf(const char *path, uint32_t pos, struct digest *leaf, struct digest *payload,
		struct sr_error **err)
{
	struct region r[MAX_REGIONS];
	struct mapped m;
	size_t nr = 0;
	uint64_t len;
	uint8_t pre[5] = { 0x01, (uint8_t)(pos >> 24), (uint8_t)(pos >> 16), (uint8_t)(pos >> 8),
			   (uint8_t)pos };

	if (load_unpacked(AT_FDCWD, path, path, module_packing(path), &m, err) < 0 ||
	    modsig_regions(m.buf, m.size, path, r, &nr, err) < 0) {
		unmap_file(&m);
		return -1;
	}
	len = nr ? r[0].off : m.size;
	if (payload)
		masked_digest(m.buf, len, NULL, 0, MASK_NONE, DIGEST_SHA256, payload);
	sha256_of(pre, sizeof(pre), m.buf, len, NULL, 0, leaf);
	unmap_file(&m);
	return 0;
}

size_t merkle_levels(size_t n)
{
	size_t levels = 0;

	for (; n > 1; n = (n + 1) / 2)
		levels++;
	return levels;
}

void merkle_root(struct digest *level, size_t n)
{
	/* Nodes: SHA256(0x02 || left || right); an odd one pairs itself. */
	for (; n > 1; n = (n + 1) / 2)
		for (size_t i = 0; i < n; i += 2)
			sha256_of("\2", 1, level[i].bytes, 32,
				  level[i + 1 < n ? i + 1 : i].bytes, 32, &level[i / 2]);
}

int module_hashes(const char *dir)
{
	struct strv mods = { 0 };
	struct digest *level;
	char hex[2 * DIGEST_MAX + 1];
	int worst = module_list(dir, &mods);

	if (worst == SR_EXIT_OK && !mods.n) {
		fprintf(stderr, "sandrun: no modules under '%s' (no modules.order, no .ko)\n",
			dir);
		worst = SR_EXIT_BAD_INPUT;
	}
	level = xcalloc(mods.n + 1, sizeof(*level));
	for (size_t i = 0; i < mods.n; i++) {
		struct sr_error *err = NULL;
		struct digest d;
		char *esc;

		if (module_leaf(mods.v[i], (uint32_t)i, &level[i], &d, &err) < 0) {
			worst = sr_error_report(err);
			continue;
		}
		digest_hex(&d, hex);
		/* sha256sum's escaping, as hash prints names */
		esc = escape_name(mods.v[i]);
		printf("%s%s  %s\n", esc != mods.v[i] ? "\\" : "", hex, esc);
		if (esc != mods.v[i])
			free(esc);
	}
	if (mods.n && worst == SR_EXIT_OK) {
		merkle_root(level, mods.n);
		digest_hex(&level[0], hex);
		printf("%s  (merkle root, %zu levels, %zu modules)\n", hex,
		       merkle_levels(mods.n), mods.n);
	}
	free(level);
	strv_free(&mods);
	return worst;
}
