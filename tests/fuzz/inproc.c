// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: in-process records (tracer/inproc.h) as a tracee
 * could leave them in its ring, replayed against a process with a
 * writer and a reader open.  The tracee's tid is one no process has, so
 * nothing is read through /proc; events go to /dev/null.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/inproc.h"
#include "tracer/syscalls.h"
#include "tracer/tracer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char units[INPROC_UNITS][INPROC_UNIT];
	static bool ready;
	struct tracer_opts opts = { .algo = DIGEST_XXH128, .cwd = "/src", .src = "/src" };
	struct tracer t = { .opts = &opts, .root_fd = -1, .inproc = true };
	struct task task = { .tid = 0x3ffffff0 };
	uint32_t n = (uint32_t)(size / INPROC_UNIT), at = 0;

	if (!ready) {
		sc_init();
		ready = true;
	}
	/* (the first unit's first word: where in the ring they start, for
	 * a pad's check; then the units) */
	if (n > 0) {
		memcpy(&at, data, sizeof(at));
		at %= INPROC_UNITS;
		data += INPROC_UNIT;
		n--;
	}
	if (n > INPROC_UNITS)
		n = INPROC_UNITS;
	memcpy(units, data, (size_t)n * INPROC_UNIT);
	t.spool.f = fopen("/dev/null", "w");
	if (!t.spool.f)
		abort();
	task.proc = proc_new(task.tid, 0, "/src");
	fd_put(task.proc, 3, "/src/out.o", FDF_WRITE);
	fd_put(task.proc, 4, "/src/in.c", 0);
	inproc_replay(&t, &task, task.tid, &units[0][0], n, at);
	proc_free(task.proc);
	spool_close(&t.spool);
	free(t.cache);
	return 0;
}
