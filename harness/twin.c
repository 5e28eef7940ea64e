// SPDX-License-Identifier: GPL-2.0
/*
 * tdh: loading, attaching and reading the hypervisor instance through
 * twinctl in dom0 (guest/tools/twinctl), over the agent.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twin.h"
#include "util.h"

/* Counters that are a state, not a count: their value at the end. */
static const char *const gauges[] = {
	"loaded", "attached", "disabled_reason", "disabled_where", "pinned_pages", "writable_pins",
	"pool_outstanding", "entry_ns_max", "dom0_attached", "dom0_wanted",
	"dom0_last_disable", "vifs", "txpool_size", "txpool_outstanding", "ring_mappings",
	"xen_ports", NULL,
};

static bool is_gauge(const char *name)
{
	int i;

	for (i = 0; gauges[i]; i++)
		if (!strcmp(gauges[i], name))
			return true;
	return false;
}

static bool add(struct twin_counters *c, const char *prefix, const char *name, json_object *v)
{
	if (c->nr == TWIN_MAX_COUNTERS || !json_object_is_type(v, json_type_int))
		return false;
	snprintf(c->name[c->nr], sizeof(c->name[0]), "%s%s", prefix, name);
	c->v[c->nr++] = json_object_get_uint64(v);
	return true;
}

bool parse_twin_status(const char *json, struct twin_counters *c, const char **err)
{
	const char *brace = json ? strchr(json, '{') : NULL;
	json_object *root = brace ? json_tokener_parse(brace) : NULL, *dom0 = NULL;
	bool ok = true;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	if (!root || !json_object_is_type(root, json_type_object)) {
		*err = "twinctl status printed no JSON object";
		ok = false;
		goto out;
	}
	/* one level of objects ("dom0", "guest"): their counters get its prefix */
	json_object_object_foreach(root, key, val) {
		if (json_object_is_type(val, json_type_object)) {
			char prefix[16];

			if (!strcmp(key, "dom0"))
				dom0 = val;
			snprintf(prefix, sizeof(prefix), "%s_", key);
			json_object_object_foreach(val, k2, v2)
				if (!add(c, prefix, k2, v2))
					ok = false;
		} else if (!add(c, "", key, val)) {
			ok = false;
		}
	}
	if (!ok) {
		*err = "twinctl status: a counter that is not a whole number, or too many";
	} else if (!dom0 || !json_object_object_get_ex(root, "loaded", NULL)) {
		*err = "twinctl status: no \"loaded\" counter or no \"dom0\" object";
		ok = false;
	}
out:
	if (root)
		json_object_put(root);
	return ok;
}

json_object *twin_counters_json(const struct twin_counters *c)
{
	json_object *o = json_object_new_object();
	int i;

	for (i = 0; i < c->nr; i++)
		json_object_object_add(o, c->name[i], json_object_new_uint64(c->v[i]));
	return o;
}

uint64_t twin_get(const struct twin_counters *c, const char *name)
{
	int i;

	for (i = 0; i < c->nr; i++)
		if (!strcmp(c->name[i], name))
			return c->v[i];
	return 0;
}

void twin_delta(const struct twin_counters *before, const struct twin_counters *after,
		struct twin_counters *delta)
{
	int i;

	*delta = *after;
	for (i = 0; i < after->nr; i++)
		if (!is_gauge(after->name[i]))
			delta->v[i] = after->v[i] - twin_get(before, after->name[i]);
}

static void twinctl(struct agent *a, struct machine *m, const char *cmd, double timeout_s,
		    char **out, const char *what)
{
	char *o = NULL;
	int rc = agent_run(a, cmd, timeout_s, &o);

	if (rc != 0)
		die(EXIT_RUN, "twinctl: %s failed (status %d): %s; Xen's and dom0's logs are in %s",
		    what, rc, o && *o ? strtok(o, "\n") : "no output", m->d.console_log);
	if (out)
		*out = o;
	else
		free(o);
}

void twin_attach(struct agent *a, struct machine *m, bool *loaded)
{
	if (!*loaded) {
		info("  loading the derived instance into Xen (twinctl load)");
		twinctl(a, m, "twinctl load 2>&1 >/dev/null", 120, NULL,
			"loading the instance");
		*loaded = true;
	}
	twinctl(a, m, "twinctl attach eth0 2>&1", 60, NULL, "attaching the instance");
}

void twin_status(struct agent *a, struct machine *m, struct twin_counters *c)
{
	const char *err;
	char *out = NULL;

	twinctl(a, m, "twinctl status --json 2>&1", 30, &out, "reading its counters");
	if (!parse_twin_status(out, c, &err))
		die(EXIT_RUN, "twin-dom0: %s (console log %s)", err, m->d.console_log);
	free(out);
}

long twin_dom0_skbs(struct agent *a)
{
	char *out = NULL;
	long n = -1;

	if (agent_run(a, "awk '$1 == \"skbuff_head_cache\" { print $2 }' /proc/slabinfo", 120, &out) == 0 &&
	    out)
		n = atol(out);
	free(out);
	return n;
}

void twin_detach(struct agent *a, struct machine *m)
{
	twinctl(a, m, "twinctl detach 2>&1", 60, NULL, "detaching the instance");
}

/*
 * The domU's vif (netback's vif<domid>.0; the harness runs one domU with
 * one vif) handed to Xen, and taken back to netback.  coalesce: Xen may
 * coalesce the guest's received segments into GSO packets (the twin
 * module's rx_gso, read at the attach).
 */
#define DOMU_VIF "$(ls /sys/class/net | grep -E '^vif[0-9]+\\.0$')"

void twin_vif_attach(struct agent *a, struct machine *m, bool coalesce)
{
	char *cmd = xasprintf("echo %c > /sys/module/twin/parameters/rx_gso && v=" DOMU_VIF "; "
			      "[ -n \"$v\" ] || { echo 'no vif of the domU in dom0'; exit 1; }; "
			      "twinctl vif attach $v 2>&1", coalesce ? 'Y' : 'N');

	twinctl(a, m, cmd, 60, NULL, "handing the domU's vif to Xen");
	free(cmd);
}

void twin_vif_detach(struct agent *a, struct machine *m)
{
	twinctl(a, m, "twinctl vif detach " DOMU_VIF " 2>&1", 60, NULL,
		"taking the domU's vif back to netback");
}
