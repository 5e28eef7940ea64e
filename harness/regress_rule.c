// SPDX-License-Identifier: GPL-2.0
/*
 * tdh regress: the statistics rule of each metric, tonight against the
 * baseline cell by cell, and tdh stats (the rule on numbers given by hand).
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
#include "regress_int.h"

/* --- the rule --------------------------------------------------------------- */

/* --confidence and --spread-factor, for studying the rule (tdh regress --aa) */
double rule_confidence = 0.99, rule_spread_factor = 2, rule_insn_threshold = 0.03;

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

/* --- the comparison ------------------------------------------------------------- */

bool in_cell(const struct sample *s, const char *config, const char *workload)
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

/*
 * The cell's values of metric; *excluded counts the contended samples a
 * throughput metric leaves out (their instruction counts stay: the host's
 * contention distorts time, not the instructions a KB costs).
 */
static int gather(const struct samples *ss, const char *config, const char *workload,
		  const char *launcher, const char *metric, double *out, int *excluded)
{
	int i, n = 0;

	for (i = 0; i < ss->nr; i++) {
		const struct sample *s = &ss->s[i];
		double v;

		if (!in_cell(s, config, workload) || (launcher && strcmp(s->launcher, launcher)))
			continue;
		if (s->contended && !strcmp(metric, "scaled")) {
			(*excluded)++;
			continue;
		}
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
	c->nb = gather(base, config, workload, NULL, metric, b, &c->excluded);
	c->nt = gather(now, config, workload, launcher, metric, t, &c->excluded);
	if (c->excluded && (c->nb < RG_MIN_VALID || c->nt < RG_MIN_VALID)) {
		/* not judged, and said so: too few valid samples, not a failure */
		c->too_contended = true;
		free(b);
		free(t);
		return true;
	}
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

int regress_compare(const struct testbed_opts *mx, const struct samples *base, const struct samples *now,
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

void tally(const struct cmp *c, int n, int *worse, int *better)
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
