// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: in-process records (tracer/inproc.h) as a tracee
 * could leave them in its ring, replayed against a process with a
 * writer and a reader open, and a writing open waiting for the result a
 * record may tell (inproc.h: INPROC_AGAIN).  The tracee's tid is one no
 * process has, so nothing is read through /proc; events go to /dev/null.
 */
#include <fcntl.h>
#include <linux/audit.h>
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
	static struct inproc_rec open_rec = {
		.nr = SYS_openat, .pathlen = 10, .path = "/src/new.o",
		.args = { (uint64_t)AT_FDCWD, 0, O_WRONLY | O_CREAT | O_TRUNC, 0644 },
	};
	static struct tracer t;
	struct task *task;
	const pid_t tid = 0x3ffffff0;
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
	memset(&t, 0, sizeof(t));
	t.opts = &opts;
	t.root_fd = -1;
	t.inproc = true;
	t.spool.f = fopen("/dev/null", "w");
	if (!t.spool.f)
		abort();
	task = task_add(&t.procs, tid);
	task->proc = proc_new(tid, 0, "/src");
	fd_put(task->proc, 3, "/src/out.o", FDF_WRITE);
	fd_put(task->proc, 4, "/src/in.c", 0);
	/* (the notified call, decoded as at its notification) */
	task->pend = (struct pending){ .desc = sc_lookup(AUDIT_ARCH_X86_64, SYS_openat),
				       .arch = AUDIT_ARCH_X86_64, .rec = &open_rec };
	memcpy(task->pend.args, open_rec.args, sizeof(open_rec.args));
	if (decode_entry(&t, task)) {
		task->npend = task->pend;
		task->npend.rec = NULL;
		task->has_npend = true;
	} else {
		event_clear(&task->pend.ev);
	}
	memset(&task->pend, 0, sizeof(task->pend));
	inproc_replay(&t, task, tid, &units[0][0], n, at);
	task_remove(&t.procs, tid);
	snapshot_free(&t);
	spool_close(&t.spool);
	free(t.cache);
	return 0;
}
