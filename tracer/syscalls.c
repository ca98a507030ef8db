// SPDX-License-Identifier: GPL-2.0-or-later
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "tracer/filter.h"
#include "tracer/syscalls.h"

/*        name             decoder          event          dfd path dfd2 path2 flags aux aux2 opts */
#define P(n, d, k, a, b, c, e, f, g, h, o) { n, d, k, a, b, c, e, f, g, h, o }
#define X SCF_EXIT
#define K SCF_KERNEL
const struct sc_desc sc_table[] = {
	P("open",              DEC_OPEN,        EV_OPEN,       -1, 0, -1, -1,  1,  2, -1, X),
	P("openat",            DEC_OPEN,        EV_OPEN,        0, 1, -1, -1,  2,  3, -1, X),
	P("creat",             DEC_CREAT,       EV_OPEN,       -1, 0, -1, -1, -1,  1, -1, X),
	P("openat2",           DEC_OPENAT2,     EV_OPEN,        0, 1, -1, -1, -1,  2, -1, X),
	P("stat",              DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1,  1, -1, X),
	P("lstat",             DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1,  1, -1, X | SCF_NOFOLLOW),
	P("stat64",            DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X),
	P("lstat64",           DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("newfstatat",        DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  3,  2, -1, X),
	P("fstatat64",         DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  3, -1, -1, X),
	P("statx",             DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  2,  4, -1, X | SCF_STATX),
	P("access",            DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X),
	P("faccessat",         DEC_PROBE,       EV_PROBE,       0, 1, -1, -1, -1, -1, -1, X),
	P("faccessat2",        DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  3, -1, -1, X),
	P("readlink",          DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("readlinkat",        DEC_PROBE,       EV_PROBE,       0, 1, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	/* (statfs as access: a miss answered at its entry (libselinux
	 * looks for /sys/fs/selinux so in every program it is linked to);
	 * then probes whose result is the kernel's, K: ENODATA from
	 * getxattr is a path that is there, with no such attribute) */
	P("oldstat",           DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X),
	P("oldlstat",          DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("statfs",            DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X),
	P("statfs64",          DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X),
	P("getxattr",          DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | K),
	P("lgetxattr",         DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | K | SCF_NOFOLLOW),
	P("listxattr",         DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | K),
	P("llistxattr",        DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | K | SCF_NOFOLLOW),
	P("getxattrat",        DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  2, -1, -1, X | K),
	P("listxattrat",       DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  2, -1, -1, X | K),
	P("file_getattr",      DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  4, -1, -1, X | K),
	P("name_to_handle_at", DEC_PROBE,       EV_PROBE,       0, 1, -1, -1,  4, -1, -1, X | K | SCF_FOLLOW_FLAG),
	P("inotify_add_watch", DEC_PROBE,       EV_PROBE,      -1, 1, -1, -1,  2, -1, -1, X | K | SCF_INOTIFY),
	P("uselib",            DEC_PROBE,       EV_PROBE,      -1, 0, -1, -1, -1, -1, -1, X | K),
	P("getdents64",        DEC_READDIR,     EV_READDIR,     0, -1, -1, -1, -1, -1, -1, X),
	P("getdents",          DEC_READDIR,     EV_READDIR,     0, -1, -1, -1, -1, -1, -1, X),
	P("readdir",           DEC_READDIR,     EV_READDIR,     0, -1, -1, -1, -1, -1, -1, X),
	P("mkdir",             DEC_PATH,        EV_MKDIR,      -1, 0, -1, -1, -1,  1, -1, X),
	P("mkdirat",           DEC_PATH,        EV_MKDIR,       0, 1, -1, -1, -1,  2, -1, X),
	P("rmdir",             DEC_PATH,        EV_RMDIR,      -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("unlink",            DEC_PATH,        EV_UNLINK,     -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("unlinkat",          DEC_PATH,        EV_UNLINK,      0, 1, -1, -1,  2, -1, -1, X | SCF_NOFOLLOW),
	P("rename",            DEC_TWO_PATHS,   EV_RENAME,     -1, 0, -1,  1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("renameat",          DEC_TWO_PATHS,   EV_RENAME,      0, 1,  2,  3, -1, -1, -1, X | SCF_NOFOLLOW),
	P("renameat2",         DEC_TWO_PATHS,   EV_RENAME,      0, 1,  2,  3,  4, -1, -1, X | SCF_NOFOLLOW),
	P("link",              DEC_TWO_PATHS,   EV_LINK,       -1, 0, -1,  1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("linkat",            DEC_TWO_PATHS,   EV_LINK,        0, 1,  2,  3,  4, -1, -1, X | SCF_NOFOLLOW),
	P("symlink",           DEC_SYMLINK,     EV_SYMLINK,    -1, -1, -1,  1, -1,  0, -1, X),
	P("symlinkat",         DEC_SYMLINK,     EV_SYMLINK,    -1, -1,  1,  2, -1,  0, -1, X),
	P("chmod",             DEC_PATH,        EV_CHMOD,      -1, 0, -1, -1, -1,  1, -1, X),
	P("fchmodat",          DEC_PATH,        EV_CHMOD,       0, 1, -1, -1, -1,  2, -1, X),
	P("fchmod",            DEC_FD,          EV_CHMOD,       0, -1, -1, -1, -1,  1, -1, X),
	P("fchmodat2",         DEC_PATH,        EV_CHMOD,       0, 1, -1, -1,  3,  2, -1, X),
	P("chown",             DEC_PATH,        EV_CHOWN,      -1, 0, -1, -1, -1, -1, -1, X),
	P("lchown",            DEC_PATH,        EV_CHOWN,      -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("chown32",           DEC_PATH,        EV_CHOWN,      -1, 0, -1, -1, -1, -1, -1, X),
	P("lchown32",          DEC_PATH,        EV_CHOWN,      -1, 0, -1, -1, -1, -1, -1, X | SCF_NOFOLLOW),
	P("fchownat",          DEC_PATH,        EV_CHOWN,       0, 1, -1, -1,  4, -1, -1, X),
	P("fchown",            DEC_FD,          EV_CHOWN,       0, -1, -1, -1, -1, -1, -1, X),
	P("fchown32",          DEC_FD,          EV_CHOWN,       0, -1, -1, -1, -1, -1, -1, X),
	P("truncate",          DEC_PATH,        EV_TRUNCATE,   -1, 0, -1, -1, -1, -1, -1, X),
	P("truncate64",        DEC_PATH,        EV_TRUNCATE,   -1, 0, -1, -1, -1, -1, -1, X),
	P("ftruncate",         DEC_FD,          EV_TRUNCATE,    0, -1, -1, -1, -1, -1, -1, X),
	P("ftruncate64",       DEC_FD,          EV_TRUNCATE,    0, -1, -1, -1, -1, -1, -1, X),
	P("utime",             DEC_PATH,        EV_UTIMES,     -1, 0, -1, -1, -1, -1, -1, X),
	P("utimes",            DEC_PATH,        EV_UTIMES,     -1, 0, -1, -1, -1, -1, -1, X),
	P("futimesat",         DEC_PATH,        EV_UTIMES,      0, 1, -1, -1, -1, -1, -1, X),
	P("utimensat",         DEC_PATH,        EV_UTIMES,      0, 1, -1, -1,  3, -1, -1, X),
	P("utimensat_time64",  DEC_PATH,        EV_UTIMES,      0, 1, -1, -1,  3, -1, -1, X),
	P("mknod",             DEC_PATH,        EV_MKNOD,      -1, 0, -1, -1, -1,  1, -1, X),
	P("mknodat",           DEC_PATH,        EV_MKNOD,       0, 1, -1, -1, -1,  2, -1, X),
	P("chdir",             DEC_CHDIR,       EV_CHDIR,      -1, 0, -1, -1, -1, -1, -1, X),
	P("fchdir",            DEC_FCHDIR,      EV_CHDIR,       0, -1, -1, -1, -1, -1, -1, X),
	P("execve",            DEC_EXEC,        EV_EXEC,       -1, 0, -1, -1, -1,  1,  2, X),
	P("execveat",          DEC_EXEC,        EV_EXEC,        0, 1, -1, -1,  4,  2,  3, X),
	P("dup",               DEC_DUP,         EV_KIND_MAX,    0, -1, -1, -1, -1, -1, -1, X),
	P("dup2",              DEC_DUP,         EV_KIND_MAX,    0, -1, -1, -1, -1,  1, -1, X),
	P("dup3",              DEC_DUP,         EV_KIND_MAX,    0, -1, -1, -1,  2,  1, -1, X),
	P("fcntl",             DEC_FCNTL,       EV_KIND_MAX,    0, -1, -1, -1,  1,  2, -1, X),
	P("fcntl64",           DEC_FCNTL,       EV_KIND_MAX,    0, -1, -1, -1,  1,  2, -1, X),
	P("close",             DEC_CLOSE,       EV_KIND_MAX,    0, -1, -1, -1, -1, -1, -1, 0),
	P("close_range",       DEC_CLOSE_RANGE, EV_KIND_MAX,    0, -1, -1, -1,  2,  1, -1, X),
	/* (only MAP_SHARED with PROT_WRITE of a file: filter.c) */
	P("mmap",              DEC_MMAP,        EV_KIND_MAX,    4, -1, -1, -1, -1, -1, -1, 0),
	P("mmap2",             DEC_MMAP,        EV_KIND_MAX,    4, -1, -1, -1, -1, -1, -1, 0),
	P("socket",            DEC_NET,         EV_NET,        -1, -1, -1, -1, -1,  0, -1, X),
	P("connect",           DEC_NET,         EV_NET,         0, -1, -1, -1, -1,  1,  2, X),
	P("bind",              DEC_NET,         EV_NET,         0, -1, -1, -1, -1,  1,  2, X),
	P("sendto",            DEC_NET,         EV_NET,         0, -1, -1, -1, -1,  4,  5, X),
	P("socketcall",        DEC_NET,         EV_NET,        -1, -1, -1, -1, -1, -1, -1, X),
	P("sendmsg",           DEC_NET,         EV_NET,         0, -1, -1, -1, -1,  1, -1, X | SCF_POLICY),
	P("sendmmsg",          DEC_NET,         EV_NET,         0, -1, -1, -1, -1,  1,  2, X | SCF_POLICY),
	P("getrandom",         DEC_RANDOM,      EV_RANDOM,     -1, -1, -1, -1, -1, -1, -1, X),
	P("io_uring_setup",    DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("open_by_handle_at", DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("ptrace",            DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("process_vm_writev", DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("chroot",            DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, 0, -1, -1, -1, -1, -1, X),
	P("pivot_root",        DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, 0, -1, -1, -1, -1, -1, X),
	P("mount",             DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, 1, -1, -1, -1, -1, -1, X),
	P("umount2",           DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, 0, -1, -1, -1, -1, -1, X),
	P("umount",            DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, 0, -1, -1, -1, -1, -1, X),
	P("move_mount",        DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("open_tree",         DEC_UNTRACEABLE, EV_UNTRACEABLE,  0, 1, -1, -1, -1, -1, -1, X),
	P("open_tree_attr",    DEC_UNTRACEABLE, EV_UNTRACEABLE,  0, 1, -1, -1, -1, -1, -1, X),
	P("fsopen",            DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("fspick",            DEC_UNTRACEABLE, EV_UNTRACEABLE,  0, 1, -1, -1, -1, -1, -1, X),
	P("fsconfig",          DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("fsmount",           DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("mount_setattr",     DEC_UNTRACEABLE, EV_UNTRACEABLE,  0, 1, -1, -1, -1, -1, -1, X),
	P("fanotify_mark",     DEC_UNTRACEABLE, EV_UNTRACEABLE,  3, 4, -1, -1, -1, -1, -1, X),
	P("unshare",           DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	P("setns",             DEC_UNTRACEABLE, EV_UNTRACEABLE, -1, -1, -1, -1, -1, -1, -1, X),
	/* (the *at forms' struct xattr_args is the same for 32-bit callers) */
	P("setxattr",          DEC_XATTR,       EV_XATTR,      -1, 0, -1, -1, -1,  1,  2, X),
	P("lsetxattr",         DEC_XATTR,       EV_XATTR,      -1, 0, -1, -1, -1,  1,  2, X | SCF_NOFOLLOW),
	P("fsetxattr",         DEC_XATTR,       EV_XATTR,       0, -1, -1, -1, -1,  1,  2, X),
	P("removexattr",       DEC_XATTR,       EV_XATTR,      -1, 0, -1, -1, -1,  1, -1, X),
	P("lremovexattr",      DEC_XATTR,       EV_XATTR,      -1, 0, -1, -1, -1,  1, -1, X | SCF_NOFOLLOW),
	P("fremovexattr",      DEC_XATTR,       EV_XATTR,       0, -1, -1, -1, -1,  1, -1, X),
	P("setxattrat",        DEC_XATTR,       EV_XATTR,       0, 1, -1, -1,  2,  3,  4, X),
	P("removexattrat",     DEC_XATTR,       EV_XATTR,       0, 1, -1, -1,  2,  3, -1, X),
	P("file_setattr",      DEC_UNTRACEABLE, EV_UNTRACEABLE,  0, 1, -1, -1,  4, -1, -1, X),
};
#undef P
#undef X
#undef K
const unsigned sc_table_len = ARRAY_SIZE(sc_table);

/* i386's fanotify_mark: its 64-bit mask is two arguments there, so its
 * dirfd and path come one later than on x86_64 and x32. */
static const struct sc_desc i386_fanotify_mark =
	{ "fanotify_mark", DEC_UNTRACEABLE, EV_UNTRACEABLE, 4, 5, -1, -1, -1, -1, -1, SCF_EXIT };

/* Per-architecture maps from syscall number to descriptor. */
#define SC_NR_MAX 1024
static const struct sc_desc *by_nr[FILTER_ARCH_COUNT][SC_NR_MAX];

int sc_init(void)
{
	for (int a = 0; a < FILTER_ARCH_COUNT; a++) {
		for (unsigned i = 0; i < sc_table_len; i++) {
			const struct sc_desc *d = &sc_table[i];
			int nr = filter_resolve(a, d->name);

			if (a == FILTER_ARCH_I386 && !strcmp(d->name, i386_fanotify_mark.name))
				d = &i386_fanotify_mark;
			if (nr >= 0 && nr < SC_NR_MAX)
				by_nr[a][nr] = d;
		}
	}
	return 0;
}

const struct sc_desc *sc_lookup(uint32_t arch, int nr)
{
	int a = filter_arch_index(arch, nr);

	nr &= ~FILTER_X32_BIT;
	if (a < 0 || nr < 0 || nr >= SC_NR_MAX)
		return NULL;
	return by_nr[a][nr];
}
