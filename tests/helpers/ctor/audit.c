// SPDX-License-Identifier: GPL-2.0-or-later
/* A build's own audit module, which does nothing (tests/run/inproc.t). */
#include <link.h>

unsigned int la_version(unsigned int version)
{
	return version;
}
