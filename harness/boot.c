// SPDX-License-Identifier: GPL-2.0
/*
 * tdh boot: the testbed as it boots for a measurement, for anything else.
 *
 *   tdh boot [--machine native|xen] [--launcher L] [--domu] [--domu-args A] [options] [-- CMD ...]
 *   tdh agent --socket PATH [--timeout S] -- CMD ...
 *
 * Boots one machine (Xen with dom0 by default) with the peer's namespace
 * and tap, optionally the domU, then either runs CMD in the booted
 * machine (dom0 under Xen) through its agent, prints its output and exits
 * with its status, or, without CMD, holds the machine until interrupted.
 * While it holds one, `tdh agent` runs commands in it through the agent
 * socket it printed (and tests run the peer's side in the namespace it
 * printed).  Reproducers and tests use these instead of their own copy of
 * the machine's command line or the agent's protocol.
 *
 * Exit status: CMD's (1 if CMD succeeded but dom0 lost processes to
 * a fault during the boot), 1 when the boot failed, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "boot.h"
#include "cleanup.h"
#include "netns.h"
#include "results.h"
#include "testbed.h"
#include "util.h"

struct boot_opts {
	struct testbed_opts t;
	enum machine_kind kind;
	const struct launcher *launcher;
	const char *libvirt_uri;
	bool domu;
	const char *domu_args;
	double cmd_timeout_s;
	char *cmd;		/* NULL: hold the machine */
};

static void boot_usage(FILE *out)
{
	fprintf(out,
"usage: tdh boot [--machine native|xen] [--launcher L] [--domu] [--domu-args A] [options] [-- CMD ...]\n"
"  --machine M        native (Linux alone) or xen (Xen with dom0; the default)\n"
"  --launcher L       direct (QEMU run by tdh, the default), libvirt or libvirt:URI\n"
"  --domu             start the domU (xl create) once dom0 is up\n"
"  --domu-args A      more arguments for the domU's kernel (implies --domu),\n"
"                     for example tdh.fpucheck=30\n"
"  --cmd-timeout S    give CMD at most S seconds (default 3600)\n"
"  CMD                a shell command run in the booted machine (dom0 under Xen);\n"
"                     its output is printed and tdh exits with its status.\n"
"                     Without CMD the machine runs until Ctrl-C.\n");
	testbed_usage(out);
}

/* "a" "b c" -> one shell command line: each word quoted. */
static char *join_command(int argc, char **argv)
{
	size_t len = 1;
	char *cmd, *o;
	int i;

	if (argc == 1)
		return xstrdup(argv[0]);	/* one word: already a command line */
	for (i = 0; i < argc; i++)
		len += 4 * strlen(argv[i]) + 3;
	cmd = o = xcalloc(len, 1);
	for (i = 0; i < argc; i++) {
		const char *s;

		*o++ = i ? ' ' : '\'';
		if (i)
			*o++ = '\'';
		for (s = argv[i]; *s; s++) {
			if (*s == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = *s;
			}
		}
		*o++ = '\'';
	}
	*o = '\0';
	return cmd;
}

static void parse(struct boot_opts *b, int argc, char **argv)
{
	enum { OPT_MACHINE = 256, OPT_LAUNCHER, OPT_DOMU, OPT_DOMU_ARGS, OPT_CMD_TIMEOUT };
	static const struct option longopts[] = {
		{ "machine", required_argument, NULL, OPT_MACHINE },
		{ "launcher", required_argument, NULL, OPT_LAUNCHER },
		{ "domu", no_argument, NULL, OPT_DOMU },
		{ "domu-args", required_argument, NULL, OPT_DOMU_ARGS },
		{ "cmd-timeout", required_argument, NULL, OPT_CMD_TIMEOUT },
		TESTBED_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	testbed_defaults(&b->t);
	testbed_record_args(&b->t, argc, argv);
	b->kind = MACHINE_XEN;
	b->launcher = &direct_launcher;
	b->cmd_timeout_s = 3600;
	opterr = 0;
	optind = 1;
	/* '+': options end at the first non-option, CMD's own options are its */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MACHINE:
			b->kind = testbed_machine_option(optarg);
			break;
		case OPT_LAUNCHER:
			b->launcher = testbed_launcher(optarg, &b->libvirt_uri);
			if (!b->launcher)
				die(EXIT_USAGE, "--launcher '%s': give direct, libvirt or libvirt:URI", optarg);
			break;
		case OPT_DOMU_ARGS:
			if (!*optarg || strpbrk(optarg, "\"'\n"))
				die(EXIT_USAGE, "--domu-args '%s': give space-separated arguments, without quotes",
				    optarg);
			b->domu_args = optarg;
			/* fall through */
		case OPT_DOMU:
			b->domu = true;
			break;
		case OPT_CMD_TIMEOUT:
			if (!parse_double(optarg, 1, 86400, &b->cmd_timeout_s))
				die(EXIT_USAGE, "--cmd-timeout '%s': give seconds between 1 and 86400", optarg);
			break;
		TESTBED_OPTION_CASES:
			testbed_option(&b->t, c, optarg);
			break;
		case 'h':
			boot_usage(stdout);
			exit(0);
		default:
			testbed_bad_option("boot", argv);
		}
	}
	if (b->domu && b->kind != MACHINE_XEN)
		die(EXIT_USAGE, "--domu needs --machine xen (the domU runs under Xen)");
	if (optind < argc) {
		if (!*argv[optind])
			die(EXIT_USAGE, "an empty command; see 'tdh boot --help'");
		b->cmd = join_command(argc - optind, argv + optind);
	}
	/* what preflight() checks: the images this machine needs */
	b->t.configs[0] = b->kind == MACHINE_XEN ? "dom0" : "native";
	b->t.nr_configs = 1;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int boot_main(int argc, char **argv)
{
	struct boot_opts b = { 0 };
	struct testbed tb;
	struct machine m;
	struct agent a;
	char *out = NULL;
	int rc = 0;

	parse(&b, argc, argv);
	testbed_open(&tb, &b.t, b.launcher, b.libvirt_uri);
	boot(&tb, b.launcher, &m, &a, b.kind, tb.rundir, machine_kind_name(b.kind));
	if (b.domu)
		start_domu(&a, &m, b.domu_args);

	if (b.cmd) {
		info("running in %s: %.*s%s", b.kind == MACHINE_XEN ? "dom0" : "native Linux",
		     (int)strcspn(b.cmd, "\n"), b.cmd, strchr(b.cmd, '\n') ? " ... (a script)" : "");
		rc = agent_run(&a, b.cmd, b.cmd_timeout_s, &out);
		if (out)
			fputs(out, stdout);
		fflush(stdout);
		if (rc < 0)
			die(EXIT_RUN, "the command did not finish within %.0f s, or the agent stopped answering "
			    "(console %s)", b.cmd_timeout_s, m.d.console_log);
		info("the command exited with status %d", rc);
	} else {
		/* cleanup's own handlers would exit at once: stop in order instead */
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		/* the socket takes one client: leave it to 'tdh agent' */
		agent_close(&a);
		info("holding the machine: console %s, agent socket %s, peer namespace %s; Ctrl-C stops it",
		     m.d.console_log, m.d.ctl_sock, tb.peer.name);
		while (!interrupted && machine_alive(&m))
			sleep_s(0.5);
		if (!interrupted)
			die(EXIT_RUN, "the machine stopped by itself (QEMU exited); console %s", m.d.console_log);
		info("interrupted: stopping the machine");
	}
	if (b.domu)
		save_domu_console(&a, tb.rundir, machine_kind_name(b.kind));
	if (m.d.kind == MACHINE_XEN && console_segfaults(&m)) {
		/* CMD's own status stays: a test may expect it to fail */
		fprintf(stderr, "tdh: error: %u dom0 process(es) died of a fault (SIGSEGV, SIGILL, ...) during this boot (%s)\n",
			console_segfaults(&m), m.d.console_log);
		if (rc == 0)
			rc = EXIT_RUN;
	}
	release_machine(&a, &m);
	testbed_close(&tb);
	free(out);
	return rc;
}

/* tdh agent --socket PATH [--timeout S] -- CMD: one command in a held machine. */
int agent_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL;
	double timeout_s = 600;
	struct agent a;
	char *cmd, *out = NULL;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 't':
			if (!parse_double(optarg, 1, 86400, &timeout_s))
				die(EXIT_USAGE, "--timeout '%s': give seconds between 1 and 86400", optarg);
			break;
		case 'h':
			printf("usage: tdh agent --socket PATH [--timeout S] -- CMD ...\n"
			       "  runs CMD in the machine a 'tdh boot' without a command holds\n"
			       "  (its agent socket is in its 'holding the machine' line)\n");
			return 0;
		default:
			testbed_bad_option("agent", argv);
		}
	}
	if (!sock || optind >= argc)
		die(EXIT_USAGE, "agent needs --socket PATH and a command; see 'tdh agent --help'");
	cmd = join_command(argc - optind, argv + optind);
	if (!agent_connect(&a, sock))
		die(EXIT_USAGE, "cannot connect to %s: %s; is a 'tdh boot' holding that machine?", sock,
		    strerror(errno));
	rc = agent_run(&a, cmd, timeout_s, &out);
	if (out)
		fputs(out, stdout);
	agent_close(&a);
	free(out);
	free(cmd);
	if (rc < 0)
		die(EXIT_RUN, "the command did not finish within %.0f s, or the agent stopped answering", timeout_s);
	return rc;
}
