// SPDX-License-Identifier: GPL-2.0
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure.h"
#include "util.h"

static json_object *path(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;

	if (!o || !json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	if (!json_object_object_get_ex(x, b, &y))
		return NULL;
	return y;
}

static bool get_num(json_object *o, const char *key, double *v)
{
	json_object *x;

	if (!o || !json_object_object_get_ex(o, key, &x))
		return false;
	if (!json_object_is_type(x, json_type_double) && !json_object_is_type(x, json_type_int))
		return false;
	*v = json_object_get_double(x);
	return true;
}

bool parse_iperf(const char *text, struct iperf_result *r, const char **err)
{
	json_object *root = json_tokener_parse(text), *sum, *e, *rev;
	bool ok = false;
	double bps;

	memset(r, 0, sizeof(*r));
	if (!root) {
		*err = "iperf3 output is not JSON";
		return false;
	}
	e = path(root, "error", NULL);
	if (e) {
		snprintf(r->error, sizeof(r->error), "%s", json_object_get_string(e));
		*err = "iperf3 reported an error";
		goto out;
	}
	rev = path(root, "start", "test_start");
	if (rev && json_object_object_get_ex(rev, "reverse", &e))
		r->reverse = json_object_get_int(e) != 0;
	sum = path(root, "end", "sum_received");
	if (!sum || !get_num(sum, "bits_per_second", &bps) ||
	    !get_num(sum, "seconds", &r->seconds) || !get_num(sum, "bytes", &r->bytes)) {
		*err = "iperf3 JSON has no end.sum_received (test did not complete)";
		goto out;
	}
	if (bps < 0 || r->seconds <= 0) {
		*err = "iperf3 JSON has a negative rate or an empty interval";
		goto out;
	}
	r->mbps = bps / 1e6;
	sum = path(root, "end", "sum_sent");
	if (!sum || !get_num(sum, "retransmits", &r->retransmits))
		r->retransmits = -1;
	ok = true;
out:
	json_object_put(root);
	return ok;
}

static bool get_array(json_object *snap, const char *key, double *v, int max, int *n)
{
	json_object *a;
	int i;

	if (!json_object_object_get_ex(snap, key, &a) || !json_object_is_type(a, json_type_array))
		return false;
	*n = (int)json_object_array_length(a);
	if (*n > max)
		return false;
	for (i = 0; i < *n; i++)
		v[i] = json_object_get_double(json_object_array_get_idx(a, i));
	return true;
}

#define MAX_CPUS 64

bool parse_cpu(const char *text, struct cpu_result *r, const char **err)
{
	json_object *root = json_tokener_parse(text), *s, *e, *b, *ds, *de;
	double idle_s[MAX_CPUS], idle_e[MAX_CPUS], tot_s[MAX_CPUS], tot_e[MAX_CPUS];
	double wall_s, wall_e;
	int n1, n2, t1, t2, i, j;
	bool xen, ok = false;

	memset(r, 0, sizeof(*r));
	if (!root) {
		*err = "tdcpu output is not JSON";
		return false;
	}
	s = path(root, "start", NULL);
	e = path(root, "end", NULL);
	b = path(root, "backend", NULL);
	if (!s || !e || !b || !get_num(s, "wall_s", &wall_s) || !get_num(e, "wall_s", &wall_e) ||
	    !get_array(s, "idle_s", idle_s, MAX_CPUS, &n1) || !get_array(e, "idle_s", idle_e, MAX_CPUS, &n2) ||
	    !get_array(s, "total_s", tot_s, MAX_CPUS, &t1) || !get_array(e, "total_s", tot_e, MAX_CPUS, &t2)) {
		*err = "tdcpu JSON lacks backend, start or end snapshots";
		goto out;
	}
	if (n1 != n2 || n1 == 0 || t1 != t2) {
		*err = "tdcpu snapshots disagree on the number of CPUs";
		goto out;
	}
	r->wall_s = wall_e - wall_s;
	if (r->wall_s <= 0) {
		*err = "tdcpu window has no duration";
		goto out;
	}
	snprintf(r->backend, sizeof(r->backend), "%s", json_object_get_string(b));
	xen = !strcmp(r->backend, "xen");
	r->nr_cpus = n1;
	for (i = 0; i < n1; i++) {
		/* Xen: idle ns against wall time; /proc/stat: idle jiffies against all jiffies */
		double span = xen ? r->wall_s : tot_e[i] - tot_s[i];
		double busy = span - (idle_e[i] - idle_s[i]);

		if (span <= 0)
			continue;
		busy /= span;
		if (busy < 0)
			busy = 0;
		if (busy > 1)
			busy = 1;
		r->util += busy;
	}
	ds = path(s, "domains", NULL);
	de = path(e, "domains", NULL);
	for (i = 0; ds && de && i < (int)json_object_array_length(de) && r->nr_domains < MAX_DOMAINS; i++) {
		json_object *d = json_object_array_get_idx(de, i);
		double cpu_end, cpu_start = -1, id;

		if (!get_num(d, "domid", &id) || !get_num(d, "cpu_s", &cpu_end))
			continue;
		for (j = 0; j < (int)json_object_array_length(ds); j++) {
			json_object *d0 = json_object_array_get_idx(ds, j);
			double id0;

			if (get_num(d0, "domid", &id0) && id0 == id)
				get_num(d0, "cpu_s", &cpu_start);
		}
		if (cpu_start < 0)	/* born inside the window */
			cpu_start = 0;
		r->domid[r->nr_domains] = (unsigned)id;
		r->dom_util[r->nr_domains] = (cpu_end - cpu_start) / r->wall_s;
		r->nr_domains++;
	}
	ok = true;
out:
	json_object_put(root);
	return ok;
}

double cpu_scaled(double mbps, double util)
{
	return util > 0 ? mbps / util : 0;
}

double host_util(double cpu_s_start, double cpu_s_end, double wall_s)
{
	return wall_s > 0 ? (cpu_s_end - cpu_s_start) / wall_s : 0;
}

bool host_stat_read(struct host_stat *s)
{
	unsigned long long v[10] = { 0 };
	char *text = read_file("/proc/stat", NULL);
	int n, i;

	memset(s, 0, sizeof(*s));
	if (!text)
		return false;
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	n = sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	free(text);
	if (n < 8)
		return false;
	/* guest time is already in user (and guest_nice in nice) */
	for (i = 0; i < 8; i++)
		s->total += v[i];
	/*
	 * Niced work (csmith campaigns, helpers at nice 19) yields to QEMU at
	 * nice 0: what competes with the testbed is the rest.
	 */
	s->busy = v[0] + v[2] + v[5] + v[6] + v[7];
	return true;
}

double host_busy_util(const struct host_stat *a, const struct host_stat *b, double wall_s)
{
	if (wall_s <= 0 || b->busy < a->busy)
		return 0;
	return (double)(b->busy - a->busy) / sysconf(_SC_CLK_TCK) / wall_s;
}

const char *contention(double guest_util, double qemu_util, double host_busy, char *buf, size_t len)
{
	double other = host_busy - qemu_util;

	if (guest_util > 0 && qemu_util < CONTENDED_QEMU_SHARE * guest_util) {
		snprintf(buf, len, "QEMU had %.2f host CPUs for a guest busy on %.2f (below %.0f%%)",
			 qemu_util, guest_util, CONTENDED_QEMU_SHARE * 100);
		return buf;
	}
	if (other > CONTENDED_OTHER_CPUS) {
		snprintf(buf, len, "the host was busy on %.2f CPUs besides QEMU (above %.2f)", other,
			 CONTENDED_OTHER_CPUS);
		return buf;
	}
	return NULL;
}
