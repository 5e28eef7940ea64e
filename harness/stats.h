/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the regression rule (README.md, "The statistics rule").
 *
 * A metric's change is the ratio of medians, tonight's over the
 * baseline's, with a percentile bootstrap confidence interval.  A change
 * counts only when it is both large (beyond the metric's threshold) and
 * clear (the whole interval on the same side of 1): a noisy metric needs
 * a large step, a quiet one shows a small one.
 */
#ifndef TDH_STATS_H
#define TDH_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* splitmix64: small, seedable, the same stream on every machine */
struct rng {
	uint64_t s;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
unsigned rng_below(struct rng *r, unsigned n);
/* Fisher-Yates over n ints. */
void rng_shuffle(struct rng *r, int *v, int n);

double stats_median(const double *v, int n);	/* v is not changed */
/* 1.4826 x the median absolute deviation, over the median: 0 when it is 0. */
double stats_spread(const double *v, int n);

enum change { CHANGE_NONE, CHANGE_WORSE, CHANGE_BETTER };

struct rule {
	double threshold;	/* relative: 0.03 = 3% */
	/*
	 * The step must also exceed this many times the baseline's own
	 * relative spread (1.4826 MAD / median, a robust coefficient of
	 * variation): a metric that scatters widely needs a wider step.
	 */
	double spread_factor;
	double confidence;	/* of the interval: 0.95 */
	int resamples;		/* bootstrap resamples */
	bool higher_is_worse;	/* a cost (insn/KB), not a rate (Mb/s per CPU) */
};

struct comparison {
	double ratio;		/* median(now) / median(base) */
	double lo, hi;		/* its bootstrap interval */
	double spread;		/* the baseline's robust relative spread */
	double step;		/* the step that counted: max(threshold, factor x spread) */
	enum change change;
};

/* Needs at least 2 samples on each side; false (and *c untouched) otherwise. */
bool stats_compare(const double *base, int nb, const double *now, int nt, const struct rule *r,
		   uint64_t seed, struct comparison *c);
const char *change_name(enum change c);

#endif
