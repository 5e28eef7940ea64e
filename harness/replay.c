// SPDX-License-Identifier: GPL-2.0
/*
 * tdh replay: boot one configuration with the project's QEMU injecting the
 * faults of a fault file into the NIC, the e1000 or (--nic e1000e) the
 * e1000e (fault-trace=, format in qemu-e1000-tracing/README.md) while
 * tracing it, run traffic through the
 * fault, then traffic again, and report what the system did and whether
 * the invariants held: the hypervisor, dom0 and the guest stay up and
 * traffic resumes.  The device's DMAs are checked against the memory the
 * machine may touch.  replay.json in the run folder; exit 0 when every
 * invariant held, 1 when one did not, 2 when the replay could not run.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"
#include "measure.h"
#include "netns.h"
#include "options.h"
#include "regions.h"
#include "replay.h"
#include "results.h"
#include "testbed.h"
#include "twin.h"
#include "util.h"

#define JSON_PLAIN	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define JSON_PRETTY	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

#define RECOVERY_TRIES	4	/* traffic after the fault: attempts ... */
#define RECOVERY_WAIT_S	5	/* ... this far apart (an e1000 reset takes ~3 s) */

struct replay_opts {
	struct testbed_opts t;
	const char *fault_file;
	const char *config;
	const char *workload;
	double after_s;
	bool keep_trace;
};

/* What the driver domain's e1000 or e1000e driver said about itself (dmesg). */
static const struct {
	const char *key, *pattern, *e1000e;	/* e1000e: where its words differ */
} driver_events[] = {
	{ "tx_hangs", "Detected Tx Unit Hang", "Detected Hardware Unit Hang" },
	{ "tx_timeouts", "transmit queue 0 timed out", NULL },
	{ "resets", "Reset adapter", NULL },
	{ "link_down", "NIC Link is Down", NULL },
	{ "link_up", "NIC Link is Up", NULL },
};

#define NR_DRIVER_EVENTS (int)(sizeof(driver_events) / sizeof(driver_events[0]))

/* The NIC's own counters in the driver domain, before and after. */
static const char *const nic_stats[] = {
	"rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped",
	"rx_crc_errors", "rx_missed_errors", "tx_aborted_errors", "tx_fifo_errors",
};

#define NR_NIC_STATS (int)(sizeof(nic_stats) / sizeof(nic_stats[0]))

static void replay_usage(FILE *out)
{
	fprintf(out,
"usage: tdh replay FAULT-FILE [options]\n"
"  --config C         native, dom0, twin-dom0 or netback (default native)\n"
"  --workload W       tx or rx during the fault (default tx)\n"
"  --after S          seconds of traffic after the faulted run, to see it resume (default 5)\n"
"  --keep-trace       keep the binary trace (e1000-<config>.simpletrace, ~100 MB) in the run folder\n"
"  --duration S       seconds of traffic through the fault (default 10)\n");
	testbed_usage(out);
}

static void replay_parse(struct replay_opts *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "workload", required_argument, NULL, 'w' },
		{ "after", required_argument, NULL, 'A' },
		{ "keep-trace", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		TESTBED_LONGOPTS,
		{ 0 }
	};
	int c;

	testbed_defaults(&r->t);
	r->t.repeats = 1;
	r->config = "native";
	r->workload = "tx";
	r->after_s = 5;
	r->t.trace_group = "all";	/* --trace all|dma|iommu chooses */
	testbed_record_args(&r->t, argc, argv);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!find_config(optarg))
				die(EXIT_USAGE, "--config '%s': give native, dom0, twin-dom0 or netback", optarg);
			r->config = optarg;
			break;
		case 'w':
			if (strcmp(optarg, "tx") && strcmp(optarg, "rx"))
				die(EXIT_USAGE, "--workload '%s': give tx or rx", optarg);
			r->workload = optarg;
			break;
		case 'A':
			if (!parse_double(optarg, 1, 600, &r->after_s))
				die(EXIT_USAGE, "--after '%s': give seconds between 1 and 600", optarg);
			break;
		case 'k':
			r->keep_trace = true;
			break;
		TESTBED_OPTION_CASES:
			testbed_option(&r->t, c, optarg);
			break;
		case 'h':
			replay_usage(stdout);
			exit(0);
		default:
			testbed_bad_option("replay", argv);
		}
	}
	if (optind >= argc)
		die(EXIT_USAGE, "no fault file given; usage: tdh replay FAULT-FILE [options] (examples in harness/traces/)");
	if (optind + 1 < argc)
		die(EXIT_USAGE, "unexpected argument '%s'; see 'tdh replay --help'", argv[optind + 1]);
	r->fault_file = argv[optind];
	if (access(r->fault_file, R_OK))
		die(EXIT_USAGE, "fault file %s: %s", r->fault_file, strerror(errno));
	r->t.configs[0] = r->config;
	r->t.nr_configs = 1;
	r->t.workloads[0] = r->workload;
	r->t.nr_workloads = 1;
}

/*
 * Where the NIC may DMA (bus addresses without an IOMMU, translated
 * addresses with one): native Linux's RAM, or under Xen what Xen maps for
 * dom0's devices, from Xen's boot messages.
 */
static char *write_allowed_regions(const struct replay_opts *r, const struct machine *m,
				   const char *rundir)
{
	char *path = xasprintf("%s/allowed-regions.txt", rundir), *img, *comment;
	struct regions rs;
	const char *err;

	if (m->d.kind == MACHINE_NATIVE) {
		regions_q35_ram(&rs, r->t.mem_mb);
		comment = xasprintf("native Linux: the guest RAM of q35 with %d MB", r->t.mem_mb);
	} else {
		img = xasprintf("%s/xen/image-regions", r->t.build_dir);
		if (!regions_xen(&rs, m->d.console_log, img, &err))
			die(EXIT_RUN, "cannot tell which memory Xen allows the NIC: %s (console log %s)", err,
			    m->d.console_log);
		free(img);
		comment = xstrdup("Xen: usable RAM from 1 MiB, but not Xen's image (what Xen maps for dom0's devices)");
	}
	if (regions_write(&rs, path, comment))
		die(EXIT_RUN, "cannot write %s: %s", path, strerror(errno));
	free(comment);
	return path;
}

static json_object *read_stats(struct agent *a)
{
	json_object *o = json_object_new_object();
	char *cmd, *out = NULL, *line, *save;
	int i;

	cmd = xstrdup("cd /sys/class/net/eth0/statistics && cat");
	for (i = 0; i < NR_NIC_STATS; i++) {
		char *c = xasprintf("%s %s", cmd, nic_stats[i]);

		free(cmd);
		cmd = c;
	}
	if (agent_run(a, cmd, 30, &out) == 0 && out) {
		for (i = 0, line = strtok_r(out, "\n", &save); line && i < NR_NIC_STATS;
		     line = strtok_r(NULL, "\n", &save), i++)
			json_object_object_add(o, nic_stats[i], json_object_new_int64(atoll(line)));
	}
	free(out);
	free(cmd);
	return o;
}

static json_object *stats_delta(json_object *before, json_object *after)
{
	json_object *d = json_object_new_object(), *b, *x;
	int i;

	for (i = 0; i < NR_NIC_STATS; i++)
		if (json_object_object_get_ex(before, nic_stats[i], &b) &&
		    json_object_object_get_ex(after, nic_stats[i], &x))
			json_object_object_add(d, nic_stats[i],
					       json_object_new_int64(json_object_get_int64(x) -
								     json_object_get_int64(b)));
	return d;
}

static int count_lines(const char *text, const char *pattern)
{
	const char *p = text;
	int n = 0;

	while (p && (p = strstr(p, pattern))) {
		n++;
		p = strchr(p, '\n');
	}
	return n;
}

static char *read_dmesg(struct agent *a)
{
	char *out = NULL;

	if (agent_run(a, "dmesg", 30, &out) != 0) {
		free(out);
		return xstrdup("");
	}
	return out ? out : xstrdup("");
}

/*
 * What the driver domain's kernel said from the start of the faulted
 * traffic on (its log before: boot_log); the whole log is kept in the run
 * folder.
 */
static json_object *driver_report(struct agent *a, enum nic nic, const char *boot_log,
				  const char *rundir, bool *panicked)
{
	json_object *o = json_object_new_object();
	char *out = read_dmesg(a), *path;
	const char *pat;
	int i;

	path = xasprintf("%s/dmesg-driver-domain.log", rundir);
	write_file(path, out, strlen(out));
	free(path);
	for (i = 0; i < NR_DRIVER_EVENTS; i++) {
		pat = nic == NIC_E1000E && driver_events[i].e1000e ? driver_events[i].e1000e :
		      driver_events[i].pattern;
		json_object_object_add(o, driver_events[i].key,
				       json_object_new_int(count_lines(out, pat) - count_lines(boot_log, pat)));
	}
	*panicked = strstr(out, "Oops") || strstr(out, "BUG:") || strstr(out, "Kernel panic");
	free(out);
	return o;
}

static json_object *traffic_json(bool ok, const struct iperf_result *ir, const char *err, int attempts)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "completed", json_object_new_boolean(ok));
	json_object_object_add(o, "mbps", json_object_new_double(ok ? ir->mbps : 0));
	json_object_object_add(o, "retransmits", ir->retransmits >= 0 && ok ?
			       json_object_new_int64((long long)ir->retransmits) : NULL);
	json_object_object_add(o, "error", ok ? NULL :
			       json_object_new_string(ir->error[0] ? ir->error : err));
	if (attempts)
		json_object_object_add(o, "attempts", json_object_new_int(attempts));
	return o;
}

/*
 * The decoder's view of the trace: summary (faults, DMAs) and the DMA
 * confinement check against the allowed regions.
 */
static json_object *trace_report(const struct replay_opts *r, const char *trace, const char *regions,
				 const char *rundir, json_object **faults, int *nr_faults)
{
	char *decoder = xasprintf("%s/bin/e1000-trace", r->t.build_dir);
	char *sum_argv[] = { decoder, "summary", (char *)trace, NULL };
	char *chk_argv[] = { decoder, "check", (char *)trace, (char *)regions, NULL };
	json_object *dma = json_object_new_object(), *sum, *x, *conf;
	char *out = NULL, *path, *line, *save;
	int rc, violations = 0;

	*faults = json_object_new_array();
	*nr_faults = -1;
	rc = run_cmd(sum_argv, &out, false, 600);
	sum = rc == 0 && out ? json_tokener_parse(out) : NULL;
	if (!sum)
		die(EXIT_RUN, "e1000-trace summary %s failed (status %d); is 'make qemu' complete?", trace, rc);
	path = xasprintf("%s/trace-summary.json", rundir);
	write_file(path, out, strlen(out));
	free(path);
	free(out);
	if (json_object_object_get_ex(sum, "faults_injected", &x))
		*nr_faults = json_object_get_int(x);
	if (json_object_object_get_ex(sum, "faults", &x)) {
		json_object_put(*faults);
		*faults = json_object_get(x);
	}
	if (json_object_object_get_ex(sum, "dma", &x))
		json_object_object_add(dma, "by_kind", json_object_get(x));
	if (json_object_object_get_ex(sum, "dma_errors", &x))
		json_object_object_add(dma, "errors", json_object_get(x));
	if (json_object_object_get_ex(sum, "dropped", &x))
		json_object_object_add(dma, "trace_events_dropped", json_object_get(x));
	json_object_put(sum);

	out = NULL;
	rc = run_cmd(chk_argv, &out, true, 600);
	if (rc != 0 && rc != 1)
		die(EXIT_RUN, "e1000-trace check %s %s failed (status %d): %s", trace, regions, rc,
		    out ? out : "");
	path = xasprintf("%s/dma-check.txt", rundir);
	write_file(path, out ? out : "", out ? strlen(out) : 0);
	free(path);
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "violation:", 10))
			violations++;
	free(out);
	conf = json_object_new_object();
	json_object_object_add(conf, "held", json_object_new_boolean(rc == 0));
	json_object_object_add(conf, "violations", json_object_new_int(violations));
	json_object_object_add(conf, "regions", json_object_new_string(regions));
	json_object_object_add(conf, "details", json_object_new_string("dma-check.txt"));
	json_object_object_add(dma, "confinement", conf);
	free(decoder);
	return dma;
}

static bool agent_ok(struct agent *a, const char *cmd)
{
	return agent_run(a, cmd, 30, NULL) == 0;
}

/* The domU still exists and has not crashed (xl list's state column). */
static bool domu_alive(struct agent *a)
{
	char *out = NULL;
	bool ok;

	ok = agent_run(a, "xl list domU | awk 'NR==2 { print $5 }'", 30, &out) == 0 && out &&
	     !strchr(out, 'c') && !strchr(out, 'd') && out[0] && out[0] != '\n';
	free(out);
	return ok;
}

static const char *field_text(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL;

	if (json_object_object_get_ex(o, a, &x) && b)
		json_object_object_get_ex(x, b, &x);
	return x ? json_object_to_json_string_ext(x, JSON_PLAIN) : "null";
}

/* The replay in a few lines; replay.json has it all. */
static void print_report(json_object *root)
{
	json_object *faults = NULL, *f;
	size_t i;

	printf("\nfaults injected: %s\n", field_text(root, "faults_injected", NULL));
	json_object_object_get_ex(root, "faults", &faults);
	for (i = 0; faults && i < json_object_array_length(faults) && i < 20; i++) {
		f = json_object_array_get_idx(faults, i);
		printf("  %s\n", json_object_to_json_string_ext(f, JSON_PLAIN));
	}
	printf("driver:          %s\n", field_text(root, "driver", NULL));
	printf("traffic:         faulted %s\n", field_text(root, "traffic", "faulted"));
	printf("                 after   %s\n", field_text(root, "traffic", "after"));
	printf("DMA confinement: %s\n", field_text(root, "dma", "confinement"));
	printf("invariants:      %s\n", field_text(root, "invariants", NULL));
}

static void add_invariant(json_object *inv, const char *name, bool held, bool *all)
{
	json_object_object_add(inv, name, json_object_new_boolean(held));
	info("  invariant %-17s %s", name, held ? "held" : "FAILED");
	*all &= held;
}

/* One replay: the testbed, the machine and what was read before the faults. */
struct replay_run {
	struct replay_opts *r;
	const struct config_desc *cd;
	struct testbed tb;
	struct machine m;
	struct agent a;
	struct twin_counters twin0;	/* the instance's counters before (twin-dom0) */
	json_object *stats0;		/* the NIC's statistics before */
	char *boot_log;			/* dmesg before */
	char *regions;			/* where the NIC may DMA */
	bool resumed;			/* traffic ran again after the faults */
	bool held;			/* every invariant held */
};

/* Boot the configuration and read what the faults will be judged against. */
static void replay_boot(struct replay_run *rr)
{
	const struct config_desc *cd = rr->cd;

	boot(&rr->tb, &direct_launcher, &rr->m, &rr->a, cd->machine, rr->tb.rundir, cd->name);
	rr->regions = write_allowed_regions(rr->r, &rr->m, rr->tb.rundir);
	if (cd->needs_domu)
		start_domu(&rr->a, &rr->m, NULL);
	/* twin-dom0: the faults meet Xen's instance of the driver */
	if (cd->twin) {
		twin_attach(&rr->a, &rr->m, &rr->m.twin_loaded);
		twin_status(&rr->a, &rr->m, &rr->twin0);
	}
	rr->stats0 = read_stats(&rr->a);
	rr->boot_log = read_dmesg(&rr->a);
}

/* The faulted run, then runs until traffic resumes: replay.json's "traffic". */
static json_object *replay_traffic(struct replay_run *rr)
{
	const struct replay_opts *r = rr->r;
	const struct config_desc *cd = rr->cd;
	json_object *traffic = json_object_new_object();
	struct iperf_result ir;
	const char *err = "";
	char *path;
	int attempt;
	bool ok;

	info("%s %s through the faults of %s: %g s", cd->name, r->workload, r->fault_file, r->t.duration_s);
	path = xasprintf("%s/raw/faulted-iperf3.json", rr->tb.rundir);
	ok = traffic_run(cd, r->workload, r->t.duration_s, path, &ir, &err);
	free(path);
	info("  %s", ok ? "completed" : "did not complete");
	json_object_object_add(traffic, "faulted", traffic_json(ok, &ir, err, 0));

	/* traffic resumes: the fault may have left a reset or link-up pending */
	for (attempt = 1; attempt <= RECOVERY_TRIES && !rr->resumed; attempt++) {
		if (attempt > 1)
			sleep_s(RECOVERY_WAIT_S);
		info("%s %s after the faults (attempt %d/%d): %g s", cd->name, r->workload, attempt,
		     RECOVERY_TRIES, r->after_s);
		path = xasprintf("%s/raw/after-%d-iperf3.json", rr->tb.rundir, attempt);
		rr->resumed = traffic_run(cd, r->workload, r->after_s, path, &ir, &err) && ir.mbps > 0;
		free(path);
	}
	json_object_object_add(traffic, "after", traffic_json(rr->resumed, &ir, err, attempt - 1));
	return traffic;
}

/* replay.json's head: what was replayed, on what. */
static json_object *replay_head(struct replay_run *rr, const char *fault_abs)
{
	struct testbed_opts *t = &rr->r->t;
	json_object *root = json_object_new_object();

	json_object_object_add(root, "schema", json_object_new_string("tdh-replay/1"));
	json_object_object_add(root, "args", json_object_new_string(t->args));
	/* the one configuration and workload replayed, as the options of a measurement */
	t->configs[0] = rr->cd->name;
	t->nr_configs = 1;
	t->workloads[0] = rr->r->workload;
	t->nr_workloads = 1;
	json_object_object_add(root, "options", options_json(t));
	json_object_object_add(root, "fault_file", json_object_new_string(fault_abs));
	json_object_object_add(root, "config", json_object_new_string(rr->cd->name));
	json_object_object_add(root, "workload", json_object_new_string(rr->r->workload));
	json_object_object_add(root, "accel", json_object_new_string(accel_name(rr->tb.accel)));
	json_object_object_add(root, "iommu", json_object_new_string(iommu_name(t->iommu)));
	json_object_object_add(root, "nic", json_object_new_string(nic_name(t->nic)));
	json_object_object_add(root, "versions", versions_to_json(&rr->tb.versions));
	return root;
}

/* The instance's counters over the replay, into root's "twin". */
static void replay_twin(struct replay_run *rr, json_object *root)
{
	struct twin_counters t1, d;
	json_object *tw = json_object_new_object();
	int i;

	twin_status(&rr->a, &rr->m, &t1);
	twin_delta(&rr->twin0, &t1, &d);
	for (i = 0; i < d.nr; i++)
		json_object_object_add(tw, d.name[i], json_object_new_uint64(d.v[i]));
	json_object_object_add(root, "twin", tw);
	info("  instance: %s", twin_get(&t1, "attached") ? "still attached" :
	     "disabled itself, dom0's driver took over");
}

/* What the faults left, while the machine runs: root's "driver", "twin" and the invariants. */
static json_object *replay_invariants(struct replay_run *rr, json_object *root)
{
	struct agent *a = &rr->a;
	struct machine *m = &rr->m;
	json_object *inv = json_object_new_object(), *x, *stats;
	bool alive, panicked;

	alive = machine_alive(m) && agent_ok(a, "true");
	x = driver_report(a, rr->r->t.nic, rr->boot_log, rr->tb.rundir, &panicked);
	stats = read_stats(a);
	json_object_object_add(x, "nic_stats_delta", stats_delta(rr->stats0, stats));
	json_object_put(stats);
	json_object_object_add(root, "driver", x);
	if (rr->cd->twin)
		replay_twin(rr, root);
	if (rr->cd->machine == MACHINE_XEN) {
		/* a Xen crash takes the machine down (-no-reboot): QEMU exits */
		add_invariant(inv, "hypervisor_alive", machine_alive(m) && agent_ok(a, "xl info >/dev/null"),
			      &rr->held);
		add_invariant(inv, "dom0_alive", alive && !panicked, &rr->held);
		if (rr->cd->needs_domu) {
			add_invariant(inv, "guest_alive", domu_alive(a), &rr->held);
			save_domu_console(a, rr->tb.rundir, rr->cd->name);
		}
	} else {
		add_invariant(inv, "guest_alive", alive && !panicked, &rr->held);
	}
	add_invariant(inv, "traffic_resumes", rr->resumed, &rr->held);
	return inv;
}

int replay_main(int argc, char **argv)
{
	static struct replay_opts r;
	static struct replay_run rr = { .r = &r, .held = true };
	json_object *root, *inv, *faults;
	char *path, *text, *fault_abs;
	int nr_faults;

	replay_parse(&r, argc, argv);
	rr.cd = find_config(r.config);
	fault_abs = realpath(r.fault_file, NULL);
	if (!fault_abs)
		die(EXIT_USAGE, "fault file %s: %s", r.fault_file, strerror(errno));
	r.t.fault_trace = fault_abs;
	testbed_open(&rr.tb, &r.t, &direct_launcher, NULL);
	path = xasprintf("%s/faults.txt", rr.tb.rundir);	/* what was replayed */
	text = read_file(fault_abs, NULL);
	write_file(path, text ? text : "", text ? strlen(text) : 0);
	free(text);
	free(path);

	replay_boot(&rr);
	root = replay_head(&rr, fault_abs);
	json_object_object_add(root, "traffic", replay_traffic(&rr));
	inv = replay_invariants(&rr, root);
	/* QEMU flushes the trace when it exits */
	shutdown_machine(&rr.a, &rr.m);
	json_object_object_add(root, "dma", trace_report(&r, rr.m.d.trace_file, rr.regions, rr.tb.rundir,
							 &faults, &nr_faults));
	json_object_object_add(root, "faults_injected", json_object_new_int(nr_faults));
	json_object_object_add(root, "faults", faults);
	json_object_object_add(root, "invariants", inv);
	json_object_object_add(root, "held", json_object_new_boolean(rr.held));
	if (!r.keep_trace)
		unlink(rr.m.d.trace_file);

	path = xasprintf("%s/replay.json", rr.tb.rundir);
	text = xstrdup(json_object_to_json_string_ext(root, JSON_PRETTY));
	if (write_file(path, text, strlen(text)))
		die(EXIT_RUN, "cannot write %s: %s", path, strerror(errno));
	testbed_close(&rr.tb);
	print_report(root);
	printf("\nreplay: invariants %s; %s\n", rr.held ? "held" : "DID NOT HOLD", path);
	free(text);
	free(path);
	json_object_put(root);
	return rr.held ? 0 : EXIT_RUN;
}
