// SPDX-License-Identifier: GPL-2.0
/*
 * tdh sim: boot each machine the configurations need, run the workloads
 * against the peer, measure, and write the table and results.json.
 *
 * The configurations share boots where they can: dom0 and netback are
 * measured in the same Xen boot (the domU is started once), native in its
 * own.  Each repeat boots afresh, the machines and the measurements within
 * a boot in alternating order (matrix.h), so that drift of the shared host
 * does not favour one configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "matrix.h"
#include "netns.h"
#include "options.h"
#include "results.h"
#include "sim.h"
#include "testbed.h"
#include "util.h"


void sim_usage(FILE *out)
{
	fprintf(out,
"usage: tdh sim [options]\n"
"  --configs LIST     native,dom0,twin-dom0,netback,twin (default: all five);\n"
"                     twin-frames: twin without Xen's receive coalescing\n"
"  --workloads LIST   tx,rx: tx = guest sends to the peer, rx = peer sends (default: both)\n"
"  --repeats N        boots and measurements per configuration (default 1)\n");
	testbed_usage(out);
}

void sim_parse(struct testbed_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "configs", required_argument, NULL, 'c' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "repeats", required_argument, NULL, 'r' },
		TESTBED_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char default_configs[] = "native,dom0,twin-dom0,netback,twin", default_workloads[] = "tx,rx";
	long l;
	int c;

	testbed_defaults(o);
	o->repeats = 1;

	testbed_record_args(o, argc, argv);

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->nr_configs = testbed_split_list(optarg, o->configs, MAX_CONFIGS, "configuration", testbed_valid_config, "sim");
			break;
		case 'w':
			o->nr_workloads = testbed_split_list(optarg, o->workloads, MAX_WORKLOADS, "workload", testbed_valid_workload, "sim");
			break;
		case 'r':
			if (!parse_int(optarg, 1, 100, &l))
				die(EXIT_USAGE, "--repeats '%s': give a whole number between 1 and 100", optarg);
			o->repeats = (int)l;
			break;
		TESTBED_OPTION_CASES:
			testbed_option(o, c, optarg);
			break;
		case 'h':
			sim_usage(stdout);
			exit(0);
		default:
			testbed_bad_option("sim", argv);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'; see 'tdh sim --help'", argv[optind]);
	if (!o->nr_configs)
		o->nr_configs = testbed_split_list(default_configs, o->configs, MAX_CONFIGS, "configuration", testbed_valid_config, "sim");
	if (!o->nr_workloads)
		o->nr_workloads = testbed_split_list(default_workloads, o->workloads, MAX_WORKLOADS, "workload", testbed_valid_workload, "sim");
}

/* --- the run --------------------------------------------------------------- */

int sim_run(struct testbed_opts *o)
{
	struct results res = { 0 };
	struct testbed tb;
	struct matrix mx = {
		.tb = &tb,
		.nr_launchers = 1,
		.launcher = { &direct_launcher },
		.launcher_name = { "direct" },
		.res = { &res },
	};

	testbed_open(&tb, o, &direct_launcher, NULL);
	res.versions = tb.versions;
	res.options = options_json(o);
	mx.dir[0] = tb.rundir;
	matrix_run(&mx);
	if (!results_write(&res, tb.rundir, o->args))
		die(EXIT_RUN, "cannot write %s/results.json", tb.rundir);
	results_print_table(&res, stdout);
	printf("\nresults: %s/results.json (consoles and raw outputs beside it)\n", tb.rundir);
	testbed_close(&tb);
	free(res.rec);
	json_object_put(res.options);
	return 0;
}
