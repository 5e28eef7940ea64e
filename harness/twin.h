/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the twin-dom0 configuration's instrument.  Around each of its
 * measurements the harness loads the derived instance into Xen (once a
 * boot), attaches it to dom0's e1000, takes the counters twinctl reports
 * before and after, and detaches it again, so that the dom0
 * configuration, measured in the same boot, runs on dom0's own driver.
 */
#ifndef TDH_TWIN_H
#define TDH_TWIN_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "agent.h"

#define TWIN_MAX_COUNTERS 192

/* twinctl status --json, flattened: dom0's counters named dom0_<name>. */
struct twin_counters {
	int nr;
	char name[TWIN_MAX_COUNTERS][32];
	uint64_t v[TWIN_MAX_COUNTERS];
};

/* Parse twinctl's JSON; false with *err set when it is unusable. */
bool parse_twin_status(const char *json, struct twin_counters *c, const char **err);
/* The counters as one JSON object, name: value. */
json_object *twin_counters_json(const struct twin_counters *c);
/* The value of a counter, or 0 when absent. */
uint64_t twin_get(const struct twin_counters *c, const char *name);
/*
 * after - before for the counters that count, after's value for the
 * gauges (attached, pinned_pages, pool_outstanding, entry_ns_max, ...).
 */
void twin_delta(const struct twin_counters *before, const struct twin_counters *after,
		struct twin_counters *delta);

/* hv/xen/public/twin.h's TWIN_DIS_*: why the instance stopped itself */
enum twin_disable_reason {
	DIS_REFUSAL = 1, DIS_FAULT, DIS_WATCHDOG, DIS_BUG, DIS_DENIED, DIS_DISPATCH,
	DIS_UNLOADED, DIS_RETURN, DIS_SKB, DIS_DMA, DIS_DESC
};

/* dom0's skbuff_head_cache objects (/proc/slabinfo), or -1. */
long twin_dom0_skbs(struct agent *a);

/* Load (first time in this boot) and attach; die() naming the log on failure. */
void twin_attach(struct agent *a, struct machine *m, bool *loaded);
void twin_status(struct agent *a, struct machine *m, struct twin_counters *c);
void twin_detach(struct agent *a, struct machine *m);
/* The twin configuration: the domU's vif served by Xen, then netback again. */
void twin_vif_attach(struct agent *a, struct machine *m, bool coalesce);
void twin_vif_detach(struct agent *a, struct machine *m);

#endif
