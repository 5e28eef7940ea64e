// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics behind tdh regress.  The bootstrap is seeded, so a run's
 * verdict can be recomputed exactly from its samples and its seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The modulo's bias is below 2^-32 for the small n used here. */
unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

void rng_shuffle(struct rng *r, int *v, int n)
{
	int i;

	for (i = n - 1; i > 0; i--) {
		int j = (int)rng_below(r, i + 1), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_inplace(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double stats_median(const double *v, int n)
{
	double *c = xcalloc(n, sizeof(*c)), m;

	memcpy(c, v, n * sizeof(*c));
	m = median_inplace(c, n);
	free(c);
	return m;
}

/* The median of n draws (with replacement) from v, into scratch. */
static double resampled_median(struct rng *r, const double *v, int n, double *scratch)
{
	int i;

	for (i = 0; i < n; i++)
		scratch[i] = v[rng_below(r, n)];
	return median_inplace(scratch, n);
}

/* Percentile q in [0,1] of sorted v, interpolated between order statistics. */
static double percentile(const double *v, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)floor(pos);

	if (i >= n - 1)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

double stats_spread(const double *v, int n)
{
	double m = stats_median(v, n), *d = xcalloc(n, sizeof(*d)), mad;
	int i;

	for (i = 0; i < n; i++)
		d[i] = fabs(v[i] - m);
	mad = median_inplace(d, n);
	free(d);
	return m > 0 ? 1.4826 * mad / m : 0;
}

static enum change judge(const struct comparison *c, const struct rule *r)
{
	bool up = c->ratio > 1 + c->step && c->lo > 1;
	bool down = c->ratio < 1 / (1 + c->step) && c->hi < 1;

	if (up)
		return r->higher_is_worse ? CHANGE_WORSE : CHANGE_BETTER;
	if (down)
		return r->higher_is_worse ? CHANGE_BETTER : CHANGE_WORSE;
	return CHANGE_NONE;
}

bool stats_compare(const double *base, int nb, const double *now, int nt, const struct rule *r,
		   uint64_t seed, struct comparison *c)
{
	double mb, *ratios, *scratch;
	struct rng g;
	int i, k = 0;

	if (nb < 2 || nt < 2 || r->resamples < 10)
		return false;
	mb = stats_median(base, nb);
	if (!(mb > 0))
		return false;
	c->ratio = stats_median(now, nt) / mb;
	c->spread = stats_spread(base, nb);
	c->step = r->threshold > r->spread_factor * c->spread ? r->threshold : r->spread_factor * c->spread;
	ratios = xcalloc(r->resamples, sizeof(*ratios));
	scratch = xcalloc(nb > nt ? nb : nt, sizeof(*scratch));
	rng_seed(&g, seed);
	for (i = 0; i < r->resamples; i++) {
		double b = resampled_median(&g, base, nb, scratch);
		double t = resampled_median(&g, now, nt, scratch);

		if (b > 0)
			ratios[k++] = t / b;
	}
	free(scratch);
	if (!k) {
		free(ratios);
		return false;
	}
	qsort(ratios, k, sizeof(*ratios), cmp_double);
	c->lo = percentile(ratios, k, (1 - r->confidence) / 2);
	c->hi = percentile(ratios, k, (1 + r->confidence) / 2);
	free(ratios);
	c->change = judge(c, r);
	return true;
}

const char *change_name(enum change c)
{
	switch (c) {
	case CHANGE_WORSE: return "worse";
	case CHANGE_BETTER: return "better";
	default: return "same";
	}
}
