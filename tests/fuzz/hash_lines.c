// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: what `sandrun hash` reads, --rules files (by path:
 * the input goes through a memfd) and --check lines, each line split and
 * its name unescaped, then escaped and unescaped again to the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runner/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(char *l)
{
	bool escaped = l[0] == '\\';
	enum digest_algo algo;
	char *hex, *path, *esc, *again;
	size_t n;

	if (!split_check(l + escaped, &hex, &path, &algo))
		return;
	if (strlen(hex) != (algo == DIGEST_SHA256 ? 64 : 32))
		__builtin_trap();
	if (merkle_line(path, &n) && (!n || !strstr(path, "merkle root")))
		__builtin_trap();
	if (escaped)
		unescape_name(path);
	esc = escape_name(path);
	again = strdup(esc);
	unescape_name(again);
	if (strcmp(again, path))
		__builtin_trap();
	free(again);
	if (esc != path)
		free(esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_error *err = NULL;
	struct hash_opts o = { 0 };
	char path[64], *buf = malloc(size + 1), *line, *save = NULL;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (!buf || fd < 0 || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	parse_rules(path, &o, &err);
	for (size_t i = 0; i < o.nrules; i++) {
		free(o.rules[i].glob);
		free(o.rules[i].section);
	}
	free(o.rules);
	sr_error_free(err);
	close(fd);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		check_line(line);
	free(buf);
	return 0;
}
