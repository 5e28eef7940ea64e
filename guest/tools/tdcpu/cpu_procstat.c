// SPDX-License-Identifier: GPL-2.0
/*
 * Native Linux backend: per-CPU jiffies from /proc/stat.  Busy is everything
 * but idle and iowait, as top(1) counts it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"

static double hz;

static int procstat_open(void)
{
	hz = (double)sysconf(_SC_CLK_TCK);
	return hz > 0 ? 0 : -1;
}

static int procstat_snapshot(struct cpu_snapshot *s)
{
	char line[512];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	memset(s, 0, sizeof(*s));
	s->wall_s = monotonic_s();
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = { 0 }, total = 0;
		int cpu, n, i;

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		n = sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7], &v[8], &v[9]);
		if (n < 5 || cpu < 0 || cpu >= TDCPU_MAX_CPUS)
			continue;
		/* guest and guest_nice (8, 9) are already in user and nice */
		for (i = 0; i < 8; i++)
			total += v[i];
		s->idle_s[s->nr_cpus] = (v[3] + v[4]) / hz;
		s->total_s[s->nr_cpus] = total / hz;
		s->nr_cpus++;
	}
	fclose(f);
	return s->nr_cpus > 0 ? 0 : -1;
}

static void procstat_close(void)
{
}

const struct cpu_backend cpu_backend = {
	.name = "procstat",
	.open = procstat_open,
	.snapshot = procstat_snapshot,
	.close = procstat_close,
};
