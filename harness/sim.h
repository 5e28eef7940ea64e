/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TDH_SIM_H
#define TDH_SIM_H

#include "qemu.h"

#define MAX_CONFIGS	4
#define MAX_WORKLOADS	2

struct sim_opts {
	const char *configs[MAX_CONFIGS];
	int nr_configs;
	const char *workloads[MAX_WORKLOADS];
	int nr_workloads;
	double duration_s;
	double warmup_s;
	int repeats;
	int cpus;
	int mem_mb;
	enum accel accel;
	double boot_timeout_s;
	const char *results_dir;	/* parent of the run folders */
	struct paths paths;
	const char *build_dir;
	char args[1024];		/* as given, for results.json */
};

/* Parse 'tdh sim' options; die() with one line on anything wrong. */
void sim_parse(struct sim_opts *o, int argc, char **argv);
int sim_run(struct sim_opts *o);
void sim_usage(FILE *out);

#endif
