// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: a fault campaign against Xen with the hypervisor instance
 * (faults_campaign.c), recorded as faults.json and faults.md in the run
 * folder.  Exit 0 when no fault crashed Xen or dom0, corrupted data or
 * leaked; 1 when one did; 2 when the campaign could not run, or a fault
 * could not be injected for the testbed's fault (a payload Xen refused
 * for another reason than its interface, a driver-VM fault that did not
 * happen).
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults_int.h"
#include "util.h"

#define DEFAULT_COUNT	200
#define DEFAULT_RING	100000

static void faults_usage(FILE *out)
{
	fprintf(out,
"usage: tdh faults [--seed N] [--count N] [--kinds LIST] [--only IDS] [--list] [options]\n"
"  --seed N        the random mutations' seeds derive from N (default 1)\n"
"  --count N       random mutations drawn (default %d)\n"
"  --kinds LIST    swifi (the named mutations, hv/faults/e1000.mutations),\n"
"                  random (seeded mutations of the fast path), vm (the driver VM's\n"
"                  faults), ring (a guest's random requests in its vif's rings, the\n"
"                  twin configuration), device (harness/traces' faults, triggers\n"
"                  drawn from the seed, a boot each); default: all\n"
"  --only IDS      only these faults (swifi:NAME, random:SEED, vm:NAME, ring:fuzz,\n"
"                  ring:teardown, device:NAME;\n"
"                  comma-separated)\n"
"  --library FILE  the named mutations (default hv/faults/e1000.mutations)\n"
"  --ring-requests N  a guest's requests in the ring faults, at least (default %d)\n"
"  --unsafe        tests only: build the mutants unsafe (SVM hands them Xen's own\n"
"                  addresses), boot Xen to accept them: a campaign that must fail\n"
"  --list          print the campaign's faults and exit, booting nothing\n",
		DEFAULT_COUNT, DEFAULT_RING);
	testbed_usage(out);
}

static void parse_kinds(struct fault_opts *fo, char *arg)
{
	const char *const *names = fault_kind_names;
	char *tok, *save;
	int i;

	memset(fo->kinds, 0, sizeof(fo->kinds));
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_FAULT_KINDS && strcmp(names[i], tok); i++)
			;
		if (i == NR_FAULT_KINDS)
			die(EXIT_USAGE, "unknown fault kind '%s' (swifi, random, vm, ring, device); see 'tdh faults --help'",
			    tok);
		fo->kinds[i] = true;
	}
}

static bool parse(struct testbed_opts *o, struct fault_opts *fo, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "only", required_argument, NULL, 'O' },
		{ "list", no_argument, NULL, 'l' },
		{ "library", required_argument, NULL, 'L' },
		{ "unsafe", no_argument, NULL, 'U' },
		{ "ring-requests", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		TESTBED_LONGOPTS,
		{ 0 }
	};
	bool list = false;
	long v;
	int ch, i;

	testbed_defaults(o);
	o->repeats = 1;
	testbed_record_args(o, argc, argv);
	fo->seed = 1;
	fo->count = DEFAULT_COUNT;
	fo->ring_requests = DEFAULT_RING;
	for (i = 0; i < NR_FAULT_KINDS; i++)
		fo->kinds[i] = true;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!parse_int(optarg, 0, 0x7fffffff, &v))
				die(EXIT_USAGE, "--seed wants a whole number, not '%s'", optarg);
			fo->seed = v;
			break;
		case 'n':
			if (!parse_int(optarg, 0, 100000, &v))
				die(EXIT_USAGE, "--count wants a whole number from 0 to 100000, not '%s'", optarg);
			fo->count = v;
			break;
		case 'k':
			parse_kinds(fo, optarg);
			break;
		case 'O':
			fo->nr_only = testbed_split_list(optarg, fo->only, 64, "--only", NULL, "faults");
			break;
		case 'l':
			list = true;
			break;
		case 'L':
			if (!file_exists(optarg))
				die(EXIT_USAGE, "--library %s: no such file", optarg);
			fo->library = optarg;
			break;
		case 'U':
			fo->unsafe = true;
			break;
		case 'R':
			if (!parse_int(optarg, 1, 100000000, &v))
				die(EXIT_USAGE, "--ring-requests wants a number from 1 to 10^8, not '%s'", optarg);
			fo->ring_requests = v;
			break;
		TESTBED_OPTION_CASES:
			testbed_option(o, ch, optarg);
			break;
		case 'h':
			faults_usage(stdout);
			exit(0);
		default:
			testbed_bad_option("faults", argv);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'; see 'tdh faults --help'", argv[optind]);
	/*
	 * The campaign's mutants are of e1000's source (hv/faults), its vm
	 * faults name e1000's module and some device faults e1000's legacy
	 * write-back: e1000e's instance is checked by tdh twin-check.
	 */
	if (o->nic == NIC_E1000E)
		die(EXIT_USAGE, "--nic e1000e: the fault campaign's mutants and faults are e1000's; "
		    "run it with --nic e1000, and 'tdh twin-check --nic e1000e' for e1000e's instance");
	o->configs[0] = "twin-dom0";
	o->nr_configs = 1;
	/* nothing here counts instructions, and the plugin slows TCG down */
	o->no_plugin = true;
	if (fo->unsafe)
		o->xen_args = o->xen_args ? xasprintf("%s twin-unsafe-tests", o->xen_args) :
			      "twin-unsafe-tests";
	return list;
}

const char *faults_source_dir(struct testbed_opts *o)
{
	char *b;

	default_paths(o);
	b = xstrdup(o->build_dir);
	return dirname(b);
}

int faults_main(int argc, char **argv)
{
	struct testbed_opts o = { 0 };
	struct fault_opts fo = { 0 };
	struct testbed tb;
	json_object *root;
	char *path;
	bool failed;
	int uninjectable;

	if (parse(&o, &fo, argc, argv)) {
		fo.source_dir = faults_source_dir(&o);
		return faults_list(&fo, stdout);
	}
	fo.source_dir = faults_source_dir(&o);
	faults_list(&fo, NULL);
	die_remap_run_failure(EXIT_USAGE);
	testbed_open(&tb, &o, &direct_launcher, NULL);
	root = faults_campaign(&tb, &fo, tb.rundir, &failed);
	path = faults_save(root, tb.rundir);
	testbed_close(&tb);
	printf("\n");
	faults_summary_print(stdout, json_object_object_get(root, "summary"));
	printf("\nfaults: %s; %s\n", failed ? "A FAULT CRASHED, CORRUPTED OR LEAKED" :
	       "no crash, corruption or leak", path);
	free(path);
	uninjectable = json_object_get_int(json_object_object_get(json_object_object_get(root, "summary"),
								  "uninjectable"));
	json_object_put(root);
	if (uninjectable) {
		fprintf(stderr, "tdh: error: %d faults could not be injected for the testbed's fault "
			"(faults.md says why)\n", uninjectable);
		return EXIT_USAGE;
	}
	return failed ? EXIT_RUN : 0;
}
