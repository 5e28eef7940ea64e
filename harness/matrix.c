// SPDX-License-Identifier: GPL-2.0
/*
 * tdh: the measurement matrix, boot by boot (see matrix.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "util.h"

/* Per launcher, a unit per machine kind with its cells, workload-major. */
static int build_units(const struct matrix *mx, struct matrix_unit *u)
{
	const struct testbed_opts *o = mx->tb->o;
	int nu = 0, l, k, i, j;

	for (l = 0; l < mx->nr_launchers; l++) {
		for (k = MACHINE_NATIVE; k <= MACHINE_XEN; k++) {
			struct matrix_unit *x = &u[nu];

			memset(x, 0, sizeof(*x));
			x->launcher = l;
			x->kind = (enum machine_kind)k;
			for (j = 0; j < o->nr_workloads; j++) {
				for (i = 0; i < o->nr_configs; i++) {
					const struct config_desc *cd = find_config(o->configs[i]);

					if (cd->machine != x->kind)
						continue;
					x->cells[x->nr].cd = cd;
					x->cells[x->nr].workload = o->workloads[j];
					x->order[x->nr] = x->nr;
					x->nr++;
					x->need_domu |= cd->needs_domu;
				}
			}
			if (x->nr)
				nu++;
		}
	}
	return nu;
}

static void reverse(int *v, int n)
{
	int i;

	for (i = 0; i < n / 2; i++) {
		int t = v[i];

		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

static void natural(int *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		v[i] = i;
}

/* "r1 direct xen: dom0/tx netback/tx ...": the progress line and the run's record of order */
static char *unit_line(const struct matrix *mx, const struct matrix_unit *u, int repeat)
{
	char *line = xasprintf("r%d %s %s:", repeat, mx->launcher_name[u->launcher],
			       machine_kind_name(u->kind)), *t;
	int i;

	for (i = 0; i < u->nr; i++) {
		t = xasprintf("%s %s/%s", line, u->cells[u->order[i]].cd->name,
			      u->cells[u->order[i]].workload);
		free(line);
		line = t;
	}
	return line;
}

static void run_unit(struct matrix *mx, struct matrix_unit *u, int repeat, int boot_index)
{
	struct testbed *tb = mx->tb;
	const char *dir = mx->dir[u->launcher];
	struct results *res = mx->res[u->launcher];
	char tag[32], *line;
	struct machine m;
	struct agent a;
	int i;

	line = unit_line(mx, u, repeat);
	if (mx->order)
		json_object_array_add(mx->order, json_object_new_string(line));
	info("boot %d: %s", boot_index + 1, line);
	free(line);

	snprintf(tag, sizeof(tag), "%s-r%d", machine_kind_name(u->kind), repeat);
	boot(tb, mx->launcher[u->launcher], &m, &a, u->kind, dir, tag);
	if (mx->booted)
		mx->booted(mx, u, &m, &a);
	if (u->need_domu)
		start_domu(&a, &m, NULL);
	for (i = 0; i < u->nr; i++) {
		const struct matrix_cell *c = &u->cells[u->order[i]];

		measure(tb->o, c->cd, c->workload, repeat, &m, &a, dir, res);
		results_write(res, dir, tb->o->args);
		if (mx->measured)
			mx->measured(mx, u, &res->rec[res->nr - 1]);
	}
	if (u->need_domu)
		save_domu_console(&a, dir, tag);
	shutdown_machine(&a, &m);
}

void matrix_run(struct matrix *mx)
{
	struct matrix_unit units[MATRIX_MAX_LAUNCHERS * 2];
	int order[MATRIX_MAX_LAUNCHERS * 2], nu, r, i, boot_index = 0;

	nu = build_units(mx, units);
	natural(order, nu);
	for (r = 1; r <= mx->tb->o->repeats; r++) {
		if (r % 2 == 0) {
			reverse(order, nu);
			for (i = 0; i < nu; i++)
				reverse(units[i].order, units[i].nr);
		} else if (mx->rng) {
			rng_shuffle(mx->rng, order, nu);
			for (i = 0; i < nu; i++)
				rng_shuffle(mx->rng, units[i].order, units[i].nr);
		} else {
			natural(order, nu);
			for (i = 0; i < nu; i++)
				natural(units[i].order, units[i].nr);
		}
		for (i = 0; i < nu; i++, boot_index++) {
			if (mx->nr_shards > 1 && boot_index % mx->nr_shards != mx->shard - 1)
				continue;	/* another host's share */
			run_unit(mx, &units[order[i]], r, boot_index);
		}
	}
}
