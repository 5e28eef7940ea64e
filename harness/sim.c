// SPDX-License-Identifier: GPL-2.0
/*
 * tdh sim: boot each machine the configurations need, run the workloads
 * against the peer, measure, and write the table and results.json.
 *
 * The configurations share boots where they can: dom0 and netback are
 * measured in the same Xen boot (the domU is started once), native in its
 * own.  Each repeat boots afresh, the machines in alternating order and
 * the measurements within a boot in alternating order, so that drift of
 * the shared host does not favour one configuration.
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
#include "cleanup.h"
#include "measure.h"
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

static bool config_selected(const struct testbed_opts *o, const char *name)
{
	int i;

	for (i = 0; i < o->nr_configs; i++)
		if (!strcmp(o->configs[i], name))
			return true;
	return false;
}

static void run_machine(const struct testbed_opts *o, enum machine_kind kind, enum accel accel, int repeat,
			const char *rundir, struct results *res)
{
	const struct config_desc *todo[MAX_CONFIGS * MAX_WORKLOADS];
	const char *todo_w[MAX_CONFIGS * MAX_WORKLOADS];
	struct machine m;
	struct agent a;
	bool need_domu = false;
	char tag[32];
	int n = 0, i, j;

	/* workload-major, configurations interleaved; reversed on even repeats */
	for (j = 0; j < o->nr_workloads; j++) {
		for (i = 0; i < nr_config_table; i++) {
			const struct config_desc *cd = &config_table[i];

			if (cd->machine != kind || !config_selected(o, cd->name))
				continue;
			todo[n] = cd;
			todo_w[n++] = o->workloads[j];
			need_domu |= cd->needs_domu;
		}
	}
	if (!n)
		return;
	snprintf(tag, sizeof(tag), "%s-r%d", machine_kind_name(kind), repeat);
	boot(o, &direct_launcher, &m, &a, kind, accel, rundir, tag);
	if (need_domu)
		start_domu(&a, &m, NULL);
	for (i = 0; i < n; i++) {
		int k = (repeat - 1) % 2 ? n - 1 - i : i;

		measure(o, todo[k], todo_w[k], repeat, &m, &a, rundir, res);
		results_write(res, rundir, o->args);
	}
	if (need_domu)
		save_domu_console(&a, rundir, tag);
	shutdown_machine(&a, &m);
}

int sim_run(struct testbed_opts *o)
{
	struct results res = { 0 };
	struct peer peer;
	enum accel accel;
	char *rundir;
	int r, g;

	default_paths(o);
	preflight(o);
	cleanup_install_signals();
	take_lock(o->build_dir);
	rundir = make_rundir(o->results_dir);
	info("run folder %s", rundir);
	read_versions(o, &res.versions);
	peer_create(&peer);
	info("peer: namespace %s, %s on %s", peer.name, PEER_IP, TAP_NAME);
	accel = resolve_accel(o, rundir);
	testbed_resolve(o, accel);
	res.options = options_json(o);

	for (r = 1; r <= o->repeats; r++) {
		/* machines alternate: native first on odd repeats, Xen first on even */
		for (g = 0; g < 2; g++) {
			enum machine_kind kind = (g ^ (r % 2 == 0)) ? MACHINE_XEN : MACHINE_NATIVE;

			run_machine(o, kind, accel, r, rundir, &res);
		}
	}
	if (!results_write(&res, rundir, o->args))
		die(EXIT_RUN, "cannot write %s/results.json", rundir);
	cleanup_all();
	results_print_table(&res, stdout);
	printf("\nresults: %s/results.json (consoles and raw outputs beside it)\n", rundir);
	free(res.rec);
	json_object_put(res.options);
	free(rundir);
	return 0;
}
