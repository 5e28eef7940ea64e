// SPDX-License-Identifier: GPL-2.0
/*
 * Xen backend: per-physical-CPU idle time from XEN_SYSCTL_getcpuinfo and
 * per-domain CPU time from XEN_DOMCTL_getdomaininfo, through libxenctrl.
 * These are the hypervisor's own figures: they count time spent in Xen and
 * in every domain, which dom0's /proc/stat cannot see.
 */
#include <stdio.h>
#include <string.h>

#include <xenctrl.h>

#include "cpu.h"

static xc_interface *xch;

static int xen_open(void)
{
	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		fprintf(stderr, "tdcpu: cannot open libxenctrl (is this dom0 with /proc/xen mounted and xen-privcmd loaded?)\n");
		return -1;
	}
	return 0;
}

static int xen_snapshot(struct cpu_snapshot *s)
{
	xc_cpuinfo_t info[TDCPU_MAX_CPUS];
	xc_domaininfo_t dom[TDCPU_MAX_DOMAINS];
	int nr = 0, i, nd;

	memset(s, 0, sizeof(*s));
	s->wall_s = monotonic_s();
	if (xc_getcpuinfo(xch, TDCPU_MAX_CPUS, info, &nr) < 0 || nr <= 0) {
		perror("tdcpu: xc_getcpuinfo");
		return -1;
	}
	s->nr_cpus = nr;
	for (i = 0; i < nr; i++)
		s->idle_s[i] = info[i].idletime / 1e9;

	nd = xc_domain_getinfolist(xch, 0, TDCPU_MAX_DOMAINS, dom);
	if (nd < 0) {
		perror("tdcpu: xc_domain_getinfolist");
		return -1;
	}
	s->nr_domains = nd;
	for (i = 0; i < nd; i++) {
		s->domid[i] = dom[i].domain;
		s->dom_cpu_s[i] = dom[i].cpu_time / 1e9;
	}
	return 0;
}

static void xen_close(void)
{
	xc_interface_close(xch);
}

const struct cpu_backend cpu_backend = {
	.name = "xen",
	.open = xen_open,
	.snapshot = xen_snapshot,
	.close = xen_close,
};
