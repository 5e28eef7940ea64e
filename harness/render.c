// SPDX-License-Identifier: GPL-2.0
/*
 * tdh machine: what a boot would start, without booting.
 *
 *   tdh machine [--machine native|xen] [--launcher direct|libvirt]
 *               [--fault-trace FILE] [options]
 *
 * Prints the machine the options describe as the launcher renders it:
 * QEMU's argv, one argument a line (direct), or the domain XML (libvirt).
 * The run folder's files appear under RUNDIR.  Nothing is started, no
 * privilege is needed; tests compare the two renderings field by field.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "machine.h"
#include "render.h"
#include "testbed.h"
#include "util.h"

static void render_usage(FILE *out)
{
	fprintf(out,
"usage: tdh machine [--machine native|xen] [--launcher direct|libvirt] [--fault-trace FILE] [options]\n"
"  --machine M        native (Linux alone) or xen (Xen with dom0; the default)\n"
"  --launcher L       direct (QEMU's argv, the default) or libvirt (the domain XML)\n"
"  --fault-trace F    the NIC's fault file, as tdh replay gives it\n");
	testbed_usage(out);
}

int render_main(int argc, char **argv)
{
	enum { OPT_MACHINE = 256, OPT_LAUNCHER, OPT_FAULT_TRACE };
	static const struct option longopts[] = {
		{ "machine", required_argument, NULL, OPT_MACHINE },
		{ "launcher", required_argument, NULL, OPT_LAUNCHER },
		{ "fault-trace", required_argument, NULL, OPT_FAULT_TRACE },
		TESTBED_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct launcher *launcher = &direct_launcher;
	enum machine_kind kind = MACHINE_XEN;
	struct testbed_opts o = { 0 };
	struct machine_desc d;
	const char *why, *uri;
	char *text;
	int c;

	testbed_defaults(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MACHINE:
			kind = testbed_machine_option(optarg);
			break;
		case OPT_LAUNCHER:
			/* nothing is launched: libvirt's URI is not needed */
			launcher = testbed_launcher(optarg, &uri);
			if (!launcher)
				die(EXIT_USAGE, "--launcher '%s': give direct or libvirt", optarg);
			break;
		case OPT_FAULT_TRACE:
			o.fault_trace = optarg;
			break;
		TESTBED_OPTION_CASES:
			testbed_option(&o, c, optarg);
			break;
		case 'h':
			render_usage(stdout);
			return 0;
		default:
			testbed_bad_option("machine", argv);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'; see 'tdh machine --help'", argv[optind]);
	if (o.accel == ACCEL_AUTO)
		die(EXIT_USAGE, "--accel auto is decided by a boot; give --accel tcg or kvm to render the machine");
	default_paths(&o);
	testbed_resolve_fpu(&o);
	testbed_describe(&o, kind, o.accel, "RUNDIR", machine_kind_name(kind), &d);
	why = launcher->refuses(&d);
	if (why)
		die(EXIT_USAGE, "%s", why);
	text = launcher->render(&d);
	fputs(text, stdout);
	free(text);
	cleanup_all();	/* the control sockets' folder, named but never used */
	return 0;
}
