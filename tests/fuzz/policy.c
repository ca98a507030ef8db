// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: policy files and lock files (both read by path: the
 * input goes through a memfd). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"
#include "tracer/lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_error *err = NULL;
	struct policy p;
	struct lock l;
	char path[64];
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (policy_load(path, &p, &err) == 0) {
		policy_expand(&p, "/src", "/home/u", "/tmp");
		policy_allowed(&p, "/src/out/a.o");
		policy_allowed(&p, "/usr/include/stdio.h");
		for (size_t i = 0; i < p.nrules; i++)
			free(policy_rule_base(&p.rules[i]));
		/* (a tree under the sandbox's /tmp: which rules reach it) */
		policy_expand(&p, "/tmp/b/src", "/home/u", "/tmp");
		policy_allowed(&p, "/tmp/b/src/out/a.o");
		policy_allowed(&p, "/tmp/x");
		policy_free(&p);
	}
	sr_error_free(err);
	err = NULL;
	if (lock_read(path, &l, &err) == 0)
		lock_free(&l);
	sr_error_free(err);
	close(fd);
	return 0;
}
