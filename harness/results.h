/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: records and their outputs: results.json (schema in README.md,
 * "results.json") and the table on stdout.
 */
#ifndef TDH_RESULTS_H
#define TDH_RESULTS_H

#include "insn.h"
#include "measure.h"
#include "twin.h"

struct versions {
	char xen[64];
	char kernel[64];
	char qemu[64];
	char qemu_binary[256];	/* which one: the project's or Debian's */
	char iperf3[64];
	char xen_fpu[8];	/* "lazy" or "eager": how Xen switched FPU state */
};

struct record {
	const char *config;
	const char *workload;
	int repeat;
	double mbps;
	double cpu_util;
	double cpu_scaled_mbps;
	double host_cpu_util;
	double host_busy_util;	/* the host's busy CPUs at nice 0 over the window */
	const char *contended;	/* why the figures are not valid (contention()); NULL: valid */
	double duration_s;
	int cpus;
	const char *accel;
	const char *iommu;	/* "off", "intel" or "amd" */
	const char *nic;	/* "e1000" or "e1000e" */
	struct cpu_result cpu;
	struct insn_result insn;	/* insn.nr == 0: the plugin did not run */
	struct twin_counters twin;	/* twin-dom0: the instance's, over the run */
	bool has_twin;
	char raw_prefix[64];	/* raw/<prefix>-{iperf3,cpu}.json in the run */
};

struct json_object;

struct results {
	struct record *rec;
	int nr, cap;
	struct versions versions;
	struct json_object *options;	/* the configuration (options_json()); NULL: none */
};

/* The versions as a JSON object (results.json, replay.json). */
struct json_object *versions_to_json(const struct versions *v);

void results_add(struct results *r, const struct record *rec);
/* Write results.json into rundir (atomically); false on I/O error. */
bool results_write(const struct results *r, const char *rundir, const char *args);
void results_print_table(const struct results *r, FILE *out);
/* One record as a JSON object text (tdh analyze); caller frees. */
char *record_to_json(const struct record *rec, const struct versions *v);

#endif
