// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: one campaign.  The plan (the named mutations, the seeded
 * random ones, the driver-VM faults), the mutants built on the host before
 * anything boots, then every fault injected into one booted Xen, booted
 * again after a fault that crashed it.  The record is faults.json (schema
 * tdh-faults/1, README "Fault campaigns") and faults.md, a report a person
 * reads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults_int.h"
#include "util.h"

#define JSON_PRETTY	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

/* One campaign's state: its plan, its machine, its start. */
struct campaign {
	const struct fault_opts *fo;
	struct rig *rig;
	struct fault *faults;
	int nr;
	double t0;
};

static void save_partial(const struct campaign *c, int upto);

const char *const fault_kind_names[NR_FAULT_KINDS] = {
	[FK_SWIFI] = "swifi", [FK_RANDOM] = "random", [FK_VM] = "vm", [FK_RING] = "ring",
	[FK_DEVICE] = "device",
};

struct fault *fault_add(const struct fault_opts *fo, struct fault **faults, int *nr,
			enum fault_kind kind, const char *id)
{
	struct fault *f;
	int i;

	for (i = 0; i < fo->nr_only && strcmp(fo->only[i], id); i++)
		;
	if (fo->nr_only && i == fo->nr_only)
		return NULL;
	*faults = realloc(*faults, (*nr + 1) * sizeof(**faults));
	if (!*faults)
		die(EXIT_RUN, "out of memory");
	f = &(*faults)[(*nr)++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->recovery_s = -1;
	snprintf(f->id, sizeof(f->id), "%s", id);
	return f;
}

static void plan(const struct fault_opts *fo, struct fault **faults, int *nr)
{
	int i, j;

	if (fo->kinds[FK_SWIFI] || fo->kinds[FK_RANDOM])
		swifi_plan(fo, faults, nr);
	if (fo->kinds[FK_VM])
		vm_plan(fo, faults, nr);
	if (fo->kinds[FK_RING])
		ring_plan(fo, faults, nr);
	if (fo->kinds[FK_DEVICE])
		device_plan(fo, faults, nr);
	for (i = 0; i < fo->nr_only; i++) {
		for (j = 0; j < *nr && strcmp((*faults)[j].id, fo->only[i]); j++)
			;
		if (j == *nr)
			die(EXIT_USAGE, "--only: no fault '%s' among the kinds chosen; "
			    "'tdh faults --list' names them", fo->only[i]);
	}
	if (!*nr)
		die(EXIT_USAGE, "the campaign has no fault: give --kinds or --count");
}

int faults_list(const struct fault_opts *fo, FILE *out)
{
	struct fault *faults = NULL;
	int i, nr = 0;

	plan(fo, &faults, &nr);
	for (i = 0; i < nr; i++) {
		if (out)
			fprintf(out, "%s\n", faults[i].id);
		json_object_put(faults[i].what);
	}
	free(faults);
	return 0;
}

/* The mutants, on the host, before anything boots. */
static void build_mutants(const struct fault_opts *fo, const char *rundir, struct fault *faults,
			  int nr)
{
	int i, n = 0, done = 0;

	for (i = 0; i < nr; i++)
		n += faults[i].kind == FK_SWIFI || faults[i].kind == FK_RANDOM;
	for (i = 0; i < nr; i++) {
		struct fault *f = &faults[i];

		if (f->kind != FK_SWIFI && f->kind != FK_RANDOM)
			continue;
		swifi_build(fo, rundir, f);
		info("  [%d/%d] mutant %s: %s", ++done, n, f->id,
		     f->payload ? "built" : f->detail);
	}
}

static bool needs_machine(const struct fault *f)
{
	return f->kind == FK_VM || f->kind == FK_RING || f->kind == FK_DEVICE || f->payload;
}

static void inject_all(struct campaign *c)
{
	struct rig *r = c->rig;
	struct fault *faults = c->faults;
	int i, n = 0, done = 0, nr = c->nr;
	double t0;

	for (i = 0; i < nr; i++)
		n += needs_machine(&faults[i]);
	for (i = 0; i < nr; i++) {
		struct fault *f = &faults[i];

		if (!needs_machine(f))
			continue;
		if (!r->up && f->kind != FK_DEVICE && f->kind != FK_RING)
			rig_boot(r);
		info("  [%d/%d] %s", ++done, n, f->id);
		t0 = now_s();
		if (f->kind == FK_VM)
			vm_run(r, f);
		else if (f->kind == FK_RING)
			ring_run(r, f);		/* boots the twin configuration itself */
		else if (f->kind == FK_DEVICE)
			device_run(r, f);	/* last in the plan: each boots its own machine */
		else
			swifi_run(r, f);
		f->seconds = now_s() - t0;
		/* traffic never stopped: there was nothing to recover from */
		if (f->outcome == OUT_NO_EFFECT)
			f->recovery_s = -1;
		info("      %s%s%s%s (%.0f s)", outcome_names[f->outcome], f->detail[0] ? ": " : "",
		     f->detail, f->leak ? " (LEAK)" : "", f->seconds);
		save_partial(c, i + 1);
	}
	rig_release(r);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Seconds to a tenth: what the timing of a TCG machine is worth. */
static json_object *tenths(double s)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.1f", s);
	return json_object_new_double_s(round(s * 10) / 10, buf);
}

static json_object *fault_json(const struct fault *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(f->id));
	json_object_object_add(o, "kind", json_object_new_string(fault_kind_names[f->kind]));
	json_object_object_add(o, "what", f->what ? json_object_get(f->what) : NULL);
	json_object_object_add(o, "outcome", json_object_new_string(outcome_names[f->outcome]));
	json_object_object_add(o, "uninjectable", json_object_new_boolean(f->uninjectable));
	json_object_object_add(o, "detail", json_object_new_string(f->detail));
	json_object_object_add(o, "recovery_s",
			       f->recovery_s >= 0 ? tenths(f->recovery_s) : NULL);
	json_object_object_add(o, "traffic_resumed", json_object_new_boolean(f->traffic_resumed));
	json_object_object_add(o, "recovered_by",
			       !f->traffic_resumed || f->recovery_s < 0 ? NULL :
			       json_object_new_string(f->reset ? "nic_reset" : "driver"));
	json_object_object_add(o, "leak", json_object_new_boolean(f->leak));
	if (f->leak)
		json_object_object_add(o, "leak_detail", json_object_new_string(f->leak_detail));
	json_object_object_add(o, "counters", f->counters ? json_object_get(f->counters) : NULL);
	json_object_object_add(o, "dma", dma_json(f));
	json_object_object_add(o, "seconds", f->seconds > 0 ? tenths(f->seconds) : NULL);
	return o;
}

/* The instance stopped or traffic failed: dom0 had something to recover from. */
static bool needs_recovery(enum fault_outcome o)
{
	return o == OUT_SVM || o == OUT_WATCHDOG || o == OUT_INSTANCE_FAULT ||
	       o == OUT_GUEST_VISIBLE || o == OUT_CORRUPTED || o == OUT_DEVICE_CORRUPTED;
}

/* The summary: what faults.json's "summary" holds (README "Fault campaigns"). */
static json_object *summary_json(const struct fault *faults, int nr, int boots, double wall_s,
				 bool *failed)
{
	json_object *s = json_object_new_object(), *by = json_object_new_object(), *oc;
	int counts[NR_FAULT_KINDS][NR_OUTCOMES] = { { 0 } }, total[NR_OUTCOMES] = { 0 };
	int i, k, injected = 0, leaks = 0, nrec = 0, uninjectable = 0, resets = 0, stuck = 0;
	int dma_checked = 0, dma_outside = 0, dma_blocked = 0;
	uint64_t ring_req = 0, ring_ref = 0, ring_fatal = 0;
	double *rec = xcalloc(nr + 1, sizeof(double));

	for (i = 0; i < nr; i++) {
		counts[faults[i].kind][faults[i].outcome]++;
		total[faults[i].outcome]++;
		injected += faults[i].outcome != OUT_NOT_INJECTED;
		leaks += faults[i].leak;
		uninjectable += faults[i].uninjectable;
		ring_req += faults[i].ring_requests;
		ring_ref += faults[i].ring_refused;
		ring_fatal += faults[i].ring_fatal;
		if (faults[i].recovery_s >= 0)
			rec[nrec++] = faults[i].recovery_s;
		resets += faults[i].traffic_resumed && faults[i].reset;
		stuck += needs_recovery(faults[i].outcome) && !faults[i].traffic_resumed;
		dma_checked += faults[i].dma.state == DMA_CHECKED;
		dma_outside += faults[i].dma.state == DMA_CHECKED && faults[i].dma.outside;
		dma_blocked += faults[i].dma.state == DMA_CHECKED && faults[i].dma.blocked;
	}
	qsort(rec, nrec, sizeof(double), cmp_double);
	json_object_object_add(s, "injected", json_object_new_int(injected));
	json_object_object_add(s, "xen_crashes", json_object_new_int(total[OUT_XEN_CRASH]));
	json_object_object_add(s, "dom0_crashes", json_object_new_int(total[OUT_DOM0_CRASH]));
	json_object_object_add(s, "corruptions", json_object_new_int(total[OUT_CORRUPTED]));
	json_object_object_add(s, "device_corruptions", json_object_new_int(total[OUT_DEVICE_CORRUPTED]));
	json_object_object_add(s, "leaks", json_object_new_int(leaks));
	oc = json_object_new_object();
	for (i = 0; i < NR_OUTCOMES; i++)
		json_object_object_add(oc, outcome_names[i], json_object_new_int(total[i]));
	json_object_object_add(s, "outcomes", oc);
	for (k = 0; k < NR_FAULT_KINDS; k++) {
		oc = json_object_new_object();
		for (i = 0; i < NR_OUTCOMES; i++)
			if (counts[k][i])
				json_object_object_add(oc, outcome_names[i], json_object_new_int(counts[k][i]));
		json_object_object_add(by, fault_kind_names[k], oc);
	}
	json_object_object_add(s, "by_kind", by);
	json_object_object_add(s, "recovery_median_s",
			       nrec ? tenths(nrec % 2 ? rec[nrec / 2] : (rec[nrec / 2 - 1] + rec[nrec / 2]) / 2) :
			       NULL);
	json_object_object_add(s, "recovery_worst_s", nrec ? tenths(rec[nrec - 1]) : NULL);
	/* traffic back only after dom0 reset its NIC; never back within RECOVERY_S */
	json_object_object_add(s, "recovered_by_nic_reset", json_object_new_int(resets));
	json_object_object_add(s, "not_recovered", json_object_new_int(stuck));
	json_object_object_add(s, "ring_requests", json_object_new_uint64(ring_req));
	json_object_object_add(s, "ring_refused", json_object_new_uint64(ring_ref));
	json_object_object_add(s, "ring_fatal", json_object_new_uint64(ring_fatal));
	/* faults whose window's DMAs were checked, went outside Xen's record, were refused by the IOMMU */
	json_object_object_add(s, "dma_checked", json_object_new_int(dma_checked));
	json_object_object_add(s, "dma_outside", json_object_new_int(dma_outside));
	json_object_object_add(s, "dma_blocked", json_object_new_int(dma_blocked));
	json_object_object_add(s, "boots", json_object_new_int(boots));
	json_object_object_add(s, "wall_s", json_object_new_double(round(wall_s)));
	/* not injected for the testbed's fault (a random mutant that never compiled is not) */
	json_object_object_add(s, "uninjectable", json_object_new_int(uninjectable));
	*failed = total[OUT_XEN_CRASH] || total[OUT_DOM0_CRASH] || total[OUT_CORRUPTED] || leaks;
	json_object_object_add(s, "failed", json_object_new_boolean(*failed));
	free(rec);
	return s;
}

/* The record as it stands: complete once every fault had its turn. */
static json_object *campaign_json(const struct fault_opts *fo, const struct fault *faults, int nr,
				  int boots, double wall_s, bool complete, bool *failed)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array(), *kinds;
	int i;

	json_object_object_add(root, "schema", json_object_new_string("tdh-faults/1"));
	json_object_object_add(root, "complete", json_object_new_boolean(complete));
	json_object_object_add(root, "seed", json_object_new_uint64(fo->seed));
	json_object_object_add(root, "count", json_object_new_int(fo->count));
	json_object_object_add(root, "library", fo->library ? json_object_new_string(fo->library) : NULL);
	json_object_object_add(root, "unsafe", json_object_new_boolean(fo->unsafe));
	kinds = json_object_new_array();
	for (i = 0; i < NR_FAULT_KINDS; i++)
		if (fo->kinds[i])
			json_object_array_add(kinds, json_object_new_string(fault_kind_names[i]));
	json_object_object_add(root, "kinds", kinds);
	json_object_object_add(root, "summary", summary_json(faults, nr, boots, wall_s, failed));
	for (i = 0; i < nr; i++)
		json_object_array_add(arr, fault_json(&faults[i]));
	json_object_object_add(root, "faults", arr);
	return root;
}

/*
 * After each fault, faults.json as it stands, the faults of the plan up
 * to it ("complete": false): a campaign of hours that dies keeps what it
 * found.
 */
static void save_partial(const struct campaign *c, int upto)
{
	bool failed;
	json_object *root = campaign_json(c->fo, c->faults, upto, c->rig->boots,
					  now_s() - c->t0, false, &failed);
	char *path = xasprintf("%s/faults.json", c->rig->rundir);

	if (json_object_to_file_ext(path, root, JSON_PRETTY))
		warn("cannot write %s", path);
	free(path);
	json_object_put(root);
}

json_object *faults_campaign(const struct testbed *tb, const struct fault_opts *fo,
			     const char *rundir, bool *failed)
{
	struct rig r = {
		.tb = tb, .rundir = rundir, .pattern_seed = fo->seed * 1000, .unsafe = fo->unsafe,
		.seed = fo->seed, .ring_requests = fo->ring_requests,
	};
	struct campaign c = { .fo = fo, .rig = &r, .t0 = now_s() };
	const char *trace_group = tb->o->trace_group;
	json_object *root;
	int i;

	r.cd = find_config("twin-dom0");
	/*
	 * The e1000's DMAs and register writes (Xen's marks) are
	 * traced for the confinement check (faults_dma.c)
	 */
	if (!tb->o->trace_group)
		tb->o->trace_group = tb->o->iommu != IOMMU_OFF ? "iommu" : "all";
	r.tdpattern = xasprintf("%s/bin/tdpattern", tb->o->build_dir);
	plan(fo, &c.faults, &c.nr);
	info("fault campaign: %d faults (seed %llu)", c.nr, (unsigned long long)fo->seed);
	build_mutants(fo, rundir, c.faults, c.nr);
	inject_all(&c);
	root = campaign_json(fo, c.faults, c.nr, r.boots, now_s() - c.t0, true, failed);
	for (i = 0; i < c.nr; i++) {
		json_object_put(c.faults[i].what);
		json_object_put(c.faults[i].counters);
		free(c.faults[i].payload);
		free(c.faults[i].file);
		free(c.faults[i].dma.regions);
		free(c.faults[i].dma.trace);
	}
	free(c.faults);
	free(r.dma_pending);
	tb->o->trace_group = trace_group;	/* the caller's testbed as it was (tdh regress) */
	return root;
}
