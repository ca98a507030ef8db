// SPDX-License-Identifier: GPL-2.0-or-later
/* A program linked to lib.c's library: prints how many of its
 * constructor's reads worked. */
#include <stdio.h>

extern int sr_ctor_rounds;

int main(void)
{
	printf("ctor: %d\n", sr_ctor_rounds);
	return sr_ctor_rounds == 20 ? 0 : 1;
}
