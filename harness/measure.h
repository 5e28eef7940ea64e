/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: turning raw outputs into figures.
 *
 *   throughput T    goodput at the receiver, iperf3's end.sum_received,
 *                   warm-up (-O) excluded
 *   utilization U   busy CPU-seconds per second summed over the simulated
 *                   CPUs over the same window: Xen's per-pCPU idle time
 *                   under Xen, /proc/stat under native Linux (tdcpu)
 *   CPU-scaled S    T / U, Mb/s per fully busy CPU (the paper's unit)
 *   host U          the QEMU process's CPU time per second of the window
 *
 * Kept apart from running things so it can be tested on recorded files
 * (tdh analyze).
 */
#ifndef TDH_MEASURE_H
#define TDH_MEASURE_H

#include <stdbool.h>

#define MAX_DOMAINS 16

struct iperf_result {
	double mbps;		/* receiver's goodput */
	double seconds;		/* measured interval, omit excluded */
	double bytes;
	bool reverse;		/* -R: the guest sent */
	double retransmits;	/* the TCP sender's, -1 when not reported */
	char error[256];	/* iperf3's own error, if any */
};

struct cpu_result {
	char backend[16];	/* "xen" or "procstat" */
	int nr_cpus;
	double wall_s;
	double util;		/* summed over CPUs, in [0, nr_cpus] */
	int nr_domains;
	unsigned domid[MAX_DOMAINS];
	double dom_util[MAX_DOMAINS];
};

/* Return false with *err set (static text) when the input is unusable. */
bool parse_iperf(const char *json, struct iperf_result *r, const char **err);
bool parse_cpu(const char *json, struct cpu_result *r, const char **err);

/* S = T / U; 0 when U is not positive (reported, never divided by). */
double cpu_scaled(double mbps, double util);
double host_util(double cpu_s_start, double cpu_s_end, double wall_s);

#endif
