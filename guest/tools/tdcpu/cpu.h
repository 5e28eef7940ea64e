/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdcpu: CPU accounting of the simulated machine, from its own counters.
 *
 * A backend takes a snapshot of cumulative busy and idle time per CPU (and,
 * under Xen, per domain); tdcpu subtracts two snapshots taken around the
 * measured window and prints the delta as JSON.
 */
#ifndef TDCPU_CPU_H
#define TDCPU_CPU_H

#include <stdint.h>

#define TDCPU_MAX_CPUS		64
#define TDCPU_MAX_DOMAINS	16

struct cpu_snapshot {
	double wall_s;			/* CLOCK_MONOTONIC when taken */
	int nr_cpus;
	double idle_s[TDCPU_MAX_CPUS];	/* cumulative idle time per CPU */
	/* /proc/stat only: the total the idle time is a share of */
	double total_s[TDCPU_MAX_CPUS];
	int nr_domains;			/* Xen only */
	uint32_t domid[TDCPU_MAX_DOMAINS];
	double dom_cpu_s[TDCPU_MAX_DOMAINS];
};

struct cpu_backend {
	const char *name;
	int (*open)(void);
	int (*snapshot)(struct cpu_snapshot *s);
	void (*close)(void);
};

extern const struct cpu_backend cpu_backend;

double monotonic_s(void);

#endif
