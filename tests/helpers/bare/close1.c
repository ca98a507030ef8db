// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A program with no libc whose first syscall closes its stdout, then
 * exits (tests/run/inproc.t): its exec is first seen at that close's
 * notification, and its event names the pipe fd 1 was before.
 */
#include <sys/syscall.h>

void _start(void);

void _start(void)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(SYS_close), "D"(1L) : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"(SYS_exit_group), "D"(r != 0) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
