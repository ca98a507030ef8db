// SPDX-License-Identifier: GPL-2.0
/*
 * sandrun's demo build: a small out-of-tree module, built with
 * `make -C /usr/src/linux-headers-<version> M=$PWD modules`.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "hello.h"

static int __init hello_init(void)
{
	pr_info("%s\n", HELLO_GREETING);
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("goodbye from the sandbox\n");
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_DESCRIPTION("sandrun demo module");
MODULE_LICENSE("GPL");
