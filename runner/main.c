// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/cli.h"

#ifndef SANDRUN_VERSION
#define SANDRUN_VERSION "0.0.0"
#endif

static const char main_usage[] =
	"Usage: sandrun [run] [OPTION]... [--] COMMAND [ARG]...\n"
	"       sandrun SUBCOMMAND [--help] ...\n"
	"\n"
	"Run a build in a fresh sandbox.\n"
	"\n"
	"Subcommands:\n"
	"  run       run COMMAND in the sandbox, tracing it (the default)\n"
	"  show      print a trace's process tree and events\n"
	"  filter    print the seccomp filter (--dump) or syscall table (--list)\n"
	"  fold      print a run's net filesystem delta (or its --checksum)\n"
	"  manifest  print a canonical manifest of a tree (mtree)\n"
	"  apply     apply a delta's $SRC part to a manifest\n"
	"  hash      digests with module and Authenticode signatures masked\n"
	"  verify    check module and Authenticode signatures with certificates\n"
	"  diff      explain why two runs differ: root causes first\n"
	"  lock      print a build's host inputs from its trace (for run --lock)\n"
	"  help      print this help, or a SUBCOMMAND's\n"
	"  version   print the version\n"
	"\n"
	"Options:\n"
	"  -h, --help     print this help and exit\n"
	"      --version  print the version and exit\n"
	"\n"
	"'sandrun SUBCOMMAND --help' describes each subcommand; sandrun(1) has\n"
	"the exit codes.\n";

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs("Usage: sandrun version\nPrint sandrun's version.\n", stdout);
		return SR_EXIT_OK;
	}
	if (argc > 1)
		return cli_usage("version", "takes no operands");
	printf("sandrun %s\n", SANDRUN_VERSION);
	return SR_EXIT_OK;
}

static const struct subcommand subcommands[] = {
	{ "run", cmd_run },
	{ "show", cmd_show },
	{ "filter", cmd_filter },
	{ "fold", cmd_fold },
	{ "manifest", cmd_manifest },
	{ "apply", cmd_apply },
	{ "hash", cmd_hash },
	{ "verify", cmd_verify },
	{ "diff", cmd_diff },
	{ "lock", cmd_lock },
	{ "help", cmd_help },
	{ "version", cmd_version },
};

/* `sandrun help SUBCOMMAND` is `sandrun SUBCOMMAND --help`. */
static int cmd_help(int argc, char **argv)
{
	static char help_opt[] = "--help";

	if (argc > 2)
		return cli_usage("help", "takes at most one SUBCOMMAND");
	if (argc == 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
			if (strcmp(argv[1], subcommands[i].name))
				continue;
			char *sub_argv[] = { xasprintf("sandrun %s", argv[1]), help_opt, NULL };
			int rc = subcommands[i].fn(2, sub_argv);

			free(sub_argv[0]);
			return rc;
		}
		return cli_usage("help", "unknown subcommand '%s'", argv[1]);
	}
	fputs(main_usage, stdout);
	return SR_EXIT_OK;
}

/*
 * Output lost on a full disk or a closed pipe is a failure, not a success
 * with a short file (the coreutils close_stdout idiom): every subcommand
 * returns here, and a write error on stdout turns its status into 125.
 */
static int close_stdout(int rc)
{
	int e = stdout_errno();

	if (!ferror(stdout))
		return rc;
	if (e)
		fprintf(stderr, "sandrun: write error on standard output: %s\n", strerror(e));
	else
		fputs("sandrun: write error on standard output\n", stderr);
	return SR_EXIT_FAILURE;
}

/* A write to a pipe whose reader is gone (stdout's, as a rule): what
 * is left to print is for no one, so stop now, with the write error's
 * status and word (a handler, not SIG_IGN: it is not inherited by a
 * program sandrun would run). */
static void on_sigpipe(int sig)
{
	static const char msg[] = "sandrun: write error on standard output: Broken pipe\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(SR_EXIT_FAILURE);
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		fputs("sandrun: no command given (sandrun -- COMMAND, or a subcommand)\n"
		      "Try 'sandrun --help' for more information.\n", stderr);
		return SR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		signal(SIGPIPE, on_sigpipe);
		return cmd_help(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "--version")) {
		signal(SIGPIPE, on_sigpipe);
		return cmd_version(argc - 1, argv + 1);
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[1], subcommands[i].name)) {
			/* A closed pipe on stdout is a write error (125), as
			 * documented, not death by SIGPIPE; but for run, whose
			 * signals are its command's business. */
			if (subcommands[i].fn != cmd_run)
				signal(SIGPIPE, on_sigpipe);
			/* getopt names the program by argv[0] in its messages. */
			argv[1] = xasprintf("sandrun %s", subcommands[i].name);
			return subcommands[i].fn(argc - 1, argv + 1);
		}
	/* `sandrun -- CMD` and `sandrun --src=. -- CMD` mean `run`, whose
	 * usage errors then say "sandrun:" (not the path it was run by). */
	if (argv[1][0] == '-') {
		static char name[] = "sandrun";

		argv[0] = name;
		return cmd_run(argc, argv);
	}
	fprintf(stderr, "sandrun: unknown subcommand '%s'\n"
		"Try 'sandrun --help' for more information.\n", argv[1]);
	return SR_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return close_stdout(dispatch(argc, argv));
}
