// SPDX-License-Identifier: GPL-2.0
/*
 * tdh regress's outputs for people: report.md with the verdict on its
 * first line, PNG plots drawn by gnuplot (the baseline's distribution next
 * to tonight's, per metric; the history of the last runs), and the line
 * of history.jsonl each run appends.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "regress.h"
#include "util.h"

#define HISTORY_SHOWN	30

/* --- history.jsonl -------------------------------------------------------------- */

void history_append(const struct regress_run *rr)
{
	json_object *o = json_object_new_object(), *cells = json_object_new_array();
	const char *text;
	FILE *f;
	int i;

	json_object_object_add(o, "stamp", json_object_new_string(rr->stamp));
	json_object_object_add(o, "run", json_object_new_string(rr->rundir));
	json_object_object_add(o, "baseline", json_object_new_string(rr->baseline_name));
	json_object_object_add(o, "verdict", json_object_new_string(rr->verdict));
	json_object_object_add(o, "verdict_line", json_object_new_string(rr->verdict_line));
	json_object_object_add(o, "seed", json_object_new_int64((int64_t)rr->seed));
	json_object_object_add(o, "guest_mtu", rr->opts.guest_mtu ? json_object_new_int(rr->opts.guest_mtu) : NULL);
	for (i = 0; i < rr->nr_cmp; i++) {
		const struct cmp *c = &rr->cmp[i];
		json_object *x = json_object_new_object();

		json_object_object_add(x, "launcher", json_object_new_string(c->launcher));
		json_object_object_add(x, "config", json_object_new_string(c->config));
		json_object_object_add(x, "workload", json_object_new_string(c->workload));
		json_object_object_add(x, "metric", json_object_new_string(c->metric));
		json_object_object_add(x, "ratio", json_object_new_double(c->c.ratio));
		json_object_object_add(x, "ci_low", json_object_new_double(c->c.lo));
		json_object_object_add(x, "ci_high", json_object_new_double(c->c.hi));
		json_object_object_add(x, "change", json_object_new_string(change_name(c->c.change)));
		json_object_array_add(cells, x);
	}
	json_object_object_add(o, "cells", cells);
	json_object_object_add(o, "faults", rr->faults ? json_object_get(rr->faults) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	f = fopen(rr->history_path, "a");
	if (!f || fprintf(f, "%s\n", text) < 0)
		warn("could not append to %s", rr->history_path);
	if (f)
		fclose(f);
	json_object_put(o);
}

/* The last HISTORY_SHOWN entries, oldest first; *n of them. */
static json_object **history_tail(const char *path, int *n)
{
	static json_object *ring[HISTORY_SHOWN];
	json_object **out = xcalloc(HISTORY_SHOWN, sizeof(*out));
	char *text = read_file(path, NULL), *line, *save;
	int total = 0, i, k;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);

		if (!o)
			continue;	/* a torn line from a killed run */
		if (ring[total % HISTORY_SHOWN])
			json_object_put(ring[total % HISTORY_SHOWN]);
		ring[total++ % HISTORY_SHOWN] = o;
	}
	free(text);
	k = total < HISTORY_SHOWN ? total : HISTORY_SHOWN;
	for (i = 0; i < k; i++)
		out[i] = ring[(total - k + i) % HISTORY_SHOWN];
	*n = k;
	return out;
}

/* --- plots ---------------------------------------------------------------------- */

static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b" };

struct cells {
	int nr;
	char name[MAX_CONFIGS * MAX_WORKLOADS][32];
	const char *config[MAX_CONFIGS * MAX_WORKLOADS], *workload[MAX_CONFIGS * MAX_WORKLOADS];
};

static void cells_of(const struct testbed_opts *mx, struct cells *c)
{
	int i, j;

	c->nr = 0;
	for (i = 0; i < mx->nr_configs; i++)
		for (j = 0; j < mx->nr_workloads; j++) {
			c->config[c->nr] = mx->configs[i];
			c->workload[c->nr] = mx->workloads[j];
			snprintf(c->name[c->nr], sizeof(c->name[0]), "%s/%s", mx->configs[i], mx->workloads[j]);
			c->nr++;
		}
}

static double value_of(const struct sample *s, bool insn)
{
	return insn ? (s->has_insn ? s->insn_per_kb : -1) : s->scaled;
}

static double cell_median(const struct samples *ss, const char *cf, const char *wl, bool insn)
{
	double *v = xcalloc(ss->nr + 1, sizeof(double)), m = 0;
	int i, n = 0;

	for (i = 0; i < ss->nr; i++)
		if (!strcmp(ss->s[i].config, cf) && !strcmp(ss->s[i].workload, wl) &&
		    value_of(&ss->s[i], insn) > 0)
			v[n++] = value_of(&ss->s[i], insn);
	if (n)
		m = stats_median(v, n);
	free(v);
	return m;
}

/*
 * One series: the samples of ss (launcher: only those; NULL: all) as
 * "x y" with y in % of the baseline's median of the cell, x the cell's
 * index plus an offset per series.  False when it had no point.
 */
static bool write_series(FILE *f, const struct regress_run *rr, const struct cells *c,
			 const struct samples *ss, const char *launcher, bool insn, double dx)
{
	int i, k, n = 0;

	for (k = 0; k < c->nr; k++) {
		double ref = cell_median(rr->base.nr ? &rr->base : &rr->now, c->config[k], c->workload[k], insn);

		for (i = 0; ref > 0 && i < ss->nr; i++) {
			const struct sample *s = &ss->s[i];
			double v = value_of(s, insn);

			if (strcmp(s->config, c->config[k]) || strcmp(s->workload, c->workload[k]) ||
			    (launcher && strcmp(s->launcher, launcher)) || v <= 0)
				continue;
			/* a small spread along x so that equal values stay visible */
			fprintf(f, "%.3f %.4f\n", k + dx + 0.04 * ((s->repeat % 5) - 2), 100 * v / ref);
			n++;
		}
	}
	fprintf(f, "\n\n");
	return n > 0;
}

static void xtics(FILE *gp, const struct cells *c)
{
	int k;

	fprintf(gp, "set xtics (");
	for (k = 0; k < c->nr; k++)
		fprintf(gp, "%s\"%s\" %d", k ? ", " : "", c->name[k], k);
	fprintf(gp, ") rotate by -30\nset xrange [-0.6:%f]\n", c->nr - 0.4);
}

/* The baseline's samples and tonight's, per cell, as % of the baseline median. */
static bool plot_distribution(FILE *gp, const struct regress_run *rr, const struct cells *c, bool insn,
			      const char *png)
{
	char *dat = xasprintf("%s/plots/%s.dat", rr->rundir, insn ? "insn" : "scaled");
	FILE *f = fopen(dat, "w");
	bool series[1 + RG_MAX_LAUNCHERS] = { false };
	int l, n = 0;

	if (!f)
		return false;
	series[0] = write_series(f, rr, c, &rr->base, NULL, insn, -0.2);
	for (l = 0; l < rr->nr_launchers; l++)
		series[1 + l] = write_series(f, rr, c, &rr->now, rr->launchers[l], insn, 0.1 + 0.15 * l);
	fclose(f);
	fprintf(gp, "set output '%s/%s'\nset title \"%s: baseline vs tonight (%% of the baseline's median per cell)\"\n",
		rr->rundir, png, insn ? "Instructions per KB (lower is better)" :
		"CPU-scaled throughput, Mb/s per busy CPU (higher is better)");
	xtics(gp, c);
	fprintf(gp, "set ylabel '%% of baseline median'\nset grid ytics\nunset logscale\n");
	fprintf(gp, "plot 100 with lines lc rgb '#999999' dt 2 notitle");
	for (l = 0; l < 1 + rr->nr_launchers; l++) {
		if (!series[l])
			continue;
		fprintf(gp, ", '%s' index %d with points pt %d ps 1.3 lc rgb '%s' title '%s'", dat, l,
			l ? 7 : 6, colours[l], l ? rr->launchers[l - 1] : "baseline");
		n++;
	}
	fprintf(gp, "\n");
	free(dat);
	return n > 0;
}

static double history_ratio(json_object *h, const char *cell, const char *metric)
{
	json_object *cells, *x, *v;
	char name[48];
	size_t i;

	if (!json_object_object_get_ex(h, "cells", &cells))
		return -1;
	for (i = 0; i < json_object_array_length(cells); i++) {
		x = json_object_array_get_idx(cells, i);
		if (!json_object_object_get_ex(x, "metric", &v) || strcmp(json_object_get_string(v), metric))
			continue;
		json_object_object_get_ex(x, "config", &v);
		snprintf(name, sizeof(name), "%s/", json_object_get_string(v));
		json_object_object_get_ex(x, "workload", &v);
		strncat(name, json_object_get_string(v), sizeof(name) - strlen(name) - 1);
		json_object_object_get_ex(x, "launcher", &v);
		if (strcmp(name, cell) || strcmp(json_object_get_string(v), "direct"))
			continue;
		json_object_object_get_ex(x, "ratio", &v);
		return json_object_get_double(v);
	}
	return -1;
}

/* Tonight's change over the last runs: one line per cell, one panel per metric. */
static bool plot_history(FILE *gp, const struct regress_run *rr, const struct cells *c, json_object **h,
			 int nh)
{
	static const char *const metrics[] = { "insn", "scaled" };
	int m, k, i, panels = rr->opts.insn ? 2 : 1, first = rr->opts.insn ? 0 : 1;
	bool any = false, has[MAX_CONFIGS * MAX_WORKLOADS];

	fprintf(gp, "set output '%s/history.png'\nset multiplot layout %d,1\nset xtics auto norotate\n"
		"set xrange [0.5:%d.5]\nset xlabel 'run (oldest to newest; last: tonight)'\n", rr->rundir,
		panels, nh);
	for (m = first; m < 2; m++) {
		char *dat = xasprintf("%s/plots/history-%s.dat", rr->rundir, metrics[m]);
		FILE *f = fopen(dat, "w");

		if (!f)
			return false;
		for (k = 0; k < c->nr; k++) {
			has[k] = false;
			for (i = 0; i < nh; i++) {
				double r = history_ratio(h[i], c->name[k], metrics[m]);

				if (r > 0) {
					fprintf(f, "%d %.4f\n", i + 1, 100 * r);
					has[k] = any = true;
				}
			}
			fprintf(f, "\n\n");
		}
		fclose(f);
		fprintf(gp, "set title \"%s: median tonight vs baseline, %%\"\nset ylabel '%%'\n",
			m ? "CPU-scaled throughput" : "Instructions per KB");
		fprintf(gp, "plot 100 with lines lc rgb '#999999' dt 2 notitle");
		for (k = 0; k < c->nr; k++)
			if (has[k])
				fprintf(gp, ", '%s' index %d with linespoints pt 7 lc rgb '%s' title '%s'", dat, k,
					colours[k % 6], c->name[k]);
		fprintf(gp, "\n");
		free(dat);
	}
	fprintf(gp, "unset multiplot\n");
	return any;
}

/* Draws what it can; the names of the PNGs drawn, for the report. */
static char *draw_plots(const struct regress_run *rr, json_object **h, int nh)
{
	char *dir = xasprintf("%s/plots", rr->rundir), *script = xasprintf("%s/plots.gp", dir);
	char *argv[] = { "gnuplot", script, NULL }, *out = NULL, *drawn;
	bool scaled, insn = false, hist;
	struct cells c;
	FILE *gp;

	cells_of(&rr->opts, &c);
	mkdir_p(dir);
	gp = fopen(script, "w");
	if (!gp)
		return xstrdup("");
	fprintf(gp, "set terminal pngcairo size 1000,%d font 'sans,10'\nset key outside right\n", 480);
	scaled = plot_distribution(gp, rr, &c, false, "scaled.png");
	if (rr->opts.insn)
		insn = plot_distribution(gp, rr, &c, true, "insn.png");
	fprintf(gp, "set terminal pngcairo size 1000,%d font 'sans,10'\n", rr->opts.insn ? 800 : 480);
	/* tonight's own line is in the history already: nothing to draw without a comparison */
	hist = nh > 0 && rr->nr_cmp > 0 && plot_history(gp, rr, &c, h, nh);
	fclose(gp);
	if (run_cmd(argv, &out, true, 120) != 0) {
		warn("gnuplot could not draw the plots (%s): %s; install gnuplot-nox ('make host-deps')", script,
		     out ? out : "");
		free(out);
		return xstrdup("");
	}
	free(out);
	drawn = xasprintf("%s%s%s", scaled ? "scaled.png " : "", insn ? "insn.png " : "", hist ? "history.png" : "");
	free(script);
	free(dir);
	return drawn;
}

/* --- report.md ------------------------------------------------------------------ */

/* which: 0 the judged comparisons, 1 the regions that say where, 2 the rest */
static int cmp_kind(const struct cmp *c)
{
	return c->judged ? 0 : c->diagnostic ? 1 : 2;
}

static void cmp_table(FILE *f, const struct cmp *c, int n, int kind)
{
	int i;

	fprintf(f, "| launcher | cell | metric | baseline median | tonight median | change | %.0f%% CI | step (threshold; 2 x spread) | verdict |\n",
		n ? c[0].rule.confidence * 100 : 99.0);
	fprintf(f, "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n");
	for (i = 0; i < n; i++) {
		if (cmp_kind(&c[i]) != kind)
			continue;
		fprintf(f, "| %s | %s/%s | %s | %.1f | %.1f | %+.1f%% | %+.1f%% .. %+.1f%% | %.1f%% (%.0f%%; %.1f%%) | %s%s%s |\n",
			c[i].launcher, c[i].config, c[i].workload, c[i].metric, c[i].base_median,
			c[i].now_median, (c[i].c.ratio - 1) * 100, (c[i].c.lo - 1) * 100,
			(c[i].c.hi - 1) * 100, c[i].c.step * 100, c[i].rule.threshold * 100,
			c[i].rule.spread_factor * c[i].c.spread * 100,
			c[i].c.change == CHANGE_WORSE ? "**" : "", change_name(c[i].c.change),
			c[i].c.change == CHANGE_WORSE ? "**" : "");
	}
}

static void history_table(FILE *f, json_object **h, int nh)
{
	int i;

	fprintf(f, "| # | stamp | verdict | variant |\n| ---: | --- | --- | --- |\n");
	for (i = nh - 1; i >= 0; i--) {
		json_object *v, *m;
		const char *line = json_object_object_get_ex(h[i], "verdict_line", &v) ?
			json_object_get_string(v) : "?";

		json_object_object_get_ex(h[i], "stamp", &v);
		fprintf(f, "| %d | %s | %s | %s |\n", i + 1, json_object_get_string(v), line,
			json_object_object_get_ex(h[i], "guest_mtu", &m) && m ?
			xasprintf("guest MTU %d", json_object_get_int(m)) : "");
	}
}

/* Which samples were contended, and what the comparison left out because of them. */
static void report_contended(FILE *f, const struct regress_run *rr)
{
	int i, n = 0, cells = 0;

	for (i = 0; i < rr->now.nr; i++)
		n += rr->now.s[i].contended;
	for (i = 0; i < rr->nr_cmp; i++)
		cells += rr->cmp[i].too_contended;
	if (!n)
		return;
	fprintf(f, "**Contended:** %d of this run's %d samples (the host did not give QEMU the CPU the guest counted busy, or was busy besides it:", n,
		rr->now.nr);
	for (i = 0; i < rr->now.nr; i++)
		if (rr->now.s[i].contended)
			fprintf(f, " %s/%s r%d (%s)", rr->now.s[i].config, rr->now.s[i].workload, rr->now.s[i].repeat,
				rr->now.s[i].launcher);
	fprintf(f, ").  Their CPU-scaled throughput is left out of the comparison, their instructions per KB are not; "
		"%d cell(s) kept fewer than %d valid samples and their throughput was not judged (README, \"Contended records\").\n\n",
		cells, RG_MIN_VALID);
}

static void report_head(FILE *f, const struct regress_run *rr)
{
	int l;

	fprintf(f, "# %s\n\n", rr->verdict_line);
	fprintf(f, "Run `%s` at %s against baseline `%s` (`%s`), seed %llu; launchers:", rr->rundir,
		rr->stamp, rr->baseline_name, rr->baseline_path, (unsigned long long)rr->seed);
	for (l = 0; l < rr->nr_launchers; l++)
		fprintf(f, " %s", rr->launchers[l]);
	fprintf(f, ".  Matrix: %d configurations x %d workloads x %d repeats, %g s + %g s warm-up, %s, %d CPUs%s.\n\n",
		rr->opts.nr_configs, rr->opts.nr_workloads, rr->opts.repeats, rr->opts.duration_s, rr->opts.warmup_s,
		accel_name(rr->opts.accel), rr->opts.cpus, rr->opts.insn ? ", instruction counts" : "");
	if (rr->opts.guest_mtu)
		fprintf(f, "**Deliberately slower variant:** the guests' MTU was %d.\n\n", rr->opts.guest_mtu);
	if (rr->versions_note[0])
		fprintf(f, "Since the baseline: %s.\n\n", rr->versions_note);
	report_contended(f, rr);
	fprintf(f, "Rule: a metric is worse when tonight's median over the baseline's moved past its threshold "
		"(or twice the baseline's spread, if larger) in the bad direction and the 99%% bootstrap interval of that ratio lies entirely on that side of 1 "
		"(README, \"The statistics rule\").  Order of the boots and measurements: `regress.json`, `order`.\n\n");
}

/* One metric of a sample: "scaled", "insn" or a region's name; false if it has none. */
static bool sample_metric(const struct sample *s, const char *metric, double *v)
{
	int i;

	if (!strcmp(metric, "scaled")) {
		*v = s->scaled;
		return true;
	}
	if (!s->has_insn)
		return false;
	if (!strcmp(metric, "insn")) {
		*v = s->insn_per_kb;
		return true;
	}
	for (i = 0; i < s->nr_regions; i++)
		if (!strcmp(s->region[i], metric)) {
			*v = s->region_per_kb[i];
			return true;
		}
	return false;
}

/* The median of a metric over a cell's samples (all launchers); -1 if none. */
static double metric_median(const struct samples *ss, const char *cf, const char *wl, const char *metric,
			    int *n)
{
	double *v = xcalloc(ss->nr + 1, sizeof(double)), m = -1;
	int i;

	*n = 0;
	for (i = 0; i < ss->nr; i++)
		if (!strcmp(ss->s[i].config, cf) && !strcmp(ss->s[i].workload, wl) &&
		    sample_metric(&ss->s[i], metric, &v[*n]))
			(*n)++;
	if (*n)
		m = stats_median(v, *n);
	free(v);
	return m;
}

/*
 * What this run measured, cell by cell: the medians of the totals and of
 * every region that counted anything, and the ratios the project's
 * claims are about (the guests' path over netback and native, the
 * instance over dom0's own driver), each from medians of this run.
 */
static void medians_table(FILE *f, const struct regress_run *rr, const struct cells *c)
{
	static const char *const pairs[][2] = {
		{ "twin", "netback" }, { "twin", "native" }, { "twin-dom0", "dom0" }, { "netback", "native" },
	};
	const struct sample *first = NULL;
	bool used[INSN_MAX_REGIONS] = { false };
	int i, k, n, w;
	double v;

	for (i = 0; i < rr->now.nr && !first; i++)
		if (rr->now.s[i].has_insn)
			first = &rr->now.s[i];
	for (i = 0; first && i < rr->now.nr; i++)
		for (k = 0; k < first->nr_regions; k++)
			if (sample_metric(&rr->now.s[i], first->region[k], &v) && v >= 0.5)
				used[k] = true;
	fprintf(f, "| cell | samples | CPU-scaled Mb/s | instructions per KB |");
	for (k = 0; first && k < first->nr_regions; k++)
		if (used[k])
			fprintf(f, " %s |", first->region[k]);
	fprintf(f, "\n| --- | ---: | ---: | ---: |");
	for (k = 0; first && k < first->nr_regions; k++)
		if (used[k])
			fprintf(f, " ---: |");
	fprintf(f, "\n");
	for (i = 0; i < c->nr; i++) {
		double scaled = metric_median(&rr->now, c->config[i], c->workload[i], "scaled", &n);
		double insn = metric_median(&rr->now, c->config[i], c->workload[i], "insn", &k);

		if (!n)
			continue;
		fprintf(f, "| %s | %d | %.1f | %s |", c->name[i], n, scaled,
			insn >= 0 ? xasprintf("%.0f", insn) : "-");
		for (k = 0; first && k < first->nr_regions; k++)
			if (used[k]) {
				v = metric_median(&rr->now, c->config[i], c->workload[i], first->region[k], &n);
				fprintf(f, " %s |", v >= 0 ? xasprintf("%.0f", v) : "-");
			}
		fprintf(f, "\n");
	}
	fprintf(f, "\n| ratio of medians | workload | CPU-scaled | instructions per KB |\n| --- | --- | ---: | ---: |\n");
	for (i = 0; i < (int)(sizeof(pairs) / sizeof(pairs[0])); i++)
		for (w = 0; w < rr->opts.nr_workloads; w++) {
			const char *wl = rr->opts.workloads[w];
			double sa = metric_median(&rr->now, pairs[i][0], wl, "scaled", &n);
			double sb = metric_median(&rr->now, pairs[i][1], wl, "scaled", &k);
			double ia, ib;

			if (!n || !k || sb <= 0)
				continue;
			ia = metric_median(&rr->now, pairs[i][0], wl, "insn", &n);
			ib = metric_median(&rr->now, pairs[i][1], wl, "insn", &k);
			fprintf(f, "| %s / %s | %s | %.2fx | %s |\n", pairs[i][0], pairs[i][1], wl, sa / sb,
				ia > 0 && ib > 0 ? xasprintf("%.2fx", ia / ib) : "-");
		}
}

void report_write(struct regress_run *rr)
{
	char *path = xasprintf("%s/report.md", rr->rundir), *drawn, *p;
	json_object **h;
	int nh;
	FILE *f;

	h = history_tail(rr->history_path, &nh);
	drawn = draw_plots(rr, h, nh);
	f = fopen(path, "w");
	if (!f) {
		warn("cannot write %s", path);
		return;
	}
	report_head(f, rr);
	if (rr->nr_cmp) {
		fprintf(f, "## Judged comparisons\n\n");
		cmp_table(f, rr->cmp, rr->nr_cmp, 0);
		fprintf(f, "\n## Where the cost moved: regions (at least 10%% of a cell's cost)\n\n"
			"Judged by the same rule (threshold 5%%), shown to locate a change; the verdict is the totals'.\n\n");
		cmp_table(f, rr->cmp, rr->nr_cmp, 1);
	}
	if (rr->now.nr) {
		struct cells c;

		cells_of(&rr->opts, &c);
		fprintf(f, "\n## Medians of this run's samples\n\n");
		medians_table(f, rr, &c);
	}
	fprintf(f, "\n## Plots\n\n");
	for (p = strtok(drawn, " "); p; p = strtok(NULL, " "))
		fprintf(f, "![%s](%s)\n\n", p, p);
	if (!*drawn)
		fprintf(f, "(no plots: nothing measured, or gnuplot failed; see the run's output)\n\n");
	if (rr->nr_lcmp) {
		fprintf(f, "## libvirt vs direct, measured in this run\n\nThe same rule, the direct launcher's samples as the reference.\n\n");
		cmp_table(f, rr->lcmp, rr->nr_lcmp, 0);
	}
	if (rr->faults) {
		fprintf(f, "\n## Fault campaign (`faults.md`)\n\n");
		faults_summary_print(f, rr->faults);
	}
	fprintf(f, "\n## Small regions (under 10%% of the cost, listed only)\n\n");
	cmp_table(f, rr->cmp, rr->nr_cmp, 2);
	fprintf(f, "\n## History (newest first, from `%s`)\n\n", rr->history_path);
	history_table(f, h, nh);
	fclose(f);
	free(drawn);
	free(h);
	free(path);
}
