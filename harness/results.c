// SPDX-License-Identifier: GPL-2.0
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "stats.h"
#include "util.h"

#define SCHEMA "tdh-results/2"

void results_add(struct results *r, const struct record *rec)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->rec = realloc(r->rec, r->cap * sizeof(*r->rec));
		if (!r->rec)
			die(EXIT_RUN, "out of memory");
	}
	r->rec[r->nr++] = *rec;
}

json_object *versions_to_json(const struct versions *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "xen", json_object_new_string(v->xen));
	json_object_object_add(o, "kernel", json_object_new_string(v->kernel));
	json_object_object_add(o, "qemu", json_object_new_string(v->qemu));
	json_object_object_add(o, "qemu_binary", json_object_new_string(v->qemu_binary));
	json_object_object_add(o, "iperf3", json_object_new_string(v->iperf3));
	if (v->xen_fpu[0])
		json_object_object_add(o, "xen_fpu", json_object_new_string(v->xen_fpu));
	return o;
}

static json_object *num(double v)
{
	return json_object_new_double(v);
}

/* null when the plugin did not run */
static json_object *insn_json(const struct insn_result *in)
{
	json_object *o, *regions;
	int i;

	if (!in->nr)
		return NULL;
	o = json_object_new_object();
	regions = json_object_new_object();
	json_object_object_add(o, "total", json_object_new_uint64(in->total));
	json_object_object_add(o, "unattributed", json_object_new_uint64(in->unattributed));
	json_object_object_add(o, "per_kb", num(insn_per_kb(in->total, in->kb)));
	json_object_object_add(o, "kb", num(in->kb));
	json_object_object_add(o, "window_s", num(in->window_s));
	for (i = 0; i < in->nr; i++) {
		json_object *r = json_object_new_object();

		json_object_object_add(r, "count", json_object_new_uint64(in->count[i]));
		json_object_object_add(r, "per_kb", num(insn_per_kb(in->count[i], in->kb)));
		json_object_object_add(regions, in->name[i], r);
	}
	json_object_object_add(o, "regions", regions);
	return o;
}

/* twin-dom0: the instance's counters over the run; null otherwise */
static json_object *twin_json(const struct record *rec)
{
	const struct twin_counters *t = &rec->twin;
	uint64_t hits = twin_get(t, "svm_hits"), misses = twin_get(t, "svm_misses");
	json_object *o;
	int i;

	if (!rec->has_twin)
		return NULL;
	o = json_object_new_object();
	for (i = 0; i < t->nr; i++)
		json_object_object_add(o, t->name[i], json_object_new_uint64(t->v[i]));
	json_object_object_add(o, "svm_hit_rate",
			       num(hits + misses ? (double)hits / (hits + misses) : 0));
	return o;
}

static json_object *record_json(const struct record *rec, const struct versions *v)
{
	json_object *o = json_object_new_object(), *doms = json_object_new_array();
	int i;

	json_object_object_add(o, "config", json_object_new_string(rec->config));
	json_object_object_add(o, "workload", json_object_new_string(rec->workload));
	json_object_object_add(o, "repeat", json_object_new_int(rec->repeat));
	json_object_object_add(o, "mbps", num(rec->mbps));
	json_object_object_add(o, "cpu_util", num(rec->cpu_util));
	json_object_object_add(o, "cpu_scaled_mbps", num(rec->cpu_scaled_mbps));
	json_object_object_add(o, "host_cpu_util", num(rec->host_cpu_util));
	json_object_object_add(o, "host_busy_util", num(rec->host_busy_util));
	json_object_object_add(o, "validity", json_object_new_string(rec->contended ? "contended" : "ok"));
	json_object_object_add(o, "contended", rec->contended ? json_object_new_string(rec->contended) : NULL);
	json_object_object_add(o, "duration_s", num(rec->duration_s));
	json_object_object_add(o, "cpus", json_object_new_int(rec->cpus));
	json_object_object_add(o, "accel", json_object_new_string(rec->accel ? rec->accel : ""));
	json_object_object_add(o, "iommu", json_object_new_string(rec->iommu ? rec->iommu : "off"));
	json_object_object_add(o, "nic", json_object_new_string(rec->nic ? rec->nic : "e1000"));
	json_object_object_add(o, "cpu_backend", json_object_new_string(rec->cpu.backend));
	for (i = 0; i < rec->cpu.nr_domains; i++) {
		json_object *d = json_object_new_object();

		json_object_object_add(d, "domid", json_object_new_int(rec->cpu.domid[i]));
		json_object_object_add(d, "cpu_util", num(rec->cpu.dom_util[i]));
		json_object_array_add(doms, d);
	}
	json_object_object_add(o, "domains", doms);
	json_object_object_add(o, "insn", insn_json(&rec->insn));
	json_object_object_add(o, "twin", twin_json(rec));
	json_object_object_add(o, "raw", json_object_new_string(rec->raw_prefix));
	json_object_object_add(o, "versions", versions_to_json(v));
	return o;
}

char *record_to_json(const struct record *rec, const struct versions *v)
{
	json_object *o = record_json(rec, v);
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));

	json_object_put(o);
	return s;
}

bool results_write(const struct results *r, const char *rundir, const char *args)
{
	json_object *root = json_object_new_object(), *recs = json_object_new_array();
	const char *text;
	char *path;
	bool ok;
	int i;

	json_object_object_add(root, "schema", json_object_new_string(SCHEMA));
	json_object_object_add(root, "args", json_object_new_string(args));
	json_object_object_add(root, "options", r->options ? json_object_get(r->options) : NULL);
	json_object_object_add(root, "versions", versions_to_json(&r->versions));
	for (i = 0; i < r->nr; i++)
		json_object_array_add(recs, record_json(&r->rec[i], &r->versions));
	json_object_object_add(root, "records", recs);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	path = xasprintf("%s/results.json", rundir);
	ok = write_file(path, text, strlen(text)) == 0;
	free(path);
	json_object_put(root);
	return ok;
}

struct summary {
	int n;
	int contended;		/* records among the n whose figures are not valid */
	double mbps, util, scaled, host, scaled_min, scaled_max;
	double insn_per_kb;	/* median over the records that have it; 0: none */
};

static bool summarize(const struct results *r, const char *config, const char *workload,
		      struct summary *s)
{
	double *m = xcalloc(r->nr + 1, sizeof(double)), *u = xcalloc(r->nr + 1, sizeof(double));
	double *c = xcalloc(r->nr + 1, sizeof(double)), *h = xcalloc(r->nr + 1, sizeof(double));
	double *ik = xcalloc(r->nr + 1, sizeof(double));
	int i, ni = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->nr; i++) {
		const struct record *x = &r->rec[i];

		if (strcmp(x->config, config) || strcmp(x->workload, workload))
			continue;
		m[s->n] = x->mbps;
		u[s->n] = x->cpu_util;
		c[s->n] = x->cpu_scaled_mbps;
		h[s->n] = x->host_cpu_util;
		s->contended += x->contended != NULL;
		if (x->insn.nr)
			ik[ni++] = insn_per_kb(x->insn.total, x->insn.kb);
		if (!s->n || x->cpu_scaled_mbps < s->scaled_min)
			s->scaled_min = x->cpu_scaled_mbps;
		if (!s->n || x->cpu_scaled_mbps > s->scaled_max)
			s->scaled_max = x->cpu_scaled_mbps;
		s->n++;
	}
	if (s->n) {
		s->mbps = stats_median(m, s->n);
		s->util = stats_median(u, s->n);
		s->scaled = stats_median(c, s->n);
		s->host = stats_median(h, s->n);
	}
	if (ni)
		s->insn_per_kb = stats_median(ik, ni);
	free(m);
	free(u);
	free(c);
	free(h);
	free(ik);
	return s->n > 0;
}

static void ratio(FILE *out, double a, double b)
{
	if (b > 0)
		fprintf(out, " %9.2fx", a / b);
	else
		fprintf(out, " %10s", "-");
}

void results_print_table(const struct results *r, FILE *out)
{
	const char *seen_c[16], *seen_w[8];
	int nc = 0, nw = 0, i, j, k;
	bool insn = false, contended = false;

	for (i = 0; i < r->nr; i++) {
		insn |= r->rec[i].insn.nr > 0;
		contended |= r->rec[i].contended != NULL;
		for (k = 0; k < nc && strcmp(seen_c[k], r->rec[i].config); k++)
			;
		if (k == nc && nc < 16)
			seen_c[nc++] = r->rec[i].config;
		for (k = 0; k < nw && strcmp(seen_w[k], r->rec[i].workload); k++)
			;
		if (k == nw && nw < 8)
			seen_w[nw++] = r->rec[i].workload;
	}
	fprintf(out, "\n%-10s %-4s %9s %6s %11s %15s %8s %10s %10s %10s %3s %s\n",
		"config", "work", "Mb/s", "util", "scaled", "scaled range", "host", "vs netback", "vs native",
		"vs dom0", "n", insn ? "  insn/KB" : "");
	for (j = 0; j < nw; j++) {
		struct summary nb, nat, d0;
		bool has_nb = summarize(r, "netback", seen_w[j], &nb);
		bool has_nat = summarize(r, "native", seen_w[j], &nat);
		bool has_d0 = summarize(r, "dom0", seen_w[j], &d0);

		for (i = 0; i < nc; i++) {
			struct summary s;

			if (!summarize(r, seen_c[i], seen_w[j], &s))
				continue;
			fprintf(out, "%-10s %-4s %9.1f %6.2f %11.1f %7.0f-%-7.0f %8.2f",
				seen_c[i], seen_w[j], s.mbps, s.util, s.scaled,
				s.scaled_min, s.scaled_max, s.host);
			ratio(out, s.scaled, has_nb ? nb.scaled : 0);
			ratio(out, s.scaled, has_nat ? nat.scaled : 0);
			ratio(out, s.scaled, has_d0 ? d0.scaled : 0);
			/* '!': some of the n were contended (the footnote) */
			fprintf(out, " %3d%s", s.n, s.contended ? "!" : " ");
			if (s.insn_per_kb > 0)
				fprintf(out, "%9.0f", s.insn_per_kb);
			else if (insn)
				fprintf(out, "%9s", "-");
			fprintf(out, "\n");
		}
	}
	fprintf(out, "\nMb/s: receiver goodput; util: busy CPUs of the simulated machine (sum over CPUs);\n"
		"scaled: Mb/s per busy CPU (Mb/s / util); host: QEMU process CPUs on the host;\n"
		"medians over n repeats, ratios of the scaled medians.\n");
	if (insn)
		fprintf(out, "insn/KB: guest instructions executed (all regions, TCG plugin) per KB moved.\n");
	if (contended)
		fprintf(out, "!: some of the n records were contended: the host did not give QEMU the CPU the\n"
			"guest counted busy, or was busy besides it, so their Mb/s, util and scaled figures\n"
			"are not valid (insn/KB still is); results.json says which and why (README.md,\n"
			"\"Contended records\").\n");
}
