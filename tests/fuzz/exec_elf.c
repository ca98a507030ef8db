// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: a program's ELF headers as tracer/exec_env.c reads
 * them at an execve (program headers, the dynamic section, the names of
 * the libraries it needs), from a file holding the input.  No root is
 * open, so no library is looked up.  And its loader (PT_INTERP, ELF64 or
 * ELF32) or #! line as policy/policy.c reads them, for exec events and
 * the policy's preflight.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"
#include "tracer/tracer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracer_opts opts = { .algo = DIGEST_XXH128 };
	struct tracer t = { .opts = &opts, .root_fd = -1 };
	int fd = memfd_create("elf", MFD_CLOEXEC), v;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	v = exec_env_judge(&t, fd);
	if (v < 1 || v > 3)
		abort();
	free(exec_interpreter_fd(fd));
	close(fd);
	return 0;
}
