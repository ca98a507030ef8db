// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <string.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "tracer/filter.h"
#include "tracer/syscalls.h"

static const uint32_t arches[FILTER_ARCH_COUNT] = {
	[FILTER_ARCH_X86_64] = SCMP_ARCH_X86_64,
	[FILTER_ARCH_I386] = SCMP_ARCH_X86,
	[FILTER_ARCH_X32] = SCMP_ARCH_X32,
};

int filter_resolve(int arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arches[arch], name);

	if (nr < 0)
		return -1;
	return nr & ~FILTER_X32_BIT;
}

int filter_arch_index(uint32_t audit_arch, int nr)
{
	if (audit_arch == AUDIT_ARCH_X86_64)
		return nr & FILTER_X32_BIT ? FILTER_ARCH_X32 : FILTER_ARCH_X86_64;
	if (audit_arch == AUDIT_ARCH_I386)
		return FILTER_ARCH_I386;
	return -1;
}

/* Rules for one syscall; fcntl only for the commands that change the
 * fd table, sendto only with an address. */
static int add_rules(scmp_filter_ctx ctx, const struct sc_desc *d, int nr)
{
	static const int fcntl_cmds[] = { F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD };
	int r = 0;

	if (d->dec == DEC_FCNTL) {
		for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(*fcntl_cmds); i++) {
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]));
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!strcmp(d->name, "sendto"))
		return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					SCMP_A4(SCMP_CMP_NE, 0));
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
}

static scmp_filter_ctx build(bool policy, struct sr_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx) {
		sr_error_make(err, SR_EXIT_FAILURE, ENOMEM,
			      "cannot create the seccomp filter");
		return NULL;
	}
	for (int a = 0; a < FILTER_ARCH_COUNT && r >= 0; a++) {
		if (seccomp_arch_exist(ctx, arches[a]) == -EEXIST)
			r = seccomp_arch_add(ctx, arches[a]);
	}
	for (unsigned i = 0; i < sc_table_len && r >= 0; i++) {
		int nr = seccomp_syscall_resolve_name(sc_table[i].name);

		/* A name no architecture here has (e.g. stat64 is i386 only
		 * but resolves to a pseudo-number libseccomp maps per arch). */
		if (nr == __NR_SCMP_ERROR || ((sc_table[i].opts & SCF_POLICY) && !policy))
			continue;
		r = add_rules(ctx, &sc_table[i], nr);
		if (r == -EDOM || r == -EINVAL)
			r = 0;
	}
	if (r < 0) {
		sr_error_make(err, SR_EXIT_FAILURE, -r,
			      "cannot build the seccomp filter");
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int filter_load(bool policy, struct sr_error **err)
{
	scmp_filter_ctx ctx = build(policy, err);
	int r;

	if (!ctx)
		return -1;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, -r,
				     "cannot load the seccomp filter");
	return 0;
}

int filter_dump(FILE *f, struct sr_error **err)
{
	scmp_filter_ctx ctx = build(false, err);
	int r;

	if (!ctx)
		return -1;
	fflush(f);
	r = seccomp_export_pfc(ctx, fileno(f));
	seccomp_release(ctx);
	if (r < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, -r,
				     "cannot print the seccomp filter");
	return 0;
}
