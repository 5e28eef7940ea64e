// SPDX-License-Identifier: GPL-2.0
/*
 * tdh regress: measure a fixed matrix (configurations x workloads x
 * repeats, in an order alternated and shuffled with a recorded seed),
 * compare it with a committed baseline by the rule in stats.c, write
 * regress.json, report.md with plots and a line of history.
 *
 *   exit 0   no regression
 *   exit 1   a regression
 *   exit 2   could not run (bad input, a failed boot or measurement)
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"
#include "libvirt-launcher.h"
#include "netns.h"
#include "regress.h"
#include "results.h"
#include "stats.h"
#include "faults.h"
#include "matrix.h"
#include "testbed.h"
#include "util.h"
#include "regress_int.h"

/* --- options ------------------------------------------------------------------ */

static void regress_usage(FILE *out)
{
	fprintf(out,
"usage: tdh regress [options]\n"
"  --baseline NAME      results/baselines/NAME.json (default nightly)\n"
"  --baselines DIR      where baselines live (default results/baselines)\n"
"  --update-baseline    measure and write the baseline (only then may the matrix change)\n"
"  --configs LIST       matrix: configurations (baseline's; default native,dom0,twin-dom0,netback,twin)\n"
"  --workloads LIST     matrix: workloads (baseline's; default tx,rx)\n"
"  --repeats N          matrix: repeats (baseline's; default 5, at least 3)\n"
"  --launcher L[,L]     direct, libvirt or libvirt:URI (default direct); both: compared in the run\n"
"  --guest-mtu N        a deliberately slower variant: the guests' MTU set to N through the agent\n"
"  --seed N             the order's and the bootstrap's seed (default: from the clock, recorded)\n"
"  --shard I/N          measure only boots I, I+N, ... of each repeat (to spread the matrix)\n"
"  --from RUN[,RUN]     no boots: judge (or with --update-baseline, pool) these runs' samples\n"
"  --aa RUN[,RUN]       no boots: the rule's false-alarm rate by resampling these runs' samples\n"
"  --trials N           --aa resampling trials (default 1000)\n"
"  --shift-insn F       --aa: tonight's instructions per KB multiplied by F (detection power)\n"
"  --shift-scaled F     --aa: tonight's CPU-scaled throughput divided by F\n"
"  --accept-versions    compare although the stack's versions differ from the baseline's\n"
"  --history FILE       appended each run (default: history.jsonl beside the runs folder)\n"
"  --faults N           the night's fault campaign: N random mutants of a fixed seed and\n"
"                       the driver VM's faults (default %d; 0: none); a crash, corruption\n"
"                       or leak fails the night\n"
"  --confidence C       the rule's interval (default 0.99), --spread-factor K its\n"
"                       spread factor (default 2), --insn-threshold T the total's\n"
"                       threshold (default 0.03): for studying the rule with --aa\n",
		NIGHTLY_FAULTS);
	testbed_usage(out);
}

enum {
	OPT_BASELINE = 1000, OPT_BASELINES, OPT_UPDATE, OPT_CONFIGS, OPT_WORKLOADS, OPT_REPEATS,
	OPT_LAUNCHER, OPT_MTU, OPT_SEED, OPT_SHARD, OPT_FROM, OPT_AA, OPT_TRIALS, OPT_SHIFT_INSN,
	OPT_SHIFT_SCALED, OPT_ACCEPT, OPT_HISTORY, OPT_CONFIDENCE, OPT_SPREAD, OPT_INSN_THRESHOLD, OPT_FAULTS,
	OPT_HELP
};

static bool valid_launcher(const char *s)
{
	const char *uri;

	return testbed_launcher(s, &uri) != NULL;
}

static void parse_launchers(struct regress_opts *ro, char *arg)
{
	const char *uri;
	int i;

	ro->nr_launchers = testbed_split_list(arg, ro->launcher_spec, RG_MAX_LAUNCHERS, "launcher", valid_launcher, "regress");
	for (i = 0; i < ro->nr_launchers; i++) {
		ro->launcher[i] = testbed_launcher(ro->launcher_spec[i], &uri);
		if (uri)
			ro->libvirt_uri = uri;
		/* the name the records and folders carry */
		ro->launcher_spec[i] = ro->launcher[i]->name;
	}
	if (ro->nr_launchers == 2 && ro->launcher[0] == ro->launcher[1])
		die(EXIT_USAGE, "launcher '%s' given twice", ro->launcher_spec[0]);
}

static double parse_shift(const char *opt, const char *arg)
{
	double f;

	if (!parse_double(arg, 0.5, 2, &f))
		die(EXIT_USAGE, "%s '%s': give a factor between 0.5 and 2 (1.05 = 5%% worse)", opt, arg);
	return f;
}

static void parse_matrix_option(struct regress_opts *ro, int c, char *arg)
{
	struct testbed_opts *o = &ro->o;
	long l;

	switch (c) {
	case OPT_CONFIGS:
		o->nr_configs = testbed_split_list(arg, o->configs, MAX_CONFIGS, "configuration", testbed_valid_config, "regress");
		ro->given_configs = true;
		break;
	case OPT_WORKLOADS:
		o->nr_workloads = testbed_split_list(arg, o->workloads, MAX_WORKLOADS, "workload", testbed_valid_workload, "regress");
		ro->given_workloads = true;
		break;
	case OPT_REPEATS:
		if (!parse_int(arg, 3, 100, &l))
			die(EXIT_USAGE, "--repeats '%s': give a whole number between 3 and 100 (the rule needs 3)", arg);
		o->repeats = (int)l;
		ro->given_repeats = true;
		break;
	}
}

static void parse_regress_option(struct regress_opts *ro, int c, char *arg)
{
	long l;

	switch (c) {
	case OPT_BASELINE:
		if (!*arg || strchr(arg, '/'))
			die(EXIT_USAGE, "--baseline '%s': give a name (a file in --baselines), not a path", arg);
		ro->baseline_name = arg;
		break;
	case OPT_BASELINES: ro->baselines_dir = arg; break;
	case OPT_UPDATE: ro->update = true; break;
	case OPT_ACCEPT: ro->accept_versions = true; break;
	case OPT_LAUNCHER: parse_launchers(ro, arg); break;
	case OPT_HISTORY: ro->history = arg; break;
	case OPT_FAULTS:
		if (!parse_int(arg, 0, 1000, &l))
			die(EXIT_USAGE, "--faults wants a number of random mutants from 0 to 1000, not '%s'", arg);
		ro->faults = l;
		break;
	case OPT_FROM: ro->from = arg; break;
	case OPT_AA: ro->aa = arg; break;
	case OPT_SHIFT_INSN: ro->shift_insn = parse_shift("--shift-insn", arg); break;
	case OPT_SHIFT_SCALED: ro->shift_scaled = parse_shift("--shift-scaled", arg); break;
	case OPT_CONFIDENCE:
		if (!parse_double(arg, 0.5, 0.999, &rule_confidence))
			die(EXIT_USAGE, "--confidence '%s': give a level between 0.5 and 0.999", arg);
		break;
	case OPT_INSN_THRESHOLD:
		if (!parse_double(arg, 0, 0.5, &rule_insn_threshold))
			die(EXIT_USAGE, "--insn-threshold '%s': give a fraction between 0 and 0.5", arg);
		break;
	case OPT_SPREAD:
		if (!parse_double(arg, 0, 10, &rule_spread_factor))
			die(EXIT_USAGE, "--spread-factor '%s': give a factor between 0 and 10", arg);
		break;
	case OPT_MTU:
		if (!parse_int(arg, 576, 1500, &l))
			die(EXIT_USAGE, "--guest-mtu '%s': give bytes between 576 and 1500", arg);
		ro->o.guest_mtu = (int)l;
		break;
	case OPT_SEED:
		if (!parse_int(arg, 0, 0x7fffffffL, &l))
			die(EXIT_USAGE, "--seed '%s': give a whole number between 0 and 2147483647", arg);
		ro->seed = (uint64_t)l;
		ro->seed_given = true;
		break;
	case OPT_TRIALS:
		if (!parse_int(arg, 10, 100000, &l))
			die(EXIT_USAGE, "--trials '%s': give a whole number between 10 and 100000", arg);
		ro->trials = (int)l;
		break;
	case OPT_SHARD:
		if (sscanf(arg, "%d/%d", &ro->shard, &ro->nr_shards) != 2 || ro->nr_shards < 1 ||
		    ro->shard < 1 || ro->shard > ro->nr_shards)
			die(EXIT_USAGE, "--shard '%s': give I/N with 1 <= I <= N", arg);
		break;
	default:
		parse_matrix_option(ro, c, arg);
	}
}

static void note_testbed_option(struct regress_opts *ro, int c)
{
	ro->given_duration |= c == 'd';
	ro->given_warmup |= c == 'W';
	ro->given_cpus |= c == 'C';
	ro->given_mem |= c == 'm';
	ro->given_accel |= c == 'a';
}

static void regress_parse(struct regress_opts *ro, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "baselines", required_argument, NULL, OPT_BASELINES },
		{ "update-baseline", no_argument, NULL, OPT_UPDATE },
		{ "configs", required_argument, NULL, OPT_CONFIGS },
		{ "workloads", required_argument, NULL, OPT_WORKLOADS },
		{ "repeats", required_argument, NULL, OPT_REPEATS },
		{ "launcher", required_argument, NULL, OPT_LAUNCHER },
		{ "guest-mtu", required_argument, NULL, OPT_MTU },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "aa", required_argument, NULL, OPT_AA },
		{ "trials", required_argument, NULL, OPT_TRIALS },
		{ "shift-insn", required_argument, NULL, OPT_SHIFT_INSN },
		{ "shift-scaled", required_argument, NULL, OPT_SHIFT_SCALED },
		{ "accept-versions", no_argument, NULL, OPT_ACCEPT },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "faults", required_argument, NULL, OPT_FAULTS },
		{ "confidence", required_argument, NULL, OPT_CONFIDENCE },
		{ "spread-factor", required_argument, NULL, OPT_SPREAD },
		{ "insn-threshold", required_argument, NULL, OPT_INSN_THRESHOLD },
		TESTBED_LONGOPTS,
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	static char def_configs[] = "native,dom0,twin-dom0,netback,twin", def_workloads[] = "tx,rx";
	static char def_launcher[] = "direct";
	struct testbed_opts *o = &ro->o;
	int c;

	testbed_defaults(o);
	o->duration_s = 5;
	o->repeats = 5;
	ro->baseline_name = "nightly";
	ro->baselines_dir = "results/baselines";
	ro->trials = 1000;
	ro->shift_insn = ro->shift_scaled = 1;
	ro->shard = ro->nr_shards = 1;
	ro->faults = NIGHTLY_FAULTS;
	testbed_record_args(o, argc, argv);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		TESTBED_OPTION_CASES:
			note_testbed_option(ro, c);
			testbed_option(o, c, optarg);
			break;
		case 'h':
		case OPT_HELP:
			regress_usage(stdout);
			exit(0);
		case '?':
			testbed_bad_option("regress", argv);
		default:
			parse_regress_option(ro, c, optarg);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'; see 'tdh regress --help'", argv[optind]);
	if (!o->nr_configs)
		o->nr_configs = testbed_split_list(def_configs, o->configs, MAX_CONFIGS, "configuration", testbed_valid_config, "regress");
	if (!o->nr_workloads)
		o->nr_workloads = testbed_split_list(def_workloads, o->workloads, MAX_WORKLOADS, "workload", testbed_valid_workload, "regress");
	if (!ro->nr_launchers)
		parse_launchers(ro, def_launcher);
	if (o->accel == ACCEL_AUTO)
		die(EXIT_USAGE, "--accel auto: a baseline fixes the accelerator; give tcg or kvm");
	if (o->iommu != IOMMU_OFF || o->trace_group)
		die(EXIT_USAGE, "tdh regress measures the plain testbed: --iommu and --trace belong to tdh sim");
	if (ro->from && ro->aa)
		die(EXIT_USAGE, "--from and --aa are two different modes; give one");
}

/* --- measuring ------------------------------------------------------------------ */

static void agent_or_die(struct agent *a, struct machine *m, const char *cmd)
{
	char *out = NULL;
	int rc = agent_run(a, cmd, 30, &out);

	if (rc != 0)
		die(EXIT_RUN, "'%s' in the %s guest failed (status %d): %s; console log %s", cmd,
		    machine_kind_name(m->d.kind), rc, out ? out : "no answer", m->d.console_log);
	free(out);
}

/*
 * The slower variant: a smaller MTU means more packets, interrupts and
 * per-packet work for the same bytes.  The domU has no agent: dom0 passes
 * its MTU on its kernel command line (read by its /init).
 */
static void apply_mtu(int mtu, struct agent *a, struct machine *m, bool need_domu)
{
	char *cmd;

	if (!mtu)
		return;
	/*
	 * A new MTU resets the e1000, whose link comes back with its
	 * watchdog about 2 s later: wait for it, and for the peer to answer,
	 * or the first iperf3 finds no route to the guest.
	 */
	cmd = xasprintf("ip link set eth0 mtu %d%s && i=0 && "
			"while [ \"$(cat /sys/class/net/eth0/carrier)\" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done && "
			"ping -c 1 -W 10 " PEER_IP " >/dev/null", mtu,
			m->d.kind == MACHINE_NATIVE ? "" : xasprintf(" && ip link set xenbr0 mtu %d", mtu));
	agent_or_die(a, m, cmd);
	free(cmd);
	if (need_domu) {
		cmd = xasprintf("sed -i 's/ tdh.ip=/ tdh.mtu=%d tdh.ip=/' /etc/xen/domU.cfg", mtu);
		agent_or_die(a, m, cmd);
		free(cmd);
	}
	info("  guest MTU set to %d", mtu);
}

/* matrix.h's hooks: the slower variant's MTU, and each record a sample */
static void set_mtu(struct matrix *mx, const struct matrix_unit *u, struct machine *m,
		    struct agent *a)
{
	apply_mtu(mx->tb->o->guest_mtu, a, m, u->need_domu);
}

static void add_sample(struct matrix *mx, const struct matrix_unit *u, const struct record *r)
{
	struct sample s;

	sample_from_record(&s, r, mx->launcher_name[u->launcher]);
	samples_add(mx->arg, &s);
}

/* --- the story ------------------------------------------------------------------ */

static struct regress_run *failing_run;

/* "; N cells' throughput not judged ..." when contention left too few valid samples */
static void contended_note(const struct regress_run *rr, char *buf, size_t len)
{
	int i, n = 0;

	for (i = 0; i < rr->nr_cmp; i++)
		n += rr->cmp[i].too_contended;
	buf[0] = '\0';
	if (n)
		snprintf(buf, len, "; %d cell(s)' throughput not judged: fewer than %d valid samples, the rest contended",
			 n, RG_MIN_VALID);
}

static void set_verdict(struct regress_run *rr)
{
	size_t used;
	int i, shown = 0, judged = 0;
	char note[128];

	tally(rr->cmp, rr->nr_cmp, &rr->worse, &rr->better);
	for (i = 0; i < rr->nr_cmp; i++)
		judged += rr->cmp[i].judged;
	contended_note(rr, note, sizeof(note));
	if (!rr->worse) {
		rr->verdict = "ok";
		snprintf(rr->verdict_line, sizeof(rr->verdict_line),
			 "VERDICT: no regression: %d judged comparisons, none worse, %d better%s", judged,
			 rr->better, note);
		return;
	}
	rr->verdict = "regression";
	used = snprintf(rr->verdict_line, sizeof(rr->verdict_line), "VERDICT: REGRESSION: %d of %d judged worse:",
			rr->worse, judged);
	for (i = 0; i < rr->nr_cmp && used < sizeof(rr->verdict_line); i++) {
		const struct cmp *c = &rr->cmp[i];

		if (!c->judged || c->c.change != CHANGE_WORSE)
			continue;
		if (shown++ == 3) {
			snprintf(rr->verdict_line + used, sizeof(rr->verdict_line) - used, " ...");
			break;
		}
		used += snprintf(rr->verdict_line + used, sizeof(rr->verdict_line) - used,
				 "%s %s/%s %s %+.1f%% [%+.1f%%, %+.1f%%] (%s)", shown > 1 ? ";" : "",
				 c->config, c->workload, c->metric, (c->c.ratio - 1) * 100,
				 (c->c.lo - 1) * 100, (c->c.hi - 1) * 100, c->launcher);
	}
	if (used < sizeof(rr->verdict_line))
		snprintf(rr->verdict_line + used, sizeof(rr->verdict_line) - used, "%s", note);
}

/* While measuring, any die() still leaves a report and a line of history. */
static void on_failure(void *arg)
{
	struct regress_run *rr = failing_run;

	(void)arg;
	if (!rr)
		return;
	failing_run = NULL;
	rr->verdict = "failed";
	rr->nr_cmp = rr->nr_lcmp = 0;
	snprintf(rr->verdict_line, sizeof(rr->verdict_line), "VERDICT: could not run: %s", die_message());
	history_append(rr);
	report_write(rr);
}

static json_object *regress_json(const struct regress_run *rr, const struct regress_opts *ro,
				 json_object *versions, json_object *order)
{
	json_object *root = json_object_new_object(), *b = json_object_new_object();
	json_object *variant = json_object_new_object();

	json_object_object_add(root, "schema", json_object_new_string(REGRESS_SCHEMA));
	json_object_object_add(root, "args", json_object_new_string(ro->o.args));
	json_object_object_add(root, "stamp", json_object_new_string(rr->stamp));
	json_object_object_add(root, "seed", json_object_new_int64((int64_t)rr->seed));
	json_object_object_add(b, "name", json_object_new_string(rr->baseline_name));
	json_object_object_add(b, "path", json_object_new_string(rr->baseline_path));
	json_object_object_add(root, "baseline", b);
	json_object_object_add(root, "options", options_json(&rr->opts));
	json_object_object_add(variant, "guest_mtu", rr->opts.guest_mtu ? json_object_new_int(rr->opts.guest_mtu) : NULL);
	json_object_object_add(root, "variant", variant);
	json_object_object_add(root, "launchers", strings_json(rr->launchers, rr->nr_launchers));
	json_object_object_add(root, "shard", json_object_new_string(ro->nr_shards > 1 ?
		xasprintf("%d/%d", ro->shard, ro->nr_shards) : "1/1"));
	json_object_object_add(root, "versions", json_object_get(versions));
	json_object_object_add(root, "versions_note", json_object_new_string(rr->versions_note));
	json_object_object_add(root, "order", order ? json_object_get(order) : json_object_new_array());
	json_object_object_add(root, "rule", rule_json());
	json_object_object_add(root, "samples", samples_json(&rr->now));
	json_object_object_add(root, "comparisons", cmps_json(rr->cmp, rr->nr_cmp));
	json_object_object_add(root, "launcher_comparisons", cmps_json(rr->lcmp, rr->nr_lcmp));
	json_object_object_add(root, "faults", rr->faults ? json_object_get(rr->faults) : NULL);
	json_object_object_add(root, "verdict", json_object_new_string(rr->verdict));
	json_object_object_add(root, "verdict_line", json_object_new_string(rr->verdict_line));
	return root;
}

static void baseline_write(const char *path, const struct regress_run *rr, json_object *versions)
{
	json_object *root = json_object_new_object();

	json_object_object_add(root, "schema", json_object_new_string(BASELINE_SCHEMA));
	json_object_object_add(root, "name", json_object_new_string(rr->baseline_name));
	json_object_object_add(root, "created", json_object_new_string(rr->stamp));
	json_object_object_add(root, "source_run", json_object_new_string(rr->source ? rr->source : rr->rundir));
	json_object_object_add(root, "seed", json_object_new_int64((int64_t)rr->seed));
	json_object_object_add(root, "options", options_json(&rr->opts));
	json_object_object_add(root, "versions", json_object_get(versions));
	json_object_object_add(root, "rule", rule_json());
	json_object_object_add(root, "samples", samples_json(&rr->now));
	if (!write_json(path, root))
		die(EXIT_USAGE, "cannot write the baseline %s: %s", path, strerror(errno));
	json_object_put(root);
	info("baseline written: %s (%d samples)", path, rr->now.nr);
}

/* Samples of earlier runs (their regress.json), for --from and --aa. */
json_object *load_runs(char *list, struct samples *ss, struct testbed_opts *opts)
{
	json_object *versions = NULL;
	char *tok, *save;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *path = xasprintf("%s/regress.json", tok);
		const char *fix = "give run folders of 'tdh regress'";
		json_object *root = load_json(path, REGRESS_SCHEMA, REGRESS_SCHEMA_1, "run", fix), *v;

		if (!json_object_object_get_ex(root, "samples", &v) || !samples_parse(v, ss))
			die(EXIT_USAGE, "run %s has no samples; %s", path, fix);
		if (opts && !opts->nr_configs && file_options(root, opts))
			die(EXIT_USAGE, "run %s: its options are malformed (%s); %s", path, file_options(root, opts), fix);
		if (!versions && json_object_object_get_ex(root, "versions", &v))
			versions = json_object_get(v);
		free(path);
	}
	return versions;
}

uint64_t fresh_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid()) & 0x7fffffff;
}

static char *utc_stamp(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static char *default_history(const char *results_dir)
{
	char *d = xstrdup(results_dir), *h = xasprintf("%s/history.jsonl", dirname(d));

	free(d);
	return h;
}

/* Measure tonight's samples in tb's run folder, a folder per launcher. */
static void measure_tonight(struct testbed *tb, struct regress_opts *ro, struct regress_run *rr,
			    json_object *order)
{
	static struct results res[MATRIX_MAX_LAUNCHERS];
	struct rng rng;
	struct matrix mx = {
		.tb = tb,
		.nr_launchers = ro->nr_launchers,
		.rng = &rng,
		.shard = ro->shard,
		.nr_shards = ro->nr_shards,
		.order = order,
		.booted = set_mtu,
		.measured = add_sample,
		.arg = &rr->now,
	};
	int l;

	rng_seed(&rng, rr->seed);
	for (l = 0; l < ro->nr_launchers; l++) {
		char *dir = xasprintf("%s/%s", tb->rundir, ro->launcher_spec[l]), *raw;

		raw = xasprintf("%s/raw", dir);
		if (mkdir_p(raw))
			die(EXIT_USAGE, "cannot create %s: %s", raw, strerror(errno));
		free(raw);
		res[l].versions = tb->versions;
		res[l].options = options_json(&rr->opts);
		mx.launcher[l] = ro->launcher[l];
		mx.launcher_name[l] = ro->launcher_spec[l];
		mx.dir[l] = dir;
		mx.res[l] = &res[l];
	}
	matrix_run(&mx);
	for (l = 0; l < ro->nr_launchers; l++)
		if (!results_write(&res[l], mx.dir[l], ro->o.args))
			die(EXIT_RUN, "cannot write %s/results.json", mx.dir[l]);
}

/*
 * The night's fault campaign (tdh faults, README "Fault campaigns"): N
 * random mutants of a fixed seed, so that nights compare, and the driver
 * VM's faults, after the matrix, in a boot of its own.
 */
static void night_faults(struct testbed *tb, struct regress_opts *ro, struct regress_run *rr)
{
	struct fault_opts fo = {
		.seed = NIGHTLY_FAULT_SEED,
		.count = ro->faults,
		.kinds = { [FK_RANDOM] = true, [FK_VM] = true },
	};
	json_object *root, *s;
	bool failed;

	fo.source_dir = faults_source_dir(&ro->o);
	info("the night's fault campaign: %d random mutants, the driver VM's faults", ro->faults);
	root = faults_campaign(tb, &fo, rr->rundir, &failed);
	free(faults_save(root, rr->rundir));
	s = json_object_object_get(root, "summary");
	rr->faults = json_object_get(s);
	json_object_put(root);
}

/* A fault that crashed Xen or dom0, corrupted data or leaked fails the night. */
static void fault_verdict(struct regress_run *rr)
{
	json_object *s = rr->faults;
	char line[sizeof(rr->verdict_line)];

	if (!s || !json_object_get_boolean(json_object_object_get(s, "failed")))
		return;
	snprintf(line, sizeof(line), "VERDICT: REGRESSION: the fault campaign had %d Xen crashes, %d dom0 "
		 "crashes, %d corruptions, %d leaks (faults.md); %.380s",
		 json_object_get_int(json_object_object_get(s, "xen_crashes")),
		 json_object_get_int(json_object_object_get(s, "dom0_crashes")),
		 json_object_get_int(json_object_object_get(s, "corruptions")),
		 json_object_get_int(json_object_object_get(s, "leaks")),
		 rr->verdict_line + (strncmp(rr->verdict_line, "VERDICT: ", 9) ? 0 : 9));
	snprintf(rr->verdict_line, sizeof(rr->verdict_line), "%s", line);
	rr->verdict = "regression";
}

static int finish(struct regress_opts *ro, struct regress_run *rr, const struct baseline *b,
		  json_object *versions, json_object *order)
{
	static struct cmp cmp[RG_MAX_CMP], lcmp[RG_MAX_CMP];
	json_object *root;
	char *path;
	int l, n;

	rr->cmp = cmp;
	rr->lcmp = lcmp;
	if (ro->nr_shards > 1 && !ro->from)
		b = NULL;	/* a part of the matrix: judged once the parts are together */
	for (l = 0; b && l < rr->nr_launchers; l++) {
		n = regress_compare(&rr->opts, &b->samples, &rr->now, rr->launchers[l], rr->seed,
				    cmp + rr->nr_cmp, RG_MAX_CMP - rr->nr_cmp);
		if (n < 0)
			die(EXIT_RUN, "a cell has fewer than 2 samples on one side (baseline %s, run %s): nothing to judge; check --shard and the run's log",
			    rr->baseline_path, rr->rundir);
		rr->nr_cmp += n;
	}
	if (rr->nr_launchers == 2) {
		struct samples direct = { 0 };
		int i;

		for (i = 0; i < rr->now.nr; i++)
			if (!strcmp(rr->now.s[i].launcher, "direct"))
				samples_add(&direct, &rr->now.s[i]);
		n = regress_compare(&rr->opts, &direct, &rr->now, "libvirt", rr->seed, lcmp, RG_MAX_CMP);
		rr->nr_lcmp = n > 0 ? n : 0;
	}
	if (b)
		set_verdict(rr);
	else if (ro->nr_shards > 1) {
		rr->verdict = "ok";
		snprintf(rr->verdict_line, sizeof(rr->verdict_line),
			 "VERDICT: shard %d/%d measured (%d samples): judge the shards together with --from",
			 ro->shard, ro->nr_shards, rr->now.nr);
	} else {
		rr->verdict = "ok";
		snprintf(rr->verdict_line, sizeof(rr->verdict_line),
			 "VERDICT: baseline measured (%d samples): nothing to compare yet", rr->now.nr);
	}
	fault_verdict(rr);
	failing_run = NULL;
	root = regress_json(rr, ro, versions, order);
	path = xasprintf("%s/regress.json", rr->rundir);
	if (!write_json(path, root))
		die(EXIT_RUN, "cannot write %s", path);
	json_object_put(root);
	free(path);
	history_append(rr);
	report_write(rr);
	if (ro->update)
		baseline_write(rr->baseline_path, rr, versions);
	printf("\n%s\nreport: %s/report.md\n", rr->verdict_line, rr->rundir);
	return !strcmp(rr->verdict, "regression") ? 1 : 0;
}

/* --- main ------------------------------------------------------------------------- */

static void check_plugin(const struct testbed_opts *o, const struct baseline *b, const char *path)
{
	bool have = machine_counts_insns(&o->paths, o->accel);

	if (b->opts.insn && !have)
		die(EXIT_USAGE, "baseline %s has instruction counts, but this run has no plugin (%s): run 'make qemu', or measure a baseline without it (--update-baseline --no-plugin)",
		    path, o->no_plugin ? "--no-plugin given" : "build/qemu/plugins/" INSN_PLUGIN_SO " is missing");
	if (!b->opts.insn && have)
		die(EXIT_USAGE, "baseline %s has no instruction counts, and the plugin changes the throughput it was measured at; pass --no-plugin, or measure a new baseline",
		    path);
}

static void regress_setup(struct regress_opts *ro, struct regress_run *rr, struct baseline *b)
{
	rr->baseline_name = ro->baseline_name;
	rr->baseline_path = xasprintf("%s/%s.json", ro->baselines_dir, ro->baseline_name);
	if (ro->update && ro->o.guest_mtu)
		die(EXIT_USAGE, "--guest-mtu is a deliberately slower variant: a baseline of it would hide the cost; drop one of the two");
	if (ro->update && ro->nr_shards > 1)
		die(EXIT_USAGE, "--shard measures part of the matrix: measure every shard, then pool them with --update-baseline --from RUN,RUN");
	if (!ro->update) {
		baseline_load(rr->baseline_path, b);
		matrix_check(ro, &b->opts, rr->baseline_path);
		rr->base = b->samples;
	}
	rr->seed = ro->seed_given ? ro->seed : fresh_seed();
	memcpy(rr->launchers, ro->launcher_spec, sizeof(rr->launchers));
	rr->nr_launchers = ro->nr_launchers;
	rr->stamp = utc_stamp();
	rr->history_path = ro->history ? ro->history : default_history(ro->o.results_dir);
}

int regress_main(int argc, char **argv)
{
	static struct regress_opts ro;
	static struct regress_run rr;
	static struct baseline b;
	struct testbed_opts *o = &ro.o;
	json_object *versions, *order = json_object_new_array();
	struct artifacts art;
	struct testbed tb;

	regress_parse(&ro, argc, argv);
	if (ro.aa)
		return aa_main(&ro);
	regress_setup(&ro, &rr, &b);
	if (ro.from) {
		struct testbed_opts runs = { 0 };

		rr.source = xstrdup(ro.from);	/* load_runs() cuts the list up */
		versions = load_runs(ro.from, &rr.now, &runs);
		rr.opts = ro.update ? runs : b.opts;
		if (!versions)
			die(EXIT_USAGE, "the runs given to --from record no versions");
		if (!ro.update)
			versions_check(b.versions, versions, rr.baseline_path, ro.accept_versions,
				       rr.versions_note, sizeof(rr.versions_note));
		rr.rundir = make_rundir(o->results_dir);
		die_remap_run_failure(EXIT_USAGE);
		return finish(&ro, &rr, ro.update ? NULL : &b, versions, order);
	}
	default_paths(o);
	if (!ro.update)
		check_plugin(o, &b, rr.baseline_path);
	testbed_resolve(o, o->accel);
	rr.opts = *o;
	testbed_prepare(&tb, o);
	read_artifacts(o, &art);
	versions = versions_json(&tb.versions, &art);
	if (!ro.update)
		versions_check(b.versions, versions, rr.baseline_path, ro.accept_versions, rr.versions_note,
			       sizeof(rr.versions_note));
	testbed_make_rundir(&tb);
	rr.rundir = tb.rundir;
	info("seed %llu", (unsigned long long)rr.seed);
	die_remap_run_failure(EXIT_USAGE);
	failing_run = &rr;
	cleanup_push(on_failure, NULL, "failure report");
	testbed_connect(&tb, ro.libvirt_uri ? &libvirt_launcher : &direct_launcher, ro.libvirt_uri);
	measure_tonight(&tb, &ro, &rr, order);
	/* a baseline is throughput; a shard is part of a night: the campaign runs once, with shard 1 */
	if (ro.faults && !ro.update && ro.shard == 1)
		night_faults(&tb, &ro, &rr);
	failing_run = NULL;
	/* libvirt's version is known once connected */
	snprintf(art.libvirt, sizeof(art.libvirt), "%s", libvirt_version());
	json_object_put(versions);
	versions = versions_json(&tb.versions, &art);
	cleanup_all();
	return finish(&ro, &rr, ro.update ? NULL : &b, versions, order);
}
