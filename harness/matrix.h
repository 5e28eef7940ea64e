/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the runner of a measurement matrix (configurations x workloads x
 * repeats, under one or two launchers), shared by sim and regress.
 *
 * The matrix is cut into units, one boot each: a machine kind under a
 * launcher, with the cells (configuration, workload) measured in that
 * boot.  Each odd repeat runs the units and each unit's cells in a fresh
 * order (shuffled with mx->rng, or the natural order without one); the
 * even repeat after it runs both in reverse, so that every position in
 * the run is balanced between configurations and a drifting host favours
 * none of them.
 */
#ifndef TDH_MATRIX_H
#define TDH_MATRIX_H

#include <json-c/json.h>

#include "stats.h"
#include "testbed.h"

#define MATRIX_MAX_LAUNCHERS	2
#define MATRIX_MAX_CELLS	(MAX_CONFIGS * MAX_WORKLOADS)

struct matrix_cell {
	const struct config_desc *cd;
	const char *workload;
};

struct matrix_unit {
	int launcher;			/* index into the matrix's launchers */
	enum machine_kind kind;
	struct matrix_cell cells[MATRIX_MAX_CELLS];
	int order[MATRIX_MAX_CELLS];	/* this repeat's order, indices into cells[] */
	int nr;
	bool need_domu;
};

struct matrix {
	struct testbed *tb;
	int nr_launchers;
	const struct launcher *launcher[MATRIX_MAX_LAUNCHERS];
	const char *launcher_name[MATRIX_MAX_LAUNCHERS];
	const char *dir[MATRIX_MAX_LAUNCHERS];	/* each launcher's results folder */
	struct results *res[MATRIX_MAX_LAUNCHERS];
	struct rng *rng;		/* NULL: the natural order */
	int shard, nr_shards;		/* measure boots shard, shard+nr_shards, ... (1-based); 0: all */
	json_object *order;		/* NULL, or each boot's line is appended */
	/* after each boot, before the domU starts (regress: the guests' MTU) */
	void (*booted)(struct matrix *mx, const struct matrix_unit *u, struct machine *m,
		       struct agent *a);
	/* each record, once written to its results.json */
	void (*measured)(struct matrix *mx, const struct matrix_unit *u, const struct record *r);
	void *arg;
};

/* Measure the matrix of mx->tb's options; die() on a failed boot or measurement. */
void matrix_run(struct matrix *mx);

#endif
