// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: a guest attacks the guests' path.  The machine runs the twin
 * configuration (the instance attached to dom0's e1000, the domU's netfront
 * served by Xen); the domU's tdvif (guest/tools/tdvif, a user-space
 * netfront) connects a second vif of its own, Xen is handed that vif, and
 * tdvif fills its rings with seeded random requests: bad, foreign and
 * revoked grant references, sizes, offsets and flag chains, and now and
 * then a fatal one (a slot past its page, a chain of 21, an unknown extra,
 * a producer index that jumps), after which Xen gives the vif back to
 * netback and the round ends.  Rounds go on until the requests reach the
 * campaign's target (ring:fuzz); one more round tears the vif down while
 * tdvif is still writing (ring:teardown).  Meanwhile the domU's own vif
 * and dom0 carry a checked stream each: other traffic must keep flowing.
 * Xen, dom0 and the domU must live through it, every refusal is counted
 * (tdvif's error responses, Xen's requests_refused and fatal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults_int.h"
#include "util.h"

#define ROUND_REQUESTS	20000	/* tdvif's count per round; a fatal one ends it sooner */
#define FATAL_PPM	50	/* fatal request groups per million */
/*
 * A bound, not the target: most rounds end early on a fatal group (about
 * 2,300 requests each measured), so 10^5 requests take about 45 rounds.
 */
#define ROUNDS_MAX	400

struct ring_totals {
	unsigned long requests, okay, error, dropped, null, unanswered;
	uint64_t refused, fatal;	/* Xen's counters (twinctl status, guest) */
	int rounds, traffic_failures;
};

void ring_plan(const struct fault_opts *fo, struct fault **faults, int *nr)
{
	static const char *const ids[] = { "ring:fuzz", "ring:teardown" };
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct fault *f = fault_add(fo, faults, nr, FK_RING, ids[i]);

		if (!f)
			continue;
		f->what = json_object_new_object();
		json_object_object_add(f->what, "fault", json_object_new_string(i ?
			"a guest's vif torn down while tdvif writes seeded random requests into it" :
			"seeded random requests in a guest's vif rings, malformed and now and then fatal"));
	}
}

/* dom0's commands; the domU's through its xenstore agent (domu-run) */
static bool dom0(struct rig *r, const char *cmd, char **out)
{
	return rig_run(r, cmd, 180, out) == 0;
}

static char *dom0_line(struct rig *r, const char *cmd)
{
	char *out = NULL;

	if (!dom0(r, cmd, &out) || !out) {
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* The domU up, the instance attached to eth0 and to the domU's own vif. */
static bool twin_guest_up(struct rig *r, char **domid)
{
	rig_release(r);
	rig_boot(r);
	start_domu(&r->a, &r->m, NULL);
	*domid = dom0_line(r, "xl domid domU");
	return *domid && dom0(r, "twinctl load >/dev/null 2>&1 && twinctl attach eth0 && "
			      "twinctl vif attach vif$(xl domid domU).0", NULL);
}

static bool parse_report(const char *out, struct ring_totals *t)
{
	const char *p = out ? strstr(out, "tdvif: requests ") : NULL;
	unsigned long req, ok, err, drop, nul;
	long unans;

	if (!p || sscanf(p, "tdvif: requests %lu, responses: okay %lu, error %lu, dropped %lu, "
			 "null %lu, unanswered %ld", &req, &ok, &err, &drop, &nul, &unans) != 6)
		return false;
	t->requests += req;
	t->okay += ok;
	t->error += err;
	t->dropped += drop;
	t->null += nul;
	t->unanswered += unans > 0 ? unans : 0;
	return true;
}

/*
 * One round: a fresh second vif, tdvif connected and fuzzing it, Xen
 * serving it, the other streams checked meanwhile.  False when the round
 * could not be set up or tdvif never reported (the detail says which).
 */
static bool round_run(struct rig *r, struct fault *f, const char *domid, int n, uint64_t seed,
		      bool teardown, struct ring_totals *t)
{
	char *cmd, *devid, *out = NULL, why[256];
	struct twin_counters t0, t1;
	bool ok = false, corrupt, streams;
	int i;

	cmd = xasprintf("xl network-attach domU mac=00:16:3e:00:02:%02x bridge=xenbr0 script=vif-tdh && "
			"xl network-list domU | awk '$3 == \"00:16:3e:00:02:%02x\" { print $1 }'", n, n);
	devid = dom0_line(r, cmd);
	free(cmd);
	if (!devid || !*devid) {
		snprintf(f->detail, sizeof(f->detail), "round %d: xl network-attach failed", n);
		goto out;
	}
	/* netfront takes every vif: it lets go of this one, tdvif takes it */
	cmd = xasprintf("domu-run domU 'echo vif-%s > /sys/bus/xen/drivers/vif/unbind' && "
			"xenstore-rm /local/domain/%s/data/tdvif/go 2>/dev/null; "
			"domu-run domU 'rm -f /tmp/tdvif.out; (tdvif %s fuzz %llu %d %d > /tmp/tdvif.out 2>&1 &)' && "
			"i=0; until domu-run domU 'grep -q connected /tmp/tdvif.out'; do i=$((i+1)); "
			"[ $i -gt 60 ] && { domu-run domU 'cat /tmp/tdvif.out'; exit 1; }; sleep 0.5; done && "
			"twinctl vif attach vif%s.%s", devid, domid, devid, (unsigned long long)seed,
			ROUND_REQUESTS, FATAL_PPM, domid, devid);
	if (!dom0(r, cmd, &out) || !rig_status(r, &t0)) {
		free(cmd);
		snprintf(f->detail, sizeof(f->detail), "round %d: tdvif did not connect: %.180s", n,
			 out ? out : "");
		goto out;
	}
	free(cmd);
	cmd = xasprintf("xenstore-write /local/domain/%s/data/tdvif/go 1", domid);
	dom0(r, cmd, NULL);
	free(cmd);
	if (teardown) {
		/* the vif goes while tdvif is still writing into it */
		sleep_s(2);
		cmd = xasprintf("xl network-detach domU %s", devid);
		dom0(r, cmd, NULL);
		free(cmd);
	}
	/* the domU's own vif and dom0, served by Xen, while the guest attacks */
	streams = rig_pattern_with(r, "10.99.0.3", &corrupt, why, sizeof(why)) &&
		  rig_pattern(r, &corrupt, why, sizeof(why));
	if (!streams) {
		t->traffic_failures++;
		snprintf(f->detail, sizeof(f->detail), "round %d: other traffic failed: %.180s", n, why);
	}
	if (corrupt)
		f->outcome = OUT_CORRUPTED;
	for (i = 0; i < 300; i++) {
		free(out);
		out = NULL;
		if (dom0(r, "domu-run domU 'grep ^tdvif:.requests /tmp/tdvif.out'", &out) &&
		    parse_report(out, t))
			break;
		sleep_s(1);
	}
	if (i == 300) {
		snprintf(f->detail, sizeof(f->detail), "round %d: tdvif never reported", n);
		goto out;
	}
	if (rig_status(r, &t1)) {
		t->refused += twin_get(&t1, "guest_requests_refused") - twin_get(&t0, "guest_requests_refused");
		t->fatal += twin_get(&t1, "guest_fatal") - twin_get(&t0, "guest_fatal");
	}
	t->rounds++;
	ok = true;
out:
	/* served by Xen still, or given back to netback after a fatal one */
	cmd = xasprintf("twinctl vif detach vif%s.%s >/dev/null 2>&1; xl network-detach domU %s 2>/dev/null; true",
			domid, devid ? devid : "none", devid ? devid : "none");
	dom0(r, cmd, NULL);
	free(cmd);
	free(devid);
	free(out);
	return ok;
}

static void totals_json(json_object *what, const struct ring_totals *t)
{
	json_object_object_add(what, "rounds", json_object_new_int(t->rounds));
	json_object_object_add(what, "requests", json_object_new_uint64(t->requests));
	json_object_object_add(what, "okay", json_object_new_uint64(t->okay));
	json_object_object_add(what, "error", json_object_new_uint64(t->error));
	json_object_object_add(what, "dropped", json_object_new_uint64(t->dropped));
	json_object_object_add(what, "null", json_object_new_uint64(t->null));
	json_object_object_add(what, "unanswered", json_object_new_uint64(t->unanswered));
	json_object_object_add(what, "xen_requests_refused", json_object_new_uint64(t->refused));
	json_object_object_add(what, "xen_fatal", json_object_new_uint64(t->fatal));
	json_object_object_add(what, "traffic_failures", json_object_new_int(t->traffic_failures));
}

bool ring_run(struct rig *r, struct fault *f)
{
	static char *domid;
	struct ring_totals t = { 0 };
	bool teardown = !strcmp(f->id, "ring:teardown");
	unsigned long before = 0;
	int n;

	/* the twin configuration, once for both ring faults */
	if (!r->up || !r->domu) {
		free(domid);
		if (!twin_guest_up(r, &domid)) {
			f->outcome = OUT_NOT_INJECTED;
			f->uninjectable = true;
			snprintf(f->detail, sizeof(f->detail), "the twin configuration did not come up");
			return !rig_crashed(r, f);
		}
		r->domu = true;
	}
	f->outcome = OUT_NO_EFFECT;
	for (n = 1; n <= ROUNDS_MAX; n++) {
		uint64_t seed = r->seed * 1000003 + n + (teardown ? 500 : 0);
		bool ok = round_run(r, f, domid, n + (teardown ? 100 : 0), seed, teardown, &t);

		if (rig_crashed(r, f))
			break;
		if (!ok) {
			f->outcome = OUT_NOT_INJECTED;
			f->uninjectable = true;
			break;
		}
		info("      round %d: %lu requests so far, %lu refused by error, %llu fatal", n,
		     t.requests, t.error, (unsigned long long)t.fatal);
		if (t.requests == before) {
			/* tdvif wrote nothing: the testbed's failure, not a result */
			f->outcome = OUT_NOT_INJECTED;
			f->uninjectable = true;
			snprintf(f->detail, sizeof(f->detail), "round %d wrote no request", n);
			break;
		}
		before = t.requests;
		if (teardown || t.requests >= r->ring_requests)
			break;
	}
	if (f->outcome == OUT_NO_EFFECT && t.traffic_failures)
		f->outcome = OUT_GUEST_VISIBLE;
	/* the attacker's own domain lives on too (xl's state column: c, crashed) */
	if (r->up && !dom0(r, "xl list domU | awk 'NR == 2 && $5 !~ /c/ { ok = 1 } END { exit !ok }'",
			   NULL)) {
		f->outcome = OUT_GUEST_VISIBLE;
		snprintf(f->detail, sizeof(f->detail), "the domU is gone or crashed");
	}
	totals_json(f->what, &t);
	f->ring_requests = t.requests;
	f->ring_refused = t.refused;
	f->ring_fatal = t.fatal;
	return r->up;
}
