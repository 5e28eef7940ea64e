/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of tdh regress share (regress.h is the interface to the
 * rest of tdh):
 *   regress.c        the command: options, measuring the matrix, the story
 *   regress_files.c  samples, the matrix, versions, the baseline and
 *                    result files
 *   regress_rule.c   the statistics rule and the comparison; tdh stats
 *   regress_aa.c     the A/A (and shifted) estimates from earlier runs
 */
#ifndef TDH_REGRESS_INT_H
#define TDH_REGRESS_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "regress.h"
#include "results.h"

#define BASELINE_SCHEMA	"tdh-baseline/2"
#define REGRESS_SCHEMA	"tdh-regress/2"
/* still read: the same but for "matrix", a subset of "options" */
#define BASELINE_SCHEMA_1	"tdh-baseline/1"
#define REGRESS_SCHEMA_1	"tdh-regress/1"
/* a region judged on its own must be at least this share of the cost */
#define REGION_MIN_SHARE	0.10
/* the night's fault campaign (tdh faults): random mutants of a fixed seed */
#define NIGHTLY_FAULTS		4
#define NIGHTLY_FAULT_SEED	1

struct regress_opts {
	struct testbed_opts o;
	const char *baseline_name;
	const char *baselines_dir;
	bool update;
	bool accept_versions;
	const char *launcher_spec[RG_MAX_LAUNCHERS];
	const struct launcher *launcher[RG_MAX_LAUNCHERS];
	int nr_launchers;
	const char *libvirt_uri;
	bool seed_given;
	uint64_t seed;
	int shard, nr_shards;
	const char *history;
	int faults;		/* the night's campaign: random mutants (0: no campaign) */
	char *from;		/* runs to take samples from instead of measuring */
	char *aa;		/* runs to resample for an A/A (or shifted) estimate */
	int trials;
	double shift_insn, shift_scaled;
	/* matrix options given on the command line, checked against the baseline */
	bool given_configs, given_workloads, given_repeats, given_duration, given_warmup;
	bool given_cpus, given_mem, given_accel;
};

/* versions of everything measured */
struct artifacts {
	int nr;
	const char *name[8];
	char sha[8][72];
	char commit[64];
	char libvirt[64];
};

struct baseline {
	json_object *root;
	struct testbed_opts opts;
	json_object *versions;
	struct samples samples;
};

/* the rule's parameters, which options may change (regress_rule.c) */
extern double rule_confidence, rule_spread_factor, rule_insn_threshold;

/* regress.c */
json_object *load_runs(char *list, struct samples *ss, struct testbed_opts *opts);
uint64_t fresh_seed(void);

/* regress_files.c */
void samples_add(struct samples *ss, const struct sample *s);
void sample_from_record(struct sample *s, const struct record *r, const char *launcher);
bool samples_parse(json_object *arr, struct samples *ss);
/* The baseline's or runs' options (b) where the command line left them open; die() where they differ. */
void matrix_check(struct regress_opts *ro, const struct testbed_opts *b, const char *path);
/* The options object of a file: "options", or the older "matrix". */
const char *file_options(json_object *root, struct testbed_opts *o);
void read_artifacts(const struct testbed_opts *o, struct artifacts *a);
json_object *versions_json(const struct versions *v, const struct artifacts *a);
void versions_check(json_object *bv, json_object *nv, const char *path, bool accept,
			   char *note, size_t note_len);
/* A file of this schema or of old_schema (NULL: none); die() with fix otherwise. */
json_object *load_json(const char *path, const char *schema, const char *old_schema, const char *what,
		       const char *fix);
void baseline_load(const char *path, struct baseline *b);
bool write_json(const char *path, json_object *root);
json_object *samples_json(const struct samples *ss);
json_object *rule_json(void);
json_object *cmps_json(const struct cmp *c, int n);

/* regress_rule.c */
void regress_rule(const char *metric, struct rule *r);
bool in_cell(const struct sample *s, const char *config, const char *workload);
int regress_compare(const struct testbed_opts *mx, const struct samples *base, const struct samples *now,
		    const char *launcher, uint64_t seed, struct cmp *out, int max);
void tally(const struct cmp *c, int n, int *worse, int *better);

/* regress_aa.c */
int aa_main(struct regress_opts *ro);

#endif
