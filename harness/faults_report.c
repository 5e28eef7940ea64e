// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: faults.json as a report a person reads (faults.md): the
 * campaign's table, outcomes per kind, then one line per fault.
 */
#include <stdio.h>
#include <string.h>

#include "faults_int.h"
#include "util.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_string(v) ?
	       json_object_get_string(v) : "";
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* Markdown cells hold no '|' and no newline. */
static void cell(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++)
		fputc(s[i] == '|' ? '/' : s[i] == '\n' ? ' ' : s[i], f);
	if (s[i])
		fputs("...", f);
}

/* What was injected where, in a few words. */
static void what_cell(FILE *f, json_object *what)
{
	const char *fn = str(what, "function");

	if (*fn) {
		fprintf(f, "%s in %s:%d: `", str(what, "kind"), fn,
			json_object_get_int(get(what, "line")));
		cell(f, str(what, "after"), 60);
		fputc('`', f);
	} else if (*str(what, "faults")) {
		/* a device fault: the lines injected, without the header comment */
		const char *t = str(what, "faults"), *nl = strchr(t, '\n');

		fputc('`', f);
		cell(f, t[0] == '#' && nl ? nl + 1 : t, 80);
		fputc('`', f);
	} else {
		cell(f, str(what, "fault"), 80);
	}
}

/* The window's DMAs: all inside Xen's record, or how many not and the first. */
static void dma_cell(FILE *f, json_object *dma)
{
	if (!dma) {
		fputs("-", f);
	} else if (!json_object_get_boolean(get(dma, "checked"))) {
		fputs("not checked: ", f);
		cell(f, str(dma, "why"), 80);
	} else if (json_object_get_int64(get(dma, "outside"))) {
		fprintf(f, "**%lld of %lld outside**: ", (long long)json_object_get_int64(get(dma, "outside")),
			(long long)json_object_get_int64(get(dma, "dmas")));
		cell(f, str(dma, "first_violation"), 80);
	} else {
		fprintf(f, "%lld inside", (long long)json_object_get_int64(get(dma, "dmas")));
	}
	if (dma && json_object_get_int64(get(dma, "blocked")))
		fprintf(f, "; %lld refused by the IOMMU", (long long)json_object_get_int64(get(dma, "blocked")));
}

void faults_summary_print(FILE *f, json_object *s)
{
	json_object *by = get(s, "by_kind");
	int i;

	fprintf(f, "| outcome |");
	json_object_object_foreach(by, kind, v0) {
		(void)v0;
		fprintf(f, " %s |", kind);
	}
	fprintf(f, " total |\n|---|");
	json_object_object_foreach(by, kind1, v1) {
		(void)kind1;
		(void)v1;
		fprintf(f, "---:|");
	}
	fprintf(f, "---:|\n");
	for (i = 0; i < NR_OUTCOMES; i++) {
		fprintf(f, "| %s |", outcome_names[i]);
		json_object_object_foreach(by, kind2, counts) {
			(void)kind2;
			fprintf(f, " %d |", json_object_get_int(get(counts, outcome_names[i])));
		}
		fprintf(f, " %d |\n", json_object_get_int(get(get(s, "outcomes"), outcome_names[i])));
	}
	fprintf(f, "\ninjected %d; Xen crashes %d, dom0 crashes %d, corruptions %d (and %d by the device "
		"alone), leaks %d; recovery median %s s, worst %s s (%d after a NIC reset, %d never); "
		"%d boots, %s s\n",
		json_object_get_int(get(s, "injected")), json_object_get_int(get(s, "xen_crashes")),
		json_object_get_int(get(s, "dom0_crashes")), json_object_get_int(get(s, "corruptions")),
		json_object_get_int(get(s, "device_corruptions")), json_object_get_int(get(s, "leaks")),
		get(s, "recovery_median_s") ? json_object_get_string(get(s, "recovery_median_s")) : "-",
		get(s, "recovery_worst_s") ? json_object_get_string(get(s, "recovery_worst_s")) : "-",
		json_object_get_int(get(s, "recovered_by_nic_reset")),
		json_object_get_int(get(s, "not_recovered")),
		json_object_get_int(get(s, "boots")), json_object_get_string(get(s, "wall_s")));
	fprintf(f, "DMA confinement: %d faults' windows checked against Xen's record of the allowed "
		"frames; %d with DMAs outside it, %d with DMAs the IOMMU refused\n",
		json_object_get_int(get(s, "dma_checked")), json_object_get_int(get(s, "dma_outside")),
		json_object_get_int(get(s, "dma_blocked")));
	if (json_object_get_int64(get(s, "ring_requests")))
		fprintf(f, "a guest's requests in its vif's rings: %lld written, %lld refused by Xen, "
			"%lld fatal (the vif given back to netback)\n",
			(long long)json_object_get_int64(get(s, "ring_requests")),
			(long long)json_object_get_int64(get(s, "ring_refused")),
			(long long)json_object_get_int64(get(s, "ring_fatal")));
}

char *faults_save(json_object *root, const char *rundir)
{
	char *path = xasprintf("%s/faults.json", rundir);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (write_file(path, text, strlen(text)))
		die(EXIT_RUN, "cannot write %s", path);
	free(path);
	path = xasprintf("%s/faults.md", rundir);
	if (faults_write_report(root, path))
		die(EXIT_RUN, "cannot write %s", path);
	return path;
}

int faults_write_report(json_object *root, const char *path)
{
	json_object *arr = get(root, "faults");
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return -1;
	fprintf(f, "# Fault campaign, seed %s\n\n", json_object_get_string(get(root, "seed")));
	faults_summary_print(f, get(root, "summary"));
	fprintf(f, "\n| fault | injected | outcome | detail | recovery s | resumed | leak | DMA |\n"
		"|---|---|---|---|---:|---|---|---|\n");
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *x = json_object_array_get_idx(arr, i), *rec = get(x, "recovery_s");

		fprintf(f, "| %s | ", str(x, "id"));
		what_cell(f, get(x, "what"));
		fprintf(f, " | %s | ", str(x, "outcome"));
		cell(f, str(x, "detail"), 120);
		fprintf(f, " | %s | %s | ", rec ? json_object_get_string(rec) : "-",
			!json_object_get_boolean(get(x, "traffic_resumed")) ? "no" :
			get(x, "recovered_by") && !strcmp(str(x, "recovered_by"), "nic_reset") ?
			"after a NIC reset" : "yes");
		cell(f, json_object_get_boolean(get(x, "leak")) ? str(x, "leak_detail") : "no", 80);
		fprintf(f, " | ");
		dma_cell(f, get(x, "dma"));
		fprintf(f, " |\n");
	}
	return fclose(f);
}
