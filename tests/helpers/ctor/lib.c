// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A library whose constructor reads files, as libselinux's does in every
 * coreutils program: a program's libraries are started before a preload
 * is (tests/run/inproc.t).  With stdio, whose calls are libc's own (no
 * symbol a preload could take over): in.txt opened, read and closed,
 * and missing.txt tried, ROUNDS times each, in the current directory.
 */
#include <stdio.h>

#define ROUNDS 20

int sr_ctor_rounds;

__attribute__((constructor)) static void ctor(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		FILE *f = fopen("in.txt", "re");

		if (f) {
			if (fgetc(f) != EOF)
				sr_ctor_rounds++;
			fclose(f);
		}
		f = fopen("missing.txt", "re");
		if (f)
			fclose(f);
	}
}
