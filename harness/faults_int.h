/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh faults, inside: one fault's record, the booted machine a campaign
 * holds, and the steps every fault shares (faults_probe.c).
 */
#ifndef TDH_FAULTS_INT_H
#define TDH_FAULTS_INT_H

#include <limits.h>
#include <stdio.h>

#include "faults.h"
#include "twin.h"

/* What a fault came to: faults.json's "outcome", README "Fault campaigns". */
enum fault_outcome {
	OUT_NOT_INJECTED,	/* a random mutant that never compiled: not counted */
	OUT_VERIFIER,		/* refused before it ran: twinc, the object verifier, Xen's loader */
	OUT_SVM,		/* SVM stopped it: an access, a return, a call or a dispatch refused */
	OUT_WATCHDOG,		/* an entry ran too long: Xen's watchdog stopped it */
	OUT_INSTANCE_FAULT,	/* a CPU exception or BUG() in the instance, recovered */
	OUT_NO_EFFECT,		/* nothing stopped it and traffic was intact */
	OUT_GUEST_VISIBLE,	/* traffic failed while it ran; the harness detached it */
	OUT_DEVICE_CORRUPTED,	/* a device fault's bytes differed, and also with dom0's
				   own driver and no instance: the NIC's, not the instance's */
	OUT_CORRUPTED,		/* bytes that reached the peer (or dom0) differed */
	OUT_DOM0_CRASH,		/* dom0 oopsed or stopped answering */
	OUT_XEN_CRASH,		/* Xen stopped (the machine is gone) */
	NR_OUTCOMES
};

extern const char *const outcome_names[NR_OUTCOMES];

/* A fault's DMA confinement check (faults_dma.c). */
enum dma_state {
	DMA_NONE,		/* no window: refused before it ran, or no tracing */
	DMA_OPEN,		/* the window runs */
	DMA_PENDING,		/* recorded; checked once the boot's trace is whole */
	DMA_CHECKED,
	DMA_UNCHECKED,		/* the record or the trace was not to be had: why */
};

struct fault_dma {
	enum dma_state state;
	uint64_t from_ns, to_ns;	/* the window on the trace's clock (CLOCK_MONOTONIC) */
	char *regions;			/* Xen's record, a file in the run folder */
	char *trace;			/* the boot's trace */
	uint64_t frames;		/* in the record */
	uint64_t dmas, outside, blocked;	/* checked, outside the record, refused by the IOMMU */
	char why[160];			/* the first violation, or why it was not checked */
};

struct fault {
	char id[64];		/* swifi:NAME, random:SEED, vm:NAME */
	enum fault_kind kind;
	json_object *what;	/* what was injected, where (mutant.json, or the scenario's words) */
	char *payload;		/* the mutant's payload on the host, NULL when it has none */
	char *file;		/* a device fault's file in harness/traces */
	/* filled in by the run */
	enum fault_outcome outcome;
	char detail[256];	/* the refusal, the disable reason, the failure */
	double recovery_s;	/* outcome observed -> traffic intact again; < 0: not needed */
	bool traffic_resumed;
	bool reset;		/* the recovery took a reset of dom0's NIC (rig_recover) */
	bool leak;
	char leak_detail[128];
	json_object *counters;	/* the instance's counters over the fault, or NULL */
	double seconds;		/* the fault's whole turn on the machine */
	bool uninjectable;	/* not injected for the harness's or the testbed's fault */
	/* ring faults: requests written, Xen's refusals and fatal ones */
	uint64_t ring_requests, ring_refused, ring_fatal;
	struct fault_dma dma;
};

/* The booted Xen machine a campaign injects into. */
struct rig {
	const struct testbed *tb;
	const struct config_desc *cd;	/* twin-dom0 */
	const char *rundir;
	const char *tdpattern;		/* the peer's checker, build/bin/tdpattern */
	struct machine m;
	struct agent a;
	bool up;
	bool unsafe;			/* fault_opts.unsafe: twinctl load --force */
	uint64_t seed;			/* the campaign's (device faults' triggers) */
	unsigned long ring_requests;	/* fault_opts.ring_requests */
	bool domu;			/* the twin configuration is up (ring faults) */
	int boots;
	uint64_t pattern_seed;
	long slab0;			/* dom0's skbuff_head_cache at the boot's start */
	struct fault **dma_pending;	/* windows whose boot's trace is not whole yet */
	int nr_dma_pending;
	bool keep_trace;		/* the boot's trace outlives rig_release (device faults) */
};

/*
 * faults_campaign.c: the plan's fault ids, one a line, to out (tdh faults
 * --list; NULL: only die() on a bad plan, before anything is set up)
 */
int faults_list(const struct fault_opts *fo, FILE *out);
/* a fault of the plan, NULL when --only leaves it out */
struct fault *fault_add(const struct fault_opts *fo, struct fault **faults, int *nr,
			enum fault_kind kind, const char *id);

/* faults_probe.c: the steps every fault shares */
int rig_run(struct rig *r, const char *cmd, double timeout_s, char **out);
void rig_boot(struct rig *r);
void rig_release(struct rig *r);
/* dom0's console shows an oops or a panic (the host reads the boot's console log). */
bool rig_dom0_oopsed(struct rig *r);
/* Xen answers and dom0 did not oops; *why says which failed. */
bool rig_healthy(struct rig *r, enum fault_outcome *why);
/* Every byte both ways between the peer and dom0; *corrupt when one differed. */
bool rig_pattern(struct rig *r, bool *corrupt, char *why, size_t len);
/* The same with the machine at ip (the domU's tdpattern serves too). */
bool rig_pattern_with(struct rig *r, const char *ip, bool *corrupt, char *why, size_t len);
bool rig_status(struct rig *r, struct twin_counters *c);
/*
 * A crash ends a fault: true when Xen or dom0 is gone, with the outcome
 * set and the machine released (the campaign boots it again).
 */
bool rig_crashed(struct rig *r, struct fault *f);
/*
 * The instance attached with the payload at guest_path (NULL: the real
 * one, /lib/twin), then traffic: the
 * fault's window.  Classifies f->outcome from what Xen, dom0 and the data
 * say, recovers (dom0's fallback, or a detach), times the recovery and
 * checks for leaks.  Returns false when the machine must be booted again.
 */
bool rig_inject_payload(struct rig *r, struct fault *f, const char *guest_path);
/* No payload in Xen any more (detached and unloaded); false when one is stuck. */
bool rig_unload_payload(struct rig *r);
/* After an injection that did not use the instance's own window. */
void rig_recover(struct rig *r, struct fault *f, double t_observed);
void rig_check_leaks(struct rig *r, struct fault *f);

/* faults_swifi.c: the mutants */
void swifi_plan(const struct fault_opts *fo, struct fault **faults, int *nr);
void swifi_build(const struct fault_opts *fo, const char *rundir, struct fault *f);
bool swifi_run(struct rig *r, struct fault *f);

/* faults_device.c: the device's faults, each in a boot of its own */
void device_plan(const struct fault_opts *fo, struct fault **faults, int *nr);
bool device_run(struct rig *r, struct fault *f);

/* faults_ring.c: a guest's malformed requests, in the twin configuration */
void ring_plan(const struct fault_opts *fo, struct fault **faults, int *nr);
bool ring_run(struct rig *r, struct fault *f);

/* faults_vm.c: faults of the driver VM */
void vm_plan(const struct fault_opts *fo, struct fault **faults, int *nr);
bool vm_run(struct rig *r, struct fault *f);

/* faults_dma.c: each window's DMAs against the frames Xen allowed */
void dma_window_open(struct rig *r, struct fault *f);
/* the window's end; saves Xen's record (dom0 must still answer) */
void dma_window_close(struct rig *r, struct fault *f);
/* the windows of the boot whose QEMU stopped and wrote trace */
void dma_check_boot(struct rig *r, const char *trace);
json_object *dma_json(const struct fault *f);

/* faults_report.c: faults.md, faults.json read back for people */
int faults_write_report(json_object *root, const char *path);

#endif
