// SPDX-License-Identifier: GPL-2.0
/*
 * tdh - the TwinDrivers testbed harness.
 *
 *   tdh sim [options]        boot, measure, print the table (tdh sim --help)
 *   tdh boot [opts] [-- CMD]  boot the testbed, run CMD in it or hold it
 *   tdh machine [opts]       the machine a boot would start, as argv or XML
 *   tdh replay FILE [opts]   inject a fault file's faults, check invariants
 *   tdh twin-check [opts]    the hypervisor instance's invariants, in one boot
 *   tdh faults [opts]        a fault campaign: mutants, the driver VM
 *   tdh analyze [options]    recompute one record from raw outputs
 *   tdh clean                remove what a killed run left behind
 */
#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "faults.h"
#include "measure.h"
#include "regress.h"
#include "render.h"
#include "replay.h"
#include "results.h"
#include "sim.h"
#include "twincheck.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: tdh COMMAND [options]\n"
"  sim       boot the testbed, run the workloads, print and save the results\n"
"  boot      [--machine native|xen] [--domu] [-- CMD ...]: boot the testbed and run\n"
"            CMD in it (dom0 under Xen), exiting with its status, or hold it\n"
"  agent     --socket PATH -- CMD: run CMD in a machine 'tdh boot' holds\n"
"  machine   [--machine native|xen] [--launcher direct|libvirt]: print the machine\n"
"            a boot would start (QEMU's argv or libvirt's XML) without booting\n"
"  replay    FAULT-FILE [--config C]: inject the faults into the e1000, report\n"
"            what the system did and whether the invariants held\n"
"  twin-check [--scenarios LIST]: load and attach the hypervisor instance, corrupt\n"
"            the driver's data, fault and stall it, cycle it; check the invariants\n"
"  faults    [--seed N] [--count N] [--kinds LIST]: a fault campaign (mutants of\n"
"            e1000's source in Xen, the driver VM's faults) under traffic, each\n"
"            fault classified; exit 0 when none crashed, corrupted or leaked\n"
"  analyze   --iperf FILE [--cpu FILE] [--host-cpu START,END,WALL] [--host-busy U]:\n"
"            one record's figures from raw iperf3 and tdcpu outputs, and\n"
"            with --host-busy (the host's busy CPUs) its validity\n"
"  regress   the nightly matrix against a committed baseline: exit 0 no\n"
"            regression, 1 regression, 2 could not run\n"
"  stats     --base V,.. --now V,..: the regression rule on given samples\n"
"  clean     stop QEMU and remove namespaces left by a killed run\n"
"'tdh COMMAND --help' for a command's options.\n");
}

static int cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iperf", required_argument, NULL, 'i' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "host-cpu", required_argument, NULL, 'H' },
		{ "host-busy", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *iperf_path = NULL, *cpu_path = NULL, *err;
	struct versions v = { 0 };
	struct record rec = { 0 };
	struct iperf_result ir;
	double h0 = 0, h1 = 0, hw = 0, busy = -1;
	char *text, *json, why[160];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iperf_path = optarg;
			break;
		case 'c':
			cpu_path = optarg;
			break;
		case 'H':
			if (sscanf(optarg, "%lf,%lf,%lf", &h0, &h1, &hw) != 3 || hw <= 0 || h1 < h0)
				die(EXIT_USAGE, "--host-cpu '%s': give START,END,WALL seconds with END >= START and WALL > 0",
				    optarg);
			break;
		case 'B':
			if (!parse_double(optarg, 0, 4096, &busy))
				die(EXIT_USAGE, "--host-busy '%s': give the host's busy CPUs over the window (0 or more)",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			die(EXIT_USAGE, "unknown option '%s'; see 'tdh --help'", argv[optind - 1]);
		}
	}
	if (!iperf_path)
		die(EXIT_USAGE, "analyze needs --iperf FILE");
	text = read_file(iperf_path, NULL);
	if (!text)
		die(EXIT_USAGE, "cannot read %s", iperf_path);
	if (!parse_iperf(text, &ir, &err))
		die(EXIT_RUN, "%s: %s%s%s", iperf_path, err, ir.error[0] ? ": " : "", ir.error);
	free(text);
	if (cpu_path) {
		text = read_file(cpu_path, NULL);
		if (!text)
			die(EXIT_USAGE, "cannot read %s", cpu_path);
		if (!parse_cpu(text, &rec.cpu, &err))
			die(EXIT_RUN, "%s: %s", cpu_path, err);
		free(text);
	}
	rec.config = "analyze";
	rec.workload = ir.reverse ? "tx" : "rx";
	rec.mbps = ir.mbps;
	rec.duration_s = ir.seconds;
	rec.cpu_util = rec.cpu.util;
	rec.cpus = rec.cpu.nr_cpus;
	rec.cpu_scaled_mbps = cpu_scaled(rec.mbps, rec.cpu_util);
	rec.host_cpu_util = host_util(h0, h1, hw);
	/* the validity verdict needs all three figures of the window */
	if (busy >= 0 && !hw)
		die(EXIT_USAGE, "--host-busy needs --host-cpu (QEMU's share of the host over the same window)");
	if (busy >= 0) {
		rec.host_busy_util = busy;
		if (contention(rec.cpu_util, rec.host_cpu_util, busy, why, sizeof(why)))
			rec.contended = why;
	}
	json = record_to_json(&rec, &v);
	puts(json);
	free(json);
	return 0;
}

/*
 * The libvirt launcher moves the peer's tap into the host namespace as
 * tdhv<pid> for the moment of a start: a tdh killed right then leaves it.
 */
static void clean_taps(void)
{
	char *list[] = { "ip", "-o", "link", "show", NULL }, *out = NULL, *line, *save;

	if (run_cmd(list, &out, false, 10) != 0)
		return;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		char *del[] = { "ip", "link", "del", name, NULL };
		int pid;

		if (sscanf(line, "%*d: tdhv%d", &pid) != 1 || pid <= 0 || kill(pid, 0) == 0)
			continue;
		snprintf(name, sizeof(name), "tdhv%d", pid);
		if (run_cmd(del, NULL, true, 10) == 0)
			printf("removed tap %s\n", name);
	}
	free(out);
}

/* Namespaces are named tdh-<pid>: one whose tdh is gone is left over. */
static int cmd_clean(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	int removed = 0;

	if (geteuid() != 0)
		die(EXIT_USAGE, "must run as root; re-run with sudo");
	while (d && (e = readdir(d))) {
		char *pids = NULL, *p, *save;
		char *list[] = { "ip", "netns", "pids", e->d_name, NULL };
		char *del[] = { "ip", "netns", "del", e->d_name, NULL };
		int pid;

		if (strncmp(e->d_name, "tdh-", 4))
			continue;
		pid = atoi(e->d_name + 4);
		if (pid > 0 && kill(pid, 0) == 0)
			continue;	/* its tdh is still running */
		run_cmd(list, &pids, false, 10);
		for (p = pids ? strtok_r(pids, "\n", &save) : NULL; p; p = strtok_r(NULL, "\n", &save))
			kill(atoi(p), SIGKILL);
		free(pids);
		if (run_cmd(del, NULL, true, 30) == 0) {
			printf("removed %s\n", e->d_name);
			removed++;
		}
	}
	if (d)
		closedir(d);
	printf("%d leftover namespace(s) removed\n", removed);
	clean_taps();
	return 0;
}

int main(int argc, char **argv)
{
	struct testbed_opts o = { 0 };

	elapsed_s();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "sim")) {
		sim_parse(&o, argc - 1, argv + 1);
		return sim_run(&o);
	}
	if (!strcmp(argv[1], "boot"))
		return boot_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "agent"))
		return agent_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "machine"))
		return render_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "faults"))
		return faults_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "twin-check"))
		return twincheck_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return replay_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "regress"))
		return regress_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return stats_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "analyze"))
		return cmd_analyze(argc - 1, argv + 1);
	if (!strcmp(argv[1], "clean"))
		return cmd_clean();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	die(EXIT_USAGE, "unknown command '%s'; see 'tdh --help'", argv[1]);
}
