/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HELLO_H
#define HELLO_H

#define HELLO_GREETING "hello from a sandrun build"

#endif
