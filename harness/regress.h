/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh regress: the nightly matrix against a committed baseline
 * (README.md, "Nightly regression: tdh regress").
 */
#ifndef TDH_REGRESS_H
#define TDH_REGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "insn.h"
#include "stats.h"
#include "testbed.h"

#define RG_MAX_LAUNCHERS	2
#define RG_MAX_SAMPLES		4096
#define RG_MAX_CMP		1024
#define RG_METRIC_LEN		48
/* valid samples a cell needs on each side to be judged (the rule's minimum repeats) */
#define RG_MIN_VALID		3

/* One measurement, as regress keeps it (results.json holds the rest). */
struct sample {
	char config[16];
	char workload[8];
	char launcher[8];	/* "direct" or "libvirt" */
	int repeat;
	double mbps, cpu_util, scaled;
	bool contended;		/* its throughput is not valid (README, "Contended records") */
	bool has_insn;
	double insn_per_kb;
	int nr_regions;
	char region[INSN_MAX_REGIONS][INSN_NAME_LEN];
	double region_per_kb[INSN_MAX_REGIONS];
};

/* One metric of one cell, tonight against the baseline (or launcher vs launcher). */
struct cmp {
	char launcher[8];
	char config[16], workload[8];
	char metric[RG_METRIC_LEN];	/* "scaled", "insn", "insn:<region>" */
	bool judged;		/* counts for the verdict (scaled, insn) */
	bool diagnostic;	/* a region large enough to say where the cost moved */
	/*
	 * scaled: contended samples left out (both sides), and whether too
	 * few valid ones were left to judge the cell (RG_MIN_VALID)
	 */
	int excluded;
	bool too_contended;
	int nb, nt;
	double base_median, now_median;
	struct comparison c;
	struct rule rule;
};

struct samples {
	struct sample *s;
	int nr;
};

/* Everything the report needs about one run. */
struct regress_run {
	const char *rundir;
	const char *source;	/* --from: the runs judged or pooled; NULL: measured here */
	const char *stamp;
	const char *baseline_path;
	const char *baseline_name;
	uint64_t seed;
	/* the matrix measured or judged: tonight's options, or the baseline's */
	struct testbed_opts opts;
	const char *launchers[RG_MAX_LAUNCHERS];
	int nr_launchers;
	struct samples base, now;
	struct cmp *cmp;	/* tonight vs the baseline */
	int nr_cmp;
	struct cmp *lcmp;	/* libvirt vs direct, when both ran */
	int nr_lcmp;
	int worse, better;
	const char *verdict;	/* "ok", "regression", "failed" */
	char verdict_line[512];
	const char *history_path;
	char versions_note[512];	/* what changed since the baseline */
	json_object *faults;	/* the night's fault campaign's summary; NULL: none ran */
};

int regress_main(int argc, char **argv);
/* tdh stats: the rule applied to numbers given on the command line. */
int stats_main(int argc, char **argv);

/* The rule of each metric (README, "The statistics rule"). */
void regress_rule(const char *metric, struct rule *r);
/* Tonight's samples against the baseline's, every cell and metric. */
int regress_compare(const struct testbed_opts *mx, const struct samples *base, const struct samples *now,
		    const char *launcher, uint64_t seed, struct cmp *out, int max);

/* report.c: report.md and its plots in rr->rundir; the history line. */
void report_write(struct regress_run *rr);
void history_append(const struct regress_run *rr);

#endif
