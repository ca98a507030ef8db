/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_UNPACK_H
#define SR_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/mapfile.h"

/*
 * Compressed kernel modules, as `make modules_install` leaves them with
 * CONFIG_MODULE_COMPRESS_{ZSTD,XZ,GZIP} (foo.ko.zst, foo.ko.xz,
 * foo.ko.gz): the module is signed before it is compressed, so its
 * signature and payload are the decompressed content's.  Known by the
 * name, as kmod and the kernel's modules_install know them, and checked
 * against the format's magic; any other file is its bytes.
 */

/* At most this many bytes, compressed or decompressed (a module is
 * megabytes). */
#define UNPACK_MAX (1ull << 30)
/* What an xz stream may take to decompress (xz -9's 64 MiB dictionary
 * takes ~65 MiB; a stream asking for gigabytes is refused, not tried). */
#define UNPACK_XZ_MEMORY (256ull << 20)

/* "zstd", "xz" or "gzip" when name is a compressed module's; else NULL. */
const char *module_packing(const char *name);
/* A module named X.ko (path: taken) as modules_install may have left
 * it: X.ko, else X.ko.zst, X.ko.xz or X.ko.gz if one is there (a
 * modules.order's line, or a check line of a plain module's). */
char *module_installed(char *path);
/* The file rel under dirfd (called name in errors) read whole into m, and
 * replaced by its decompressed content when packing (module_packing's)
 * is not NULL: 0; -1 with *err, 123 for a stream that is not of its
 * format, corrupt, cut short (with its byte offset) or larger than
 * UNPACK_MAX, 125 for one that cannot be read.  m is unmap_file's to
 * free either way. */
int load_unpacked(int dirfd, const char *rel, const char *name, const char *packing,
		  struct mapped *m, struct sr_error **err);

/* m, in memory (m->map NULL), replaced by its decompressed content
 * (packing: module_packing's), as load_unpacked does. */
int unpack_module(struct mapped *m, const char *name, const char *packing,
		  struct sr_error **err);

/* The decompressors' output (lib/unpack.c, and lib/zstdio.c for zstd):
 * unpack_room makes room for at least one more byte, false once the
 * output has passed UNPACK_MAX. */
struct unpack_out {
	uint8_t *p;
	size_t len, cap;
};
bool unpack_room(struct unpack_out *o);
/* in[0, len), zstd frames one after another (skippable ones too),
 * appended to o: 0; -1 with *at and libzstd's *what for a stream that is
 * not zstd or corrupt, -3 with *at for one cut short, -2 with *at when
 * it passes UNPACK_MAX. */
int zstd_unpack(const uint8_t *in, size_t len, struct unpack_out *o, uint64_t *at,
		const char **what);

#endif
