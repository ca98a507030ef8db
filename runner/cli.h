/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CLI_H
#define SR_CLI_H

/* Subcommand entry points: each parses its own options and returns an exit code. */
int cmd_run(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_fold(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_lock(int argc, char **argv);

/*
 * Usage errors, the GNU way: one line saying what is wrong, then a pointer
 * to --help; both return SR_EXIT_USAGE.  main() passes "sandrun CMD" as a
 * subcommand's argv[0], so getopt's own messages (opterr = 1) name it too.
 */
int cli_try_help(const char *cmd);
__attribute__((format(printf, 2, 3)))
int cli_usage(const char *cmd, const char *fmt, ...);

#endif
