/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the instruction-accounting plugin's counters
 * (qemu-e1000-tracing/plugins/insn-regions.c, which defines the file).
 * QEMU keeps the file up to date while it runs; a measurement takes a
 * snapshot at each end of its window.
 */
#ifndef TDH_INSN_H
#define TDH_INSN_H

#include <stdbool.h>
#include <stdint.h>

#define INSN_PLUGIN_SO		"libinsn-regions.so"	/* in <build>/qemu/plugins */
#define INSN_MAX_REGIONS	16
#define INSN_NAME_LEN		32

struct insn_snapshot {
	int nr;
	int nr_disjoint;		/* [0, nr_disjoint) partition; the rest split some */
	char name[INSN_MAX_REGIONS][INSN_NAME_LEN];
	uint64_t count[INSN_MAX_REGIONS];
};

/* A window: instructions per region, and the KB moved over it. */
struct insn_result {
	int nr;				/* 0: the plugin did not run */
	int nr_disjoint;
	char name[INSN_MAX_REGIONS][INSN_NAME_LEN];
	uint64_t count[INSN_MAX_REGIONS];
	uint64_t total;			/* of the disjoint regions */
	/*
	 * Guest instructions not yet split by domain (the vCPUs ran them since
	 * their last context switch): guest_kernel + guest_user minus the
	 * dom*_kernel and dom*_user regions; 0 without the split.
	 */
	uint64_t unattributed;
	double kb;			/* KB (1024 bytes) moved in the window */
	double window_s;		/* its length (host wall clock) */
};

/* QEMU's -plugin argument; xen_syms may be NULL.  Caller frees. */
char *insn_plugin_arg(const char *so, const char *file, const char *xen_syms);
/* The counters now; false with *err (static text) when the file is unusable. */
bool insn_read(const char *path, struct insn_snapshot *s, const char **err);
/* end - start over a window that moved kb; false if the snapshots disagree. */
bool insn_window(const struct insn_snapshot *start, const struct insn_snapshot *end, double kb,
		 struct insn_result *r);
/* Instructions per KB: the CPU cost; 0 when nothing moved. */
double insn_per_kb(uint64_t count, double kb);

#endif
