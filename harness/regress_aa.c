// SPDX-License-Identifier: GPL-2.0
/*
 * tdh regress --aa: A/A (and shifted) estimates by resampling the samples
 * of earlier runs: how often the rule cries regression when nothing changed.
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
static void aa_split(const struct samples *pool, const struct testbed_opts *mx, struct rng *g,
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

static int aa_cell(const struct testbed_opts *mx, const char *config, const char *workload)
{
	int i, j;

	for (i = 0; i < mx->nr_configs; i++)
		for (j = 0; j < mx->nr_workloads; j++)
			if (!strcmp(mx->configs[i], config) && !strcmp(mx->workloads[j], workload))
				return i * mx->nr_workloads + j;
	return 0;
}

int aa_main(struct regress_opts *ro)
{
	static struct cmp cmp[RG_MAX_CMP];
	struct samples all = { 0 }, pool = { 0 }, base = { 0 }, now = { 0 };
	struct testbed_opts mx = { 0 };
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
