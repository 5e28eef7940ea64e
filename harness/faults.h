/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh faults: fault campaigns against Xen and the hypervisor instance
 * (faults.c the command, faults_campaign.c the campaign).  The nightly run
 * (regress) runs a small one through faults_campaign().
 */
#ifndef TDH_FAULTS_H
#define TDH_FAULTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "testbed.h"

/* The kinds of fault a campaign draws from (--kinds). */
enum fault_kind {
	FK_SWIFI,	/* the named mutations of e1000's source (hv/faults/e1000.mutations) */
	FK_RANDOM,	/* seeded random mutations of the fast path */
	FK_VM,		/* the driver VM: dom0's e1000 or twin module removed, dom0 stalled */
	FK_RING,	/* a guest's seeded random requests in its vif's rings */
	FK_DEVICE,	/* the e1000 itself: harness/traces' faults, triggers drawn again */
	NR_FAULT_KINDS
};

extern const char *const fault_kind_names[NR_FAULT_KINDS];

struct fault_opts {
	uint64_t seed;		/* the random mutations' seeds derive from it */
	int count;		/* random mutations drawn */
	bool kinds[NR_FAULT_KINDS];
	const char *only[64];	/* fault ids to run (swifi:NAME, random:SEED, vm:NAME); none: all */
	int nr_only;
	const char *source_dir;	/* the repository (hv/faults/mutant.sh) */
	const char *library;	/* the named mutations; NULL: hv/faults/e1000.mutations */
	unsigned long ring_requests;	/* a guest's requests in the ring faults, at least */
	/*
	 * Tests only: the mutants built unsafe (SVM hands them Xen's own
	 * addresses, hv/xen/twin_desc.h), Xen booted to accept them and
	 * twinctl forced, to show that a campaign can report a crash.
	 */
	bool unsafe;
};

/*
 * Run a campaign on an open testbed: build the mutants on the host, boot
 * Xen (again after a crash), inject each fault under traffic and classify
 * it.  Returns faults.json's object (schema tdh-faults/1); *failed is set
 * when a fault crashed Xen or dom0, corrupted data or leaked.
 */
json_object *faults_campaign(const struct testbed *tb, const struct fault_opts *fo,
			     const char *rundir, bool *failed);
/* faults.json's "summary" as a table (outcomes by kind) and one line. */
void faults_summary_print(FILE *f, json_object *summary);
/* faults.json and faults.md into rundir; the report's path, or NULL. */
char *faults_save(json_object *root, const char *rundir);
/* The repository holding hv/faults (the build folder's parent). */
const char *faults_source_dir(struct testbed_opts *o);
/* The command: tdh faults [--seed N] [--count N] [--kinds LIST] [options]. */
int faults_main(int argc, char **argv);

#endif
