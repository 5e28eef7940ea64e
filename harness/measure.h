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
 *   host load       the host's busy CPUs over the window, niced work left out
 *   validity        whether the host gave QEMU the CPU the guest believes
 *                   it used (contention(), README "Contended records")
 *
 * Kept apart from running things so it can be tested on recorded files
 * (tdh analyze).
 */
#ifndef TDH_MEASURE_H
#define TDH_MEASURE_H

#include <stdbool.h>
#include <stddef.h>

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

/* The host's /proc/stat "cpu" line: jiffies busy at nice 0 (or below), and all of them. */
struct host_stat {
	unsigned long long busy, total;
};

/*
 * A record is contended when QEMU's host CPU fell below this share of the
 * CPUs the guest counted busy (under TCG the guest's clock runs with the
 * host's: time QEMU was not given is counted as the guest's own), or when
 * the rest of the host used more than this many CPUs at nice 0 besides
 * QEMU (the peer's iperf3 and tdh included: about 0.2 on a quiet host).
 */
#define CONTENDED_QEMU_SHARE	0.80
#define CONTENDED_OTHER_CPUS	0.60

bool host_stat_read(struct host_stat *s);
/* Busy CPUs at nice 0 between two readings wall_s apart. */
double host_busy_util(const struct host_stat *a, const struct host_stat *b, double wall_s);
/*
 * NULL when the figures are valid, else why not, written into buf:
 * guest_util (U), qemu_util (host U) and host_busy over the same window.
 */
const char *contention(double guest_util, double qemu_util, double host_busy, char *buf, size_t len);

/* S = T / U; 0 when U is not positive (reported, never divided by). */
double cpu_scaled(double mbps, double util);
double host_util(double cpu_s_start, double cpu_s_end, double wall_s);

#endif
