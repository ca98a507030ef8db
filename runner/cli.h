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

#endif
