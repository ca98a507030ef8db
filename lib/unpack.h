/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_UNPACK_H
#define SR_UNPACK_H

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

/* At most this many bytes decompressed (a module is megabytes). */
#define UNPACK_MAX (1ull << 30)

/* "zstd", "xz" or "gzip" when name is a compressed module's; else NULL. */
const char *module_packing(const char *name);
/* m, a file called name, replaced by its decompressed content when
 * name is a compressed module's (m->heap then holds it; m->fd stays):
 * 0, also when it is not one; -1 with *err, 123 for a stream that is
 * not of its format, corrupt, cut short (with its byte offset) or
 * larger than UNPACK_MAX. */
int unpack_module(struct mapped *m, const char *name, struct sr_error **err);

#endif
