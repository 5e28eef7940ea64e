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
#include "testbed.h"
#include "util.h"

#define BASELINE_SCHEMA	"tdh-baseline/1"
#define REGRESS_SCHEMA	"tdh-regress/1"
/* a region judged on its own must be at least this share of the cost */
#define REGION_MIN_SHARE	0.10

struct regress_opts {
	struct sim_opts o;
	const char *baseline_name;
	const char *baselines_dir;
	bool update;
	bool accept_versions;
	const char *launcher_spec[RG_MAX_LAUNCHERS];
	int nr_launchers;
	const char *libvirt_uri;
	int guest_mtu;
	bool seed_given;
	uint64_t seed;
	int shard, nr_shards;
	const char *history;
	char *from;		/* runs to take samples from instead of measuring */
	char *aa;		/* runs to resample for an A/A (or shifted) estimate */
	int trials;
	double shift_insn, shift_scaled;
	/* matrix options given on the command line, checked against the baseline */
	bool given_configs, given_workloads, given_repeats, given_duration, given_warmup;
	bool given_cpus, given_mem, given_accel;
};

/* --- the rule --------------------------------------------------------------- */

/* --confidence and --spread-factor, for studying the rule (tdh regress --aa) */
static double rule_confidence = 0.99, rule_spread_factor = 2, rule_insn_threshold = 0.03;

void regress_rule(const char *metric, struct rule *r)
{
	r->confidence = rule_confidence;
	r->spread_factor = rule_spread_factor;
	r->resamples = 2000;
	if (!strcmp(metric, "scaled")) {
		/* time-based, swings with the host's load: only a large step counts */
		r->threshold = 0.10;
		r->higher_is_worse = false;
	} else if (!strcmp(metric, "insn")) {
		r->threshold = rule_insn_threshold;
		r->higher_is_worse = true;
	} else {		/* a region's instructions per KB */
		r->threshold = 0.05;
		r->higher_is_worse = true;
	}
}

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
"  --confidence C       the rule's interval (default 0.99), --spread-factor K its\n"
"                       spread factor (default 2), --insn-threshold T the total's\n"
"                       threshold (default 0.03): for studying the rule with --aa\n");
	testbed_usage(out);
}

enum {
	OPT_BASELINE = 1000, OPT_BASELINES, OPT_UPDATE, OPT_CONFIGS, OPT_WORKLOADS, OPT_REPEATS,
	OPT_LAUNCHER, OPT_MTU, OPT_SEED, OPT_SHARD, OPT_FROM, OPT_AA, OPT_TRIALS, OPT_SHIFT_INSN,
	OPT_SHIFT_SCALED, OPT_ACCEPT, OPT_HISTORY, OPT_CONFIDENCE, OPT_SPREAD, OPT_INSN_THRESHOLD, OPT_HELP
};

static bool valid_launcher(const char *s)
{
	return !strcmp(s, "direct") || !strcmp(s, "libvirt") || !strncmp(s, "libvirt:", 8);
}

static void parse_launchers(struct regress_opts *ro, char *arg)
{
	int i;

	ro->nr_launchers = testbed_split_list(arg, ro->launcher_spec, RG_MAX_LAUNCHERS, "launcher", valid_launcher, "regress");
	for (i = 0; i < ro->nr_launchers; i++) {
		const char *s = ro->launcher_spec[i];

		if (!strncmp(s, "libvirt", 7)) {
			ro->libvirt_uri = s[7] == ':' ? s + 8 : LIBVIRT_DEFAULT_URI;
			ro->launcher_spec[i] = "libvirt";
			libvirt_check_uri(ro->libvirt_uri);
		}
	}
	if (ro->nr_launchers == 2 && !strcmp(ro->launcher_spec[0], ro->launcher_spec[1]))
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
	struct sim_opts *o = &ro->o;
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
		ro->guest_mtu = (int)l;
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
		{ "confidence", required_argument, NULL, OPT_CONFIDENCE },
		{ "spread-factor", required_argument, NULL, OPT_SPREAD },
		{ "insn-threshold", required_argument, NULL, OPT_INSN_THRESHOLD },
		TESTBED_LONGOPTS,
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	static char def_configs[] = "native,dom0,twin-dom0,netback,twin", def_workloads[] = "tx,rx";
	static char def_launcher[] = "direct";
	struct sim_opts *o = &ro->o;
	int c;

	testbed_defaults(o);
	o->duration_s = 5;
	o->repeats = 5;
	ro->baseline_name = "nightly";
	ro->baselines_dir = "results/baselines";
	ro->trials = 1000;
	ro->shift_insn = ro->shift_scaled = 1;
	ro->shard = ro->nr_shards = 1;
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

/* --- samples ------------------------------------------------------------------ */

static void samples_add(struct samples *ss, const struct sample *s)
{
	if (!ss->s)
		ss->s = xcalloc(RG_MAX_SAMPLES, sizeof(*ss->s));
	if (ss->nr == RG_MAX_SAMPLES)
		die(EXIT_USAGE, "more than %d samples", RG_MAX_SAMPLES);
	ss->s[ss->nr++] = *s;
}

static void sample_from_record(struct sample *s, const struct record *r, const char *launcher)
{
	int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->config, sizeof(s->config), "%s", r->config);
	snprintf(s->workload, sizeof(s->workload), "%s", r->workload);
	snprintf(s->launcher, sizeof(s->launcher), "%s", launcher);
	s->repeat = r->repeat;
	s->mbps = r->mbps;
	s->cpu_util = r->cpu_util;
	s->scaled = r->cpu_scaled_mbps;
	s->has_insn = r->insn.nr > 0;
	s->insn_per_kb = insn_per_kb(r->insn.total, r->insn.kb);
	s->nr_regions = r->insn.nr;
	for (i = 0; i < r->insn.nr; i++) {
		memcpy(s->region[i], r->insn.name[i], INSN_NAME_LEN);
		s->region_per_kb[i] = insn_per_kb(r->insn.count[i], r->insn.kb);
	}
}

static json_object *sample_json(const struct sample *s)
{
	json_object *o = json_object_new_object(), *regs;
	int i;

	json_object_object_add(o, "config", json_object_new_string(s->config));
	json_object_object_add(o, "workload", json_object_new_string(s->workload));
	json_object_object_add(o, "launcher", json_object_new_string(s->launcher));
	json_object_object_add(o, "repeat", json_object_new_int(s->repeat));
	json_object_object_add(o, "mbps", json_object_new_double(s->mbps));
	json_object_object_add(o, "cpu_util", json_object_new_double(s->cpu_util));
	json_object_object_add(o, "cpu_scaled_mbps", json_object_new_double(s->scaled));
	if (!s->has_insn) {
		json_object_object_add(o, "insn_per_kb", NULL);
		return o;
	}
	json_object_object_add(o, "insn_per_kb", json_object_new_double(s->insn_per_kb));
	regs = json_object_new_object();
	for (i = 0; i < s->nr_regions; i++)
		json_object_object_add(regs, s->region[i], json_object_new_double(s->region_per_kb[i]));
	json_object_object_add(o, "regions", regs);
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : NULL;
}

static bool jnum(json_object *o, const char *key, double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

/* false: not a sample (the caller names the file) */
static bool sample_parse(json_object *o, struct sample *s)
{
	const char *c = jstr(o, "config"), *w = jstr(o, "workload"), *l = jstr(o, "launcher");
	json_object *regs;
	double rep;

	memset(s, 0, sizeof(*s));
	if (!c || !w || !jnum(o, "cpu_scaled_mbps", &s->scaled) || !jnum(o, "repeat", &rep))
		return false;
	snprintf(s->config, sizeof(s->config), "%s", c);
	snprintf(s->workload, sizeof(s->workload), "%s", w);
	snprintf(s->launcher, sizeof(s->launcher), "%s", l ? l : "direct");
	s->repeat = (int)rep;
	jnum(o, "mbps", &s->mbps);
	jnum(o, "cpu_util", &s->cpu_util);
	s->has_insn = jnum(o, "insn_per_kb", &s->insn_per_kb);
	if (s->has_insn && json_object_object_get_ex(o, "regions", &regs) &&
	    json_object_is_type(regs, json_type_object)) {
		json_object_object_foreach(regs, name, val) {
			if (s->nr_regions == INSN_MAX_REGIONS)
				break;
			snprintf(s->region[s->nr_regions], INSN_NAME_LEN, "%s", name);
			s->region_per_kb[s->nr_regions++] = json_object_get_double(val);
		}
	}
	return true;
}

static bool samples_parse(json_object *arr, struct samples *ss)
{
	size_t i;

	if (!arr || !json_object_is_type(arr, json_type_array) || !json_object_array_length(arr))
		return false;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct sample s;

		if (!sample_parse(json_object_array_get_idx(arr, i), &s))
			return false;
		samples_add(ss, &s);
	}
	return true;
}

/* --- the matrix ------------------------------------------------------------ */

static json_object *strings_json(const char *const *v, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *matrix_json(const struct matrix *mx)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "configs", strings_json(mx->configs, mx->nr_configs));
	json_object_object_add(o, "workloads", strings_json(mx->workloads, mx->nr_workloads));
	json_object_object_add(o, "repeats", json_object_new_int(mx->repeats));
	json_object_object_add(o, "duration_s", json_object_new_double(mx->duration_s));
	json_object_object_add(o, "warmup_s", json_object_new_double(mx->warmup_s));
	json_object_object_add(o, "cpus", json_object_new_int(mx->cpus));
	json_object_object_add(o, "mem_mb", json_object_new_int(mx->mem_mb));
	json_object_object_add(o, "accel", json_object_new_string(mx->accel));
	json_object_object_add(o, "insn", json_object_new_boolean(mx->insn));
	return o;
}

static int strings_parse(json_object *o, const char *key, const char **out, int max,
			 bool (*valid)(const char *))
{
	json_object *a;
	size_t i;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    !json_object_array_length(a) || json_object_array_length(a) > (size_t)max)
		return -1;
	for (i = 0; i < json_object_array_length(a); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));

		if (!s || !valid(s))
			return -1;
		out[i] = xstrdup(s);
	}
	return (int)i;
}

static bool matrix_parse(json_object *o, struct matrix *mx)
{
	double rep, cpus, mem;
	json_object *insn;
	const char *accel = jstr(o, "accel");

	mx->nr_configs = strings_parse(o, "configs", mx->configs, MAX_CONFIGS, testbed_valid_config);
	mx->nr_workloads = strings_parse(o, "workloads", mx->workloads, MAX_WORKLOADS, testbed_valid_workload);
	if (mx->nr_configs < 1 || mx->nr_workloads < 1 || !accel || !jnum(o, "repeats", &rep) ||
	    !jnum(o, "duration_s", &mx->duration_s) || !jnum(o, "warmup_s", &mx->warmup_s) ||
	    !jnum(o, "cpus", &cpus) || !jnum(o, "mem_mb", &mem) ||
	    !json_object_object_get_ex(o, "insn", &insn))
		return false;
	mx->repeats = (int)rep;
	mx->cpus = (int)cpus;
	mx->mem_mb = (int)mem;
	mx->accel = xstrdup(accel);
	mx->insn = json_object_get_boolean(insn);
	return true;
}

static void matrix_from_opts(const struct sim_opts *o, struct matrix *mx)
{
	memcpy(mx->configs, o->configs, sizeof(mx->configs));
	mx->nr_configs = o->nr_configs;
	memcpy(mx->workloads, o->workloads, sizeof(mx->workloads));
	mx->nr_workloads = o->nr_workloads;
	mx->repeats = o->repeats;
	mx->duration_s = o->duration_s;
	mx->warmup_s = o->warmup_s;
	mx->cpus = o->cpus;
	mx->mem_mb = o->mem_mb;
	mx->accel = accel_name(o->accel);
	mx->insn = o->paths.insn_plugin && o->accel == ACCEL_TCG;
}

static bool same_list(const char *const *a, int na, const char *const *b, int nb)
{
	int i, j;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]); j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

static void __attribute__((noreturn))
incompatible(const char *path, const char *what, const char *base, const char *now)
{
	die(EXIT_USAGE, "baseline %s is incompatible: it was measured with %s %s, this run asks for %s; drop the option, or measure a new baseline with --update-baseline",
	    path, what, base, now);
}

static char *list_text(const char *const *v, int n)
{
	char *s = xstrdup(""), *t;
	int i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", s, i ? "," : "", v[i]);
		free(s);
		s = t;
	}
	return s;
}

/* The options given must agree with the baseline's matrix, which then rules. */
static void matrix_check(struct regress_opts *ro, const struct matrix *b, const char *path)
{
	struct sim_opts *o = &ro->o;
	char x[32], y[32];

	if (ro->given_configs && !same_list(b->configs, b->nr_configs, o->configs, o->nr_configs))
		incompatible(path, "--configs", list_text(b->configs, b->nr_configs),
			     list_text(o->configs, o->nr_configs));
	if (ro->given_workloads && !same_list(b->workloads, b->nr_workloads, o->workloads, o->nr_workloads))
		incompatible(path, "--workloads", list_text(b->workloads, b->nr_workloads),
			     list_text(o->workloads, o->nr_workloads));
#define CHECK_NUM(given, opt, bv, ov) do { \
		if ((given) && (bv) != (ov)) { \
			snprintf(x, sizeof(x), "%g", (double)(bv)); \
			snprintf(y, sizeof(y), "%g", (double)(ov)); \
			incompatible(path, opt, x, y); \
		} } while (0)
	CHECK_NUM(ro->given_repeats, "--repeats", b->repeats, o->repeats);
	CHECK_NUM(ro->given_duration, "--duration", b->duration_s, o->duration_s);
	CHECK_NUM(ro->given_warmup, "--warmup", b->warmup_s, o->warmup_s);
	CHECK_NUM(ro->given_cpus, "--cpus", b->cpus, o->cpus);
	CHECK_NUM(ro->given_mem, "--mem", b->mem_mb, o->mem_mb);
#undef CHECK_NUM
	if (ro->given_accel && strcmp(b->accel, accel_name(o->accel)))
		incompatible(path, "--accel", b->accel, accel_name(o->accel));
	if (!strcmp(b->accel, "kvm"))
		o->accel = ACCEL_KVM;
	else if (!strcmp(b->accel, "tcg"))
		o->accel = ACCEL_TCG;
	else
		die(EXIT_USAGE, "baseline %s: unknown accelerator '%s'; measure a new one with --update-baseline",
		    path, b->accel);
	memcpy(o->configs, b->configs, sizeof(o->configs));
	o->nr_configs = b->nr_configs;
	memcpy(o->workloads, b->workloads, sizeof(o->workloads));
	o->nr_workloads = b->nr_workloads;
	o->repeats = b->repeats;
	o->duration_s = b->duration_s;
	o->warmup_s = b->warmup_s;
	o->cpus = b->cpus;
	o->mem_mb = b->mem_mb;
}

/* --- versions of everything measured --------------------------------------- */

struct artifacts {
	int nr;
	const char *name[8];
	char sha[8][72];
	char commit[64];
	char libvirt[64];
};

static void hash_files(struct artifacts *a, const char *const *paths)
{
	char *argv[12] = { "sha256sum" }, *out = NULL, *line, *save;
	int n = 1, i;

	for (i = 0; i < a->nr; i++)
		if (paths[i] && file_exists(paths[i]))
			argv[n++] = (char *)paths[i];
	argv[n] = NULL;
	for (i = 0; i < a->nr; i++)
		snprintf(a->sha[i], sizeof(a->sha[i]), "absent");
	if (n == 1 || run_cmd(argv, &out, false, 60) != 0)
		goto out;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		for (sp++; *sp == ' ' || *sp == '*'; sp++)
			;
		for (i = 0; i < a->nr; i++)
			if (paths[i] && !strcmp(paths[i], sp))
				snprintf(a->sha[i], sizeof(a->sha[i]), "%s", line);
	}
out:
	free(out);
}

static void read_artifacts(const struct sim_opts *o, struct artifacts *a)
{
	char exe[4096], *repo = xstrdup(o->build_dir);
	char *git[] = { "git", "-C", dirname(repo), "describe", "--always", "--dirty", NULL };
	const char *paths[8];
	char *out = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	a->nr = 0;
#define ART(nm, p) do { a->name[a->nr] = nm; paths[a->nr++] = p; } while (0)
	ART("xen", o->paths.xen);
	ART("vmlinuz", o->paths.kernel);
	ART("native.img", o->paths.native_img);
	ART("dom0.img", o->paths.dom0_img);
	ART("qemu", o->paths.qemu);
	ART("insn_plugin", o->paths.insn_plugin);
	ART("tdh", exe);
#undef ART
	hash_files(a, paths);
	snprintf(a->commit, sizeof(a->commit), "unknown");
	if (run_cmd(git, &out, false, 10) == 0 && out && *out)
		snprintf(a->commit, sizeof(a->commit), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	free(repo);
	snprintf(a->libvirt, sizeof(a->libvirt), "%s", libvirt_version());
}

static json_object *versions_json(const struct versions *v, const struct artifacts *a)
{
	json_object *o = versions_to_json(v), *arts = json_object_new_object();
	int i;

	for (i = 0; i < a->nr; i++)
		json_object_object_add(arts, a->name[i], json_object_new_string(a->sha[i]));
	json_object_object_add(o, "sha256", arts);
	json_object_object_add(o, "commit", json_object_new_string(a->commit));
	json_object_object_add(o, "libvirt", json_object_new_string(a->libvirt));
	return o;
}

/* The pinned stack must match; the project's own outputs are what is measured. */
static const char *const stack_keys[] = { "xen", "kernel", "qemu", "iperf3" };

static void versions_check(json_object *bv, json_object *nv, const char *path, bool accept,
			   char *note, size_t note_len)
{
	json_object *bs, *ns;
	size_t used = 0;
	unsigned i;

	note[0] = '\0';
	for (i = 0; i < sizeof(stack_keys) / sizeof(stack_keys[0]); i++) {
		const char *b = jstr(bv, stack_keys[i]), *n = jstr(nv, stack_keys[i]);

		if (b && n && !strcmp(b, n))
			continue;
		if (!accept)
			die(EXIT_USAGE, "baseline %s is incompatible: it was measured with %s '%s', this build has '%s'; measure a new baseline with --update-baseline (or compare anyway with --accept-versions)",
			    path, stack_keys[i], b ? b : "?", n ? n : "?");
		used += snprintf(note + used, used < note_len ? note_len - used : 0, "%s%s %s -> %s",
				 used ? "; " : "", stack_keys[i], b ? b : "?", n ? n : "?");
	}
	if (!json_object_object_get_ex(bv, "sha256", &bs) || !json_object_object_get_ex(nv, "sha256", &ns))
		return;
	json_object_object_foreach(ns, name, val) {
		const char *b = jstr(bs, name);

		if (b && strcmp(b, json_object_get_string(val)))
			used += snprintf(note + used, used < note_len ? note_len - used : 0, "%s%s changed",
					 used ? "; " : "", name);
	}
}

/* --- files: the baseline, regress.json ------------------------------------------ */

static json_object *load_json(const char *path, const char *schema, const char *what, const char *fix)
{
	char *text = read_file(path, NULL);
	json_object *root, *v;

	if (!text)
		die(EXIT_USAGE, "cannot read %s %s: %s; %s", what, path, strerror(errno), fix);
	root = json_tokener_parse(text);
	free(text);
	if (!root || !json_object_is_type(root, json_type_object))
		die(EXIT_USAGE, "%s %s is not JSON; %s", what, path, fix);
	if (!json_object_object_get_ex(root, "schema", &v) || strcmp(json_object_get_string(v), schema))
		die(EXIT_USAGE, "%s %s has schema '%s', not %s; %s", what, path,
		    json_object_object_get_ex(root, "schema", &v) ? json_object_get_string(v) : "none",
		    schema, fix);
	return root;
}

struct baseline {
	json_object *root;
	struct matrix mx;
	json_object *versions;
	struct samples samples;
};

static void baseline_load(const char *path, struct baseline *b)
{
	const char *fix = "measure one with 'tdh regress --update-baseline'";
	json_object *mx, *samples;
	int i;

	b->root = load_json(path, BASELINE_SCHEMA, "baseline", fix);
	if (!json_object_object_get_ex(b->root, "matrix", &mx) || !matrix_parse(mx, &b->mx))
		die(EXIT_USAGE, "baseline %s: its matrix is missing or malformed; %s", path, fix);
	if (!json_object_object_get_ex(b->root, "versions", &b->versions))
		die(EXIT_USAGE, "baseline %s records no versions; %s", path, fix);
	if (!json_object_object_get_ex(b->root, "samples", &samples) || !samples_parse(samples, &b->samples))
		die(EXIT_USAGE, "baseline %s: its samples are missing or malformed; %s", path, fix);
	for (i = 0; i < b->samples.nr; i++)
		if (b->mx.insn && !b->samples.s[i].has_insn)
			die(EXIT_USAGE, "baseline %s says it has instruction counts but sample %d has none; %s",
			    path, i + 1, fix);
}

static bool write_json(const char *path, json_object *root)
{
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	char *dir = xstrdup(path);
	bool ok;

	mkdir_p(dirname(dir));
	free(dir);
	ok = write_file(path, text, strlen(text)) == 0;
	return ok;
}

static json_object *samples_json(const struct samples *ss)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < ss->nr; i++)
		json_object_array_add(a, sample_json(&ss->s[i]));
	return a;
}

static json_object *rule_json(void)
{
	static const char *const metrics[] = { "scaled", "insn", "insn:<region>" };
	json_object *o = json_object_new_object();
	unsigned i;

	for (i = 0; i < 3; i++) {
		json_object *r = json_object_new_object();
		struct rule rule;

		regress_rule(metrics[i], &rule);
		json_object_object_add(r, "threshold", json_object_new_double(rule.threshold));
		json_object_object_add(r, "confidence", json_object_new_double(rule.confidence));
		json_object_object_add(r, "spread_factor", json_object_new_double(rule.spread_factor));
		json_object_object_add(r, "resamples", json_object_new_int(rule.resamples));
		json_object_object_add(r, "higher_is_worse", json_object_new_boolean(rule.higher_is_worse));
		json_object_object_add(o, metrics[i], r);
	}
	json_object_object_add(o, "region_min_share", json_object_new_double(REGION_MIN_SHARE));
	return o;
}

static json_object *cmp_json(const struct cmp *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "launcher", json_object_new_string(c->launcher));
	json_object_object_add(o, "config", json_object_new_string(c->config));
	json_object_object_add(o, "workload", json_object_new_string(c->workload));
	json_object_object_add(o, "metric", json_object_new_string(c->metric));
	json_object_object_add(o, "judged", json_object_new_boolean(c->judged));
	json_object_object_add(o, "diagnostic", json_object_new_boolean(c->diagnostic));
	json_object_object_add(o, "n_base", json_object_new_int(c->nb));
	json_object_object_add(o, "n_now", json_object_new_int(c->nt));
	json_object_object_add(o, "base_median", json_object_new_double(c->base_median));
	json_object_object_add(o, "now_median", json_object_new_double(c->now_median));
	json_object_object_add(o, "ratio", json_object_new_double(c->c.ratio));
	json_object_object_add(o, "ci_low", json_object_new_double(c->c.lo));
	json_object_object_add(o, "ci_high", json_object_new_double(c->c.hi));
	json_object_object_add(o, "threshold", json_object_new_double(c->rule.threshold));
	json_object_object_add(o, "base_spread", json_object_new_double(c->c.spread));
	json_object_object_add(o, "step", json_object_new_double(c->c.step));
	json_object_object_add(o, "change", json_object_new_string(change_name(c->c.change)));
	return o;
}

static json_object *cmps_json(const struct cmp *c, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, cmp_json(&c[i]));
	return a;
}

/* --- the comparison ------------------------------------------------------------- */

static bool in_cell(const struct sample *s, const char *config, const char *workload)
{
	return !strcmp(s->config, config) && !strcmp(s->workload, workload);
}

static double region_value(const struct sample *s, const char *region)
{
	int i;

	for (i = 0; i < s->nr_regions; i++)
		if (!strcmp(s->region[i], region))
			return s->region_per_kb[i];
	return -1;
}

/* metric: "scaled", "insn" or "insn:<region>"; -1 when the sample has none */
static double metric_value(const struct sample *s, const char *metric)
{
	if (!strcmp(metric, "scaled"))
		return s->scaled;
	if (!s->has_insn)
		return -1;
	if (!strcmp(metric, "insn"))
		return s->insn_per_kb;
	return region_value(s, metric + 5);
}

static int gather(const struct samples *ss, const char *config, const char *workload,
		  const char *launcher, const char *metric, double *out)
{
	int i, n = 0;

	for (i = 0; i < ss->nr; i++) {
		const struct sample *s = &ss->s[i];
		double v;

		if (!in_cell(s, config, workload) || (launcher && strcmp(s->launcher, launcher)))
			continue;
		v = metric_value(s, metric);
		if (v >= 0)
			out[n++] = v;
	}
	return n;
}

static bool compare_one(const struct samples *base, const struct samples *now, const char *launcher,
			const char *config, const char *workload, const char *metric, uint64_t seed,
			struct cmp *c)
{
	double *b = xcalloc(base->nr + 1, sizeof(double)), *t = xcalloc(now->nr + 1, sizeof(double));
	bool ok;

	memset(c, 0, sizeof(*c));
	snprintf(c->launcher, sizeof(c->launcher), "%s", launcher);
	snprintf(c->config, sizeof(c->config), "%s", config);
	snprintf(c->workload, sizeof(c->workload), "%s", workload);
	snprintf(c->metric, sizeof(c->metric), "%s", metric);
	regress_rule(metric, &c->rule);
	c->nb = gather(base, config, workload, NULL, metric, b);
	c->nt = gather(now, config, workload, launcher, metric, t);
	ok = stats_compare(b, c->nb, t, c->nt, &c->rule, seed, &c->c);
	if (ok) {
		c->base_median = stats_median(b, c->nb);
		c->now_median = stats_median(t, c->nt);
	}
	c->judged = ok;
	free(b);
	free(t);
	return ok;
}

/* The regions the baseline's samples of a cell name, in their order. */
static int cell_regions(const struct samples *ss, const char *config, const char *workload,
			const char **out)
{
	int i;

	for (i = 0; i < ss->nr; i++) {
		const struct sample *s = &ss->s[i];
		int k;

		if (!in_cell(s, config, workload) || !s->has_insn)
			continue;
		for (k = 0; k < s->nr_regions; k++)
			out[k] = s->region[k];
		return s->nr_regions;
	}
	return 0;
}

int regress_compare(const struct matrix *mx, const struct samples *base, const struct samples *now,
		    const char *launcher, uint64_t seed, struct cmp *out, int max)
{
	const char *regions[INSN_MAX_REGIONS];
	char metric[RG_METRIC_LEN];
	int n = 0, i, j, k, nr;

	for (i = 0; i < mx->nr_configs; i++) {
		for (j = 0; j < mx->nr_workloads; j++) {
			const char *cf = mx->configs[i], *wl = mx->workloads[j];
			struct cmp *insn = NULL;

			if (n + INSN_MAX_REGIONS + 2 > max)
				die(EXIT_RUN, "internal: too many comparisons");
			if (!compare_one(base, now, launcher, cf, wl, "scaled", seed + n, &out[n]))
				return -1;
			n++;
			if (!mx->insn)
				continue;
			if (!compare_one(base, now, launcher, cf, wl, "insn", seed + n, &out[n]))
				return -1;
			insn = &out[n++];
			nr = cell_regions(base, cf, wl, regions);
			for (k = 0; k < nr; k++) {
				snprintf(metric, sizeof(metric), "insn:%s", regions[k]);
				if (!compare_one(base, now, launcher, cf, wl, metric, seed + n, &out[n]))
					continue;
				/*
				 * Regions say where a change is; the verdict is the
				 * total's, since the regions move with it and every
				 * extra judged metric adds false alarms.
				 */
				out[n].judged = false;
				out[n].diagnostic = out[n].base_median >= REGION_MIN_SHARE * insn->base_median;
				n++;
			}
		}
	}
	return n;
}

static void tally(const struct cmp *c, int n, int *worse, int *better)
{
	int i;

	*worse = *better = 0;
	for (i = 0; i < n; i++) {
		if (!c[i].judged)
			continue;
		*worse += c[i].c.change == CHANGE_WORSE;
		*better += c[i].c.change == CHANGE_BETTER;
	}
}

/* --- measuring ------------------------------------------------------------------ */

struct unit {
	int launcher;			/* index into ro->launcher_spec */
	enum machine_kind kind;
	int order[MAX_CONFIGS * MAX_WORKLOADS];	/* cells, as indices into cells[] */
	int nr;
	struct {
		const struct config_desc *cd;
		const char *workload;
	} cells[MAX_CONFIGS * MAX_WORKLOADS];
	bool need_domu;
};

struct measuring {
	struct regress_opts *ro;
	const char *rundir;
	char *ldir[RG_MAX_LAUNCHERS];		/* <run>/<launcher> */
	struct results res[RG_MAX_LAUNCHERS];
	struct samples *now;
	json_object *order;
	struct rng rng;
	int boot_index;
};

static void build_units(const struct sim_opts *o, const struct regress_opts *ro, struct unit *u, int *nu)
{
	int l, k, i, j;

	*nu = 0;
	for (l = 0; l < ro->nr_launchers; l++) {
		for (k = MACHINE_NATIVE; k <= MACHINE_XEN; k++) {
			struct unit *x = &u[*nu];

			memset(x, 0, sizeof(*x));
			x->launcher = l;
			x->kind = (enum machine_kind)k;
			for (j = 0; j < o->nr_workloads; j++) {
				for (i = 0; i < o->nr_configs; i++) {
					const struct config_desc *cd = find_config(o->configs[i]);

					if (cd->machine != x->kind)
						continue;
					x->cells[x->nr].cd = cd;
					x->cells[x->nr].workload = o->workloads[j];
					x->order[x->nr] = x->nr;
					x->nr++;
					x->need_domu |= cd->needs_domu;
				}
			}
			if (x->nr)
				(*nu)++;
		}
	}
}

static void reverse(int *v, int n)
{
	int i;

	for (i = 0; i < n / 2; i++) {
		int t = v[i];

		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

static void agent_or_die(struct agent *a, struct machine *m, const char *cmd)
{
	char *out = NULL;
	int rc = agent_run(a, cmd, 30, &out);

	if (rc != 0)
		die(EXIT_RUN, "'%s' in the %s guest failed (status %d): %s; console log %s", cmd,
		    machine_kind_name(m->kind), rc, out ? out : "no answer", m->console_log);
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
			m->kind == MACHINE_NATIVE ? "" : xasprintf(" && ip link set xenbr0 mtu %d", mtu));
	agent_or_die(a, m, cmd);
	free(cmd);
	if (need_domu) {
		cmd = xasprintf("sed -i 's/ tdh.ip=/ tdh.mtu=%d tdh.ip=/' /etc/xen/domU.cfg", mtu);
		agent_or_die(a, m, cmd);
		free(cmd);
	}
	info("  guest MTU set to %d", mtu);
}

static void run_unit(struct measuring *ms, struct unit *u, int repeat, enum accel accel)
{
	struct regress_opts *ro = ms->ro;
	const char *launcher = ro->launcher_spec[u->launcher];
	struct results *res = &ms->res[u->launcher];
	char tag[32], *line, *t;
	struct machine m;
	struct agent a;
	int i;

	line = xasprintf("r%d %s %s:", repeat, launcher, machine_kind_name(u->kind));
	for (i = 0; i < u->nr; i++) {
		t = xasprintf("%s %s/%s", line, u->cells[u->order[i]].cd->name, u->cells[u->order[i]].workload);
		free(line);
		line = t;
	}
	json_object_array_add(ms->order, json_object_new_string(line));
	info("boot %d: %s", ms->boot_index + 1, line);
	free(line);

	snprintf(tag, sizeof(tag), "%s-r%d", machine_kind_name(u->kind), repeat);
	libvirt_select(!strcmp(launcher, "libvirt"));
	boot(&ro->o, &m, &a, u->kind, accel, ms->ldir[u->launcher], tag);
	apply_mtu(ro->guest_mtu, &a, &m, u->need_domu);
	if (u->need_domu)
		start_domu(&a, &m, NULL);
	for (i = 0; i < u->nr; i++) {
		struct sample s;

		measure(&ro->o, u->cells[u->order[i]].cd, u->cells[u->order[i]].workload, repeat, &m, &a,
			ms->ldir[u->launcher], res);
		results_write(res, ms->ldir[u->launcher], ro->o.args);
		sample_from_record(&s, &res->rec[res->nr - 1], launcher);
		samples_add(ms->now, &s);
	}
	if (u->need_domu)
		save_domu_console(&a, ms->ldir[u->launcher], tag);
	shutdown_machine(&a, &m);
	libvirt_select(false);
}

/*
 * Each odd repeat shuffles the boots and each boot's measurements afresh;
 * the even repeat after it runs both in reverse, so that every position
 * in the night is balanced between configurations.
 */
static void measure_matrix(struct measuring *ms, enum accel accel)
{
	struct sim_opts *o = &ms->ro->o;
	struct unit units[RG_MAX_LAUNCHERS * 2];
	int order[RG_MAX_LAUNCHERS * 2], nu, r, i;

	build_units(o, ms->ro, units, &nu);
	for (i = 0; i < nu; i++)
		order[i] = i;
	for (r = 1; r <= o->repeats; r++) {
		if (r % 2) {
			rng_shuffle(&ms->rng, order, nu);
			for (i = 0; i < nu; i++)
				rng_shuffle(&ms->rng, units[i].order, units[i].nr);
		} else {
			reverse(order, nu);
			for (i = 0; i < nu; i++)
				reverse(units[i].order, units[i].nr);
		}
		for (i = 0; i < nu; i++, ms->boot_index++) {
			if (ms->boot_index % ms->ro->nr_shards != ms->ro->shard - 1)
				continue;	/* another host's share */
			run_unit(ms, &units[order[i]], r, accel);
		}
	}
}

/* --- the story ------------------------------------------------------------------ */

static struct regress_run *failing_run;

static void set_verdict(struct regress_run *rr)
{
	size_t used;
	int i, shown = 0, judged = 0;

	tally(rr->cmp, rr->nr_cmp, &rr->worse, &rr->better);
	for (i = 0; i < rr->nr_cmp; i++)
		judged += rr->cmp[i].judged;
	if (!rr->worse) {
		rr->verdict = "ok";
		snprintf(rr->verdict_line, sizeof(rr->verdict_line),
			 "VERDICT: no regression: %d judged comparisons, none worse, %d better", judged, rr->better);
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
	json_object_object_add(root, "matrix", matrix_json(&rr->mx));
	json_object_object_add(variant, "guest_mtu", rr->guest_mtu ? json_object_new_int(rr->guest_mtu) : NULL);
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
	json_object_object_add(root, "matrix", matrix_json(&rr->mx));
	json_object_object_add(root, "versions", json_object_get(versions));
	json_object_object_add(root, "rule", rule_json());
	json_object_object_add(root, "samples", samples_json(&rr->now));
	if (!write_json(path, root))
		die(EXIT_USAGE, "cannot write the baseline %s: %s", path, strerror(errno));
	json_object_put(root);
	info("baseline written: %s (%d samples)", path, rr->now.nr);
}

/* Samples of earlier runs (their regress.json), for --from and --aa. */
static json_object *load_runs(char *list, struct samples *ss, struct matrix *mx)
{
	json_object *versions = NULL;
	char *tok, *save;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *path = xasprintf("%s/regress.json", tok);
		const char *fix = "give run folders of 'tdh regress'";
		json_object *root = load_json(path, REGRESS_SCHEMA, "run", fix), *v;

		if (!json_object_object_get_ex(root, "samples", &v) || !samples_parse(v, ss))
			die(EXIT_USAGE, "run %s has no samples; %s", path, fix);
		if (mx && json_object_object_get_ex(root, "matrix", &v) && !mx->nr_configs && !matrix_parse(v, mx))
			die(EXIT_USAGE, "run %s: its matrix is malformed; %s", path, fix);
		if (!versions && json_object_object_get_ex(root, "versions", &v))
			versions = json_object_get(v);
		free(path);
	}
	return versions;
}

static uint64_t fresh_seed(void)
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

/* Measure tonight's samples: the testbed's whole life cycle. */
static void measure_tonight(struct regress_opts *ro, struct regress_run *rr, json_object *order)
{
	struct measuring ms = { .ro = ro, .rundir = rr->rundir, .now = &rr->now, .order = order };
	struct peer peer;
	enum accel accel;
	int l;

	rng_seed(&ms.rng, rr->seed);
	for (l = 0; l < ro->nr_launchers; l++) {
		char *raw;

		ms.ldir[l] = xasprintf("%s/%s", rr->rundir, ro->launcher_spec[l]);
		raw = xasprintf("%s/raw", ms.ldir[l]);
		if (mkdir_p(raw))
			die(EXIT_USAGE, "cannot create %s: %s", raw, strerror(errno));
		free(raw);
		read_versions(&ro->o, &ms.res[l].versions);
	}
	/* libvirtd, if tdh starts it, must live in the host's namespace */
	if (ro->libvirt_uri)
		libvirt_connect(ro->libvirt_uri, rr->rundir);
	peer_create(&peer);
	libvirt_set_peer(peer.host_ns_fd, peer.name);
	info("peer: namespace %s, %s on %s", peer.name, PEER_IP, TAP_NAME);
	accel = ro->o.accel;
	measure_matrix(&ms, accel);
	for (l = 0; l < ro->nr_launchers; l++)
		if (!results_write(&ms.res[l], ms.ldir[l], ro->o.args))
			die(EXIT_RUN, "cannot write %s/results.json", ms.ldir[l]);
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
		n = regress_compare(&rr->mx, &b->samples, &rr->now, rr->launchers[l], rr->seed,
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
		n = regress_compare(&rr->mx, &direct, &rr->now, "libvirt", rr->seed, lcmp, RG_MAX_CMP);
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

/* --- A/A and shifted estimates by resampling earlier runs -------------------------- */

static void shifted(struct sample *s, const struct regress_opts *ro)
{
	int i;

	s->scaled /= ro->shift_scaled;
	if (!s->has_insn)
		return;
	s->insn_per_kb *= ro->shift_insn;
	for (i = 0; i < s->nr_regions; i++)
		s->region_per_kb[i] *= ro->shift_insn;
}

/* One trial: each cell's pool split at random into two halves. */
static void aa_split(const struct samples *pool, const struct matrix *mx, struct rng *g,
		     const struct regress_opts *ro, struct samples *base, struct samples *now, int *half)
{
	int idx[RG_MAX_SAMPLES], i, j, k;

	base->nr = now->nr = 0;
	*half = RG_MAX_SAMPLES;
	for (i = 0; i < mx->nr_configs; i++) {
		for (j = 0; j < mx->nr_workloads; j++) {
			int n = 0;

			for (k = 0; k < pool->nr; k++)
				if (in_cell(&pool->s[k], mx->configs[i], mx->workloads[j]))
					idx[n++] = k;
			rng_shuffle(g, idx, n);
			if (n / 2 < *half)
				*half = n / 2;
			for (k = 0; k < n / 2 * 2; k++) {
				struct sample s = pool->s[idx[k]];

				if (k < n / 2) {
					samples_add(base, &s);
					continue;
				}
				shifted(&s, ro);
				snprintf(s.launcher, sizeof(s.launcher), "direct");
				samples_add(now, &s);
			}
		}
	}
}

static void wilson(int k, int n, double *lo, double *hi)
{
	double z = 1.96, p = (double)k / n, d = 1 + z * z / n;
	double c = (p + z * z / (2 * n)) / d, h = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;

	*lo = c - h > 0 ? c - h : 0;
	*hi = c + h < 1 ? c + h : 1;
}

static int aa_cell(const struct matrix *mx, const char *config, const char *workload)
{
	int i, j;

	for (i = 0; i < mx->nr_configs; i++)
		for (j = 0; j < mx->nr_workloads; j++)
			if (!strcmp(mx->configs[i], config) && !strcmp(mx->workloads[j], workload))
				return i * mx->nr_workloads + j;
	return 0;
}

static int aa_main(struct regress_opts *ro)
{
	static struct cmp cmp[RG_MAX_CMP];
	struct samples all = { 0 }, pool = { 0 }, base = { 0 }, now = { 0 };
	struct matrix mx = { 0 };
	int flagged = 0, by_scaled = 0, by_insn = 0, by_region = 0, half = 0, t, i, k;
	static int cell_worse[2][MAX_CONFIGS * MAX_WORKLOADS];	/* scaled, insn */
	uint64_t seed = ro->seed_given ? ro->seed : fresh_seed();
	double lo, hi;
	struct rng g;

	load_runs(ro->aa, &all, &mx);
	for (i = 0; i < all.nr; i++)
		if (!strcmp(all.s[i].launcher, "direct"))
			samples_add(&pool, &all.s[i]);
	rng_seed(&g, seed);
	for (t = 0; t < ro->trials; t++) {
		int n, worse = 0, better;

		aa_split(&pool, &mx, &g, ro, &base, &now, &half);
		n = regress_compare(&mx, &base, &now, "direct", seed + (uint64_t)t * 7919, cmp, RG_MAX_CMP);
		if (n < 0)
			die(EXIT_USAGE, "--aa: a cell has fewer than 4 samples in these runs; give more runs");
		tally(cmp, n, &worse, &better);
		flagged += worse > 0;
		for (i = 0; i < n; i++) {
			if (!cmp[i].judged || cmp[i].c.change != CHANGE_WORSE)
				continue;
			by_scaled += !strcmp(cmp[i].metric, "scaled");
			by_insn += !strcmp(cmp[i].metric, "insn");
			by_region += !strncmp(cmp[i].metric, "insn:", 5);
			k = aa_cell(&mx, cmp[i].config, cmp[i].workload);
			if (!strcmp(cmp[i].metric, "scaled") || !strcmp(cmp[i].metric, "insn"))
				cell_worse[cmp[i].metric[0] == 'i'][k]++;
		}
	}
	wilson(flagged, ro->trials, &lo, &hi);
	printf("aa: %d trials, seed %llu, %d samples (launcher direct), %d vs %d per cell per trial, "
	       "shift: insn x%.3f, scaled /%.3f\n", ro->trials, (unsigned long long)seed, pool.nr, half, half,
	       ro->shift_insn, ro->shift_scaled);
	printf("aa: trials judged a regression: %d of %d = %.1f%% (95%% CI %.1f-%.1f%%)\n", flagged,
	       ro->trials, 100.0 * flagged / ro->trials, 100 * lo, 100 * hi);
	printf("aa: worse comparisons by metric: scaled %d, insn %d, insn regions %d\n", by_scaled, by_insn,
	       by_region);
	for (k = 0; k < mx.nr_configs * mx.nr_workloads; k++)
		printf("aa: %s/%s judged worse in %.1f%% of trials on scaled, %.1f%% on insn\n",
		       mx.configs[k / mx.nr_workloads], mx.workloads[k % mx.nr_workloads],
		       100.0 * cell_worse[0][k] / ro->trials, 100.0 * cell_worse[1][k] / ro->trials);
	printf("aa: trials=%d flagged=%d rate=%.4f\n", ro->trials, flagged, (double)flagged / ro->trials);
	return 0;
}

/* --- main ------------------------------------------------------------------------- */

static void check_plugin(const struct sim_opts *o, const struct baseline *b, const char *path)
{
	bool have = o->paths.insn_plugin && o->accel == ACCEL_TCG;

	if (b->mx.insn && !have)
		die(EXIT_USAGE, "baseline %s has instruction counts, but this run has no plugin (%s): run 'make qemu', or measure a baseline without it (--update-baseline --no-plugin)",
		    path, o->no_plugin ? "--no-plugin given" : "build/qemu/plugins/" INSN_PLUGIN_SO " is missing");
	if (!b->mx.insn && have)
		die(EXIT_USAGE, "baseline %s has no instruction counts, and the plugin changes the throughput it was measured at; pass --no-plugin, or measure a new baseline",
		    path);
}

static void regress_setup(struct regress_opts *ro, struct regress_run *rr, struct baseline *b)
{
	rr->baseline_name = ro->baseline_name;
	rr->baseline_path = xasprintf("%s/%s.json", ro->baselines_dir, ro->baseline_name);
	if (ro->update && ro->guest_mtu)
		die(EXIT_USAGE, "--guest-mtu is a deliberately slower variant: a baseline of it would hide the cost; drop one of the two");
	if (ro->update && ro->nr_shards > 1)
		die(EXIT_USAGE, "--shard measures part of the matrix: measure every shard, then pool them with --update-baseline --from RUN,RUN");
	if (!ro->update) {
		baseline_load(rr->baseline_path, b);
		matrix_check(ro, &b->mx, rr->baseline_path);
		rr->base = b->samples;
	}
	rr->seed = ro->seed_given ? ro->seed : fresh_seed();
	rr->guest_mtu = ro->guest_mtu;
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
	struct sim_opts *o = &ro.o;
	json_object *versions, *order = json_object_new_array();
	struct versions v = { 0 };
	struct artifacts art;

	regress_parse(&ro, argc, argv);
	if (ro.aa)
		return aa_main(&ro);
	regress_setup(&ro, &rr, &b);
	if (ro.from) {
		struct matrix runs_mx = { 0 };

		rr.source = xstrdup(ro.from);	/* load_runs() cuts the list up */
		versions = load_runs(ro.from, &rr.now, &runs_mx);
		rr.mx = ro.update ? runs_mx : b.mx;
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
	matrix_from_opts(o, &rr.mx);
	preflight(o);
	cleanup_install_signals();
	take_lock(o->build_dir);
	read_versions(o, &v);
	read_artifacts(o, &art);
	versions = versions_json(&v, &art);
	if (!ro.update)
		versions_check(b.versions, versions, rr.baseline_path, ro.accept_versions, rr.versions_note,
			       sizeof(rr.versions_note));
	rr.rundir = make_rundir(o->results_dir);
	info("run folder %s, seed %llu", rr.rundir, (unsigned long long)rr.seed);
	die_remap_run_failure(EXIT_USAGE);
	failing_run = &rr;
	cleanup_push(on_failure, NULL, "failure report");
	measure_tonight(&ro, &rr, order);
	failing_run = NULL;
	/* libvirt's version is known once connected */
	snprintf(art.libvirt, sizeof(art.libvirt), "%s", libvirt_version());
	json_object_put(versions);
	versions = versions_json(&v, &art);
	cleanup_all();
	return finish(&ro, &rr, ro.update ? NULL : &b, versions, order);
}

/* --- tdh stats: the rule on samples given by hand (for its tests) -------------------- */

static int parse_values(char *arg, double *out, int max)
{
	char *tok, *save;
	int n = 0;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max || !parse_double(tok, -1e300, 1e300, &out[n]))
			die(EXIT_USAGE, "'%s': give at most %d comma-separated numbers", tok, max);
		n++;
	}
	return n;
}

int stats_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "now", required_argument, NULL, 'n' },
		{ "metric", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	static double base[RG_MAX_SAMPLES], now[RG_MAX_SAMPLES];
	const char *metric = "insn";
	struct comparison c;
	struct rule r;
	int nb = 0, nt = 0, ch;
	long seed = 1;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': nb = parse_values(optarg, base, RG_MAX_SAMPLES); break;
		case 'n': nt = parse_values(optarg, now, RG_MAX_SAMPLES); break;
		case 'm': metric = optarg; break;
		case 's':
			if (!parse_int(optarg, 0, 0x7fffffffL, &seed))
				die(EXIT_USAGE, "--seed '%s': give a whole number", optarg);
			break;
		default:
			die(EXIT_USAGE, "usage: tdh stats --base V,V,... --now V,V,... [--metric scaled|insn|insn:REGION] [--seed N]");
		}
	}
	regress_rule(metric, &r);
	if (strcmp(metric, "scaled") && strcmp(metric, "insn") && strncmp(metric, "insn:", 5))
		die(EXIT_USAGE, "--metric '%s': give scaled, insn or insn:REGION", metric);
	if (!stats_compare(base, nb, now, nt, &r, (uint64_t)seed, &c))
		die(EXIT_USAGE, "give at least 2 positive values on each side (--base, --now)");
	printf("{\"ratio\": %.6f, \"ci_low\": %.6f, \"ci_high\": %.6f, \"threshold\": %g, \"spread\": %.6f, "
	       "\"step\": %.6f, \"change\": \"%s\"}\n",
	       c.ratio, c.lo, c.hi, r.threshold, c.spread, c.step, change_name(c.change));
	return 0;
}
