// SPDX-License-Identifier: GPL-2.0
/*
 * tdcpu - CPU accounting of the simulated machine over a measured window.
 *
 *   tdcpu window WARMUP DURATION
 *	sleep WARMUP seconds, take a snapshot, sleep DURATION, take another,
 *	print both as one JSON object on stdout
 *   tdcpu snapshot
 *	print one snapshot
 *
 * The harness starts the window together with the traffic, with the same
 * warm-up iperf3 omits, so both cover the same interval.  It does the
 * arithmetic itself (tdh analyze) from these raw cumulative counters, so
 * the raw data stays in the run's folder and can be re-analysed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"

double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void print_snapshot(const struct cpu_snapshot *s)
{
	int i;

	printf("{\"wall_s\":%.6f,\"idle_s\":[", s->wall_s);
	for (i = 0; i < s->nr_cpus; i++)
		printf("%s%.6f", i ? "," : "", s->idle_s[i]);
	printf("],\"total_s\":[");
	for (i = 0; i < s->nr_cpus; i++)
		printf("%s%.6f", i ? "," : "", s->total_s[i]);
	printf("],\"domains\":[");
	for (i = 0; i < s->nr_domains; i++)
		printf("%s{\"domid\":%u,\"cpu_s\":%.6f}", i ? "," : "",
		       s->domid[i], s->dom_cpu_s[i]);
	printf("]}");
}

static double parse_seconds(const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (*arg == '\0' || *end != '\0' || v < 0 || v > 86400) {
		fprintf(stderr, "tdcpu: '%s' is not a number of seconds\n", arg);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fprintf(stderr, "usage: tdcpu window WARMUP DURATION | tdcpu snapshot\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct cpu_snapshot a, b;
	double warmup, duration;

	if (argc == 2 && !strcmp(argv[1], "snapshot")) {
		if (cpu_backend.open() || cpu_backend.snapshot(&a))
			return 1;
		printf("{\"backend\":\"%s\",\"snapshot\":", cpu_backend.name);
		print_snapshot(&a);
		printf("}\n");
		cpu_backend.close();
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "window"))
		return usage();

	warmup = parse_seconds(argv[2]);
	duration = parse_seconds(argv[3]);
	if (cpu_backend.open())
		return 1;
	sleep_s(warmup);
	if (cpu_backend.snapshot(&a))
		return 1;
	sleep_s(duration);
	if (cpu_backend.snapshot(&b))
		return 1;
	printf("{\"backend\":\"%s\",\"start\":", cpu_backend.name);
	print_snapshot(&a);
	printf(",\"end\":");
	print_snapshot(&b);
	printf("}\n");
	cpu_backend.close();
	return 0;
}
