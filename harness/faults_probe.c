// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: what every fault shares.  The campaign holds one booted Xen
 * (twin-dom0's machine) and boots it again after a fault that crashed it.
 * A fault's window is the instance attached and every byte of a stream
 * checked both ways (tdpattern, the peer against dom0); the outcome is
 * read from Xen's and dom0's state afterwards, most severe first: Xen
 * gone, dom0 oopsed, bytes corrupted, the instance stopped (and by what),
 * traffic failed, nothing.  Then the recovery: traffic intact again under
 * dom0's own driver, timed, and the instance's references counted back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults_int.h"
#include "util.h"

#define PATTERN_BYTES	2000000	/* per direction: ~1,400 full frames and many short */
#define PATTERN_TIMEOUT_S 45	/* a connect that never answers retries for two minutes */
#define RECOVERY_S	90	/* traffic after the fault: until it is intact, this long */
#define RESET_AFTER_S	20	/* ... and past this, dom0 resets its NIC once */
#define RESET_CMD	"ip link set eth0 down; ip link set eth0 up; . /etc/tdh/lib.sh && tdh_wait_link eth0"

#define SLAB_SLACK	400	/* skbuff_head_cache objects allowed to come and go */
#define LOAD_TIMEOUT_S	240

const char *const outcome_names[NR_OUTCOMES] = {
	[OUT_NOT_INJECTED] = "not_injected",
	[OUT_VERIFIER] = "verifier",
	[OUT_SVM] = "svm",
	[OUT_WATCHDOG] = "watchdog",
	[OUT_INSTANCE_FAULT] = "instance_fault",
	[OUT_NO_EFFECT] = "no_effect",
	[OUT_GUEST_VISIBLE] = "guest_visible",
	[OUT_DEVICE_CORRUPTED] = "device_corrupted",
	[OUT_CORRUPTED] = "corrupted",
	[OUT_DOM0_CRASH] = "dom0_crash",
	[OUT_XEN_CRASH] = "xen_crash",
};

static const char *const reason_names[] = {
	[DIS_REFUSAL] = "an access refused by SVM",
	[DIS_FAULT] = "a CPU exception in the instance",
	[DIS_WATCHDOG] = "the watchdog",
	[DIS_BUG] = "BUG() in the instance",
	[DIS_DENIED] = "a call to a denied function",
	[DIS_DISPATCH] = "an indirect call to an unknown target",
	[DIS_UNLOADED] = "the payload went away",
	[DIS_RETURN] = "a return address not on the shadow stack",
	[DIS_SKB] = "an skb freed twice, delivered after its free, or inconsistent",
	[DIS_DMA] = "a transmit's DMA mapping outside the frame being sent",
	[DIS_DESC] = "a descriptor handed to the NIC outside what the instance mapped, or a tail past the NIC's head",
};

int rig_run(struct rig *r, const char *cmd, double timeout_s, char **out)
{
	if (!r->up)
		return -1;
	return agent_run(&r->a, cmd, timeout_s, out);
}

void rig_boot(struct rig *r)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "xen-%d", ++r->boots);
	info("booting Xen for the campaign (boot %d)", r->boots);
	boot(r->tb, &direct_launcher, &r->m, &r->a, MACHINE_XEN, r->rundir, tag);
	r->up = true;
	r->slab0 = twin_dom0_skbs(&r->a);
}

void rig_release(struct rig *r)
{
	char *trace;

	if (!r->up)
		return;
	trace = r->m.d.trace_file ? xasprintf("%s", r->m.d.trace_file) : NULL;
	release_machine(&r->a, &r->m);
	r->up = false;
	r->domu = false;
	if (!trace)
		return;
	/* QEMU has stopped: the trace is whole, the boot's windows are checked */
	dma_check_boot(r, trace);
	if (!r->keep_trace)
		unlink(trace);	/* ~2 MB a fault: the verdicts are in faults.json */
	free(trace);
}

/*
 * dom0's console (through Xen's, in the boot's console log) shows an oops
 * or a panic: read on the host, no round trip to a dom0 that may not
 * answer (a boot ends with dom0's first oops, so it is this fault's).
 */
bool rig_dom0_oopsed(struct rig *r)
{
	char *log = r->up ? read_file(r->m.d.console_log, NULL) : NULL;
	bool oops = log && (strstr(log, "Oops:") || strstr(log, "Kernel panic") ||
			    strstr(log, "] BUG: ") || strstr(log, "kernel BUG at"));

	free(log);
	return oops;
}

/* Whose crash it is, from Xen's own words in the console log. */
static enum fault_outcome crash_of(struct rig *r)
{
	char *log = read_file(r->m.d.console_log, NULL);
	bool xen = log && (strstr(log, "Panic on CPU") || strstr(log, "FATAL TRAP"));

	free(log);
	return xen ? OUT_XEN_CRASH : OUT_DOM0_CRASH;
}

bool rig_healthy(struct rig *r, enum fault_outcome *why)
{
	char *out = NULL;
	bool dom0;

	if (!r->up || !machine_alive(&r->m)) {
		*why = OUT_XEN_CRASH;
		return false;
	}
	if (rig_dom0_oopsed(r)) {
		*why = crash_of(r);
		return false;
	}
	if (rig_run(r, "dmesg | grep -c -E 'Oops|BUG:|Kernel panic' || true", 60, &out) != 0) {
		/* dom0 does not answer: Xen's own words decide whose fault */
		*why = crash_of(r);
		free(out);
		return false;
	}
	dom0 = out && atoi(out) == 0;
	free(out);
	if (!dom0) {
		*why = OUT_DOM0_CRASH;
		return false;
	}
	return true;
}

bool rig_pattern_with(struct rig *r, const char *ip, bool *corrupt, char *why, size_t len)
{
	char seed[32], bytes[32], *out = NULL;
	char *argv[] = { (char *)r->tdpattern, "check", (char *)ip, "5301", seed, bytes, NULL };
	int rc;

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)++r->pattern_seed);
	snprintf(bytes, sizeof(bytes), "%d", PATTERN_BYTES);
	rc = run_cmd(argv, &out, true, PATTERN_TIMEOUT_S);
	*corrupt = rc == 1;
	snprintf(why, len, "%s", out && *out ? strtok(out, "\n") :
		 rc == -2 ? "tdpattern timed out" : "tdpattern said nothing");
	free(out);
	return rc == 0;
}

bool rig_pattern(struct rig *r, bool *corrupt, char *why, size_t len)
{
	return rig_pattern_with(r, r->cd->guest_ip, corrupt, why, len);
}

bool rig_status(struct rig *r, struct twin_counters *c)
{
	char *out = NULL;
	const char *err;
	bool ok = rig_run(r, "twinctl status --json 2>&1", 60, &out) == 0 && out &&
		  parse_twin_status(out, c, &err);

	free(out);
	return ok;
}

static enum fault_outcome outcome_of_reason(uint64_t reason)
{
	switch (reason) {
	case DIS_WATCHDOG:
		return OUT_WATCHDOG;
	case DIS_FAULT:
	case DIS_BUG:
		return OUT_INSTANCE_FAULT;
	default:
		return OUT_SVM;
	}
}

/* Until dom0 noticed the instance stopped (its fallback detaches it). */
static bool wait_fallback(struct rig *r)
{
	struct twin_counters c;
	int i;

	for (i = 0; i < 40; i++) {
		if (rig_status(r, &c) && !twin_get(&c, "dom0_attached"))
			return true;
		sleep_s(0.5);
	}
	return false;
}

bool rig_crashed(struct rig *r, struct fault *f)
{
	enum fault_outcome why;

	if (rig_healthy(r, &why))
		return false;
	f->outcome = why;
	snprintf(f->detail, sizeof(f->detail), "%s; the console log is %s",
		 why == OUT_XEN_CRASH ? "Xen stopped" : "dom0 oopsed or stopped answering",
		 r->m.d.console_log);
	rig_release(r);
	return true;
}

/* dom0 answers the peer's ping within a second: the cheap question first */
static bool pings(struct rig *r)
{
	char *argv[] = { "ping", "-c", "1", "-W", "1", (char *)r->cd->guest_ip, NULL };

	return run_cmd(argv, NULL, false, 5) == 0;
}

/*
 * The recovery ladder: dom0's driver, once it has the NIC back, first (its
 * fallback after a disable resets the adapter; after the harness's detach
 * it goes on with the rings as the instance left them).  A ring whose tail
 * the instance never wrote, or whose indices it left stale, can leave that
 * driver waiting for frames the NIC was never given: past RESET_AFTER_S
 * dom0 takes its link down and up, which rebuilds both rings, as a
 * recovery manager would.  f->reset records that it took this.
 */
void rig_recover(struct rig *r, struct fault *f, double t_observed)
{
	char why[256] = "dom0 never answered a ping";
	bool corrupt;

	/* an adapter reset takes ~3 s; a stream only once dom0 answers */
	while (!f->traffic_resumed && now_s() - t_observed < RECOVERY_S) {
		enum fault_outcome sick;

		/* dom0's own driver may oops on what the instance left behind */
		if (!rig_healthy(r, &sick))
			break;
		if (!f->reset && now_s() - t_observed > RESET_AFTER_S) {
			f->reset = true;
			info("      no traffic %d s after the fault: dom0 resets its NIC", RESET_AFTER_S);
			rig_run(r, RESET_CMD, 120, NULL);
			continue;
		}
		if (!pings(r)) {
			sleep_s(1);
			continue;
		}
		f->traffic_resumed = rig_pattern(r, &corrupt, why, sizeof(why));
		if (!f->traffic_resumed)
			sleep_s(2);
	}
	if (f->traffic_resumed)
		f->recovery_s = now_s() - t_observed;
	else
		snprintf(f->detail + strlen(f->detail), sizeof(f->detail) - strlen(f->detail),
			 "; traffic did not resume: %.200s", why);
}

void rig_check_leaks(struct rig *r, struct fault *f)
{
	struct twin_counters c;
	long slab = (r->up ? twin_dom0_skbs(&r->a) : -1);

	if (!rig_status(r, &c)) {
		f->leak = true;
		snprintf(f->leak_detail, sizeof(f->leak_detail), "twinctl status failed");
		return;
	}
	if (twin_get(&c, "pinned_pages") || twin_get(&c, "writable_pins") ||
	    twin_get(&c, "pool_outstanding")) {
		f->leak = true;
		snprintf(f->leak_detail, sizeof(f->leak_detail),
			 "after detach: pinned_pages %llu, writable_pins %llu, pool_outstanding %llu",
			 (unsigned long long)twin_get(&c, "pinned_pages"),
			 (unsigned long long)twin_get(&c, "writable_pins"),
			 (unsigned long long)twin_get(&c, "pool_outstanding"));
	} else if (slab < 0 || r->slab0 < 0 || slab > r->slab0 + SLAB_SLACK) {
		f->leak = true;
		snprintf(f->leak_detail, sizeof(f->leak_detail),
			 "dom0's skbuff_head_cache %ld, %ld at the boot's start", slab, r->slab0);
	}
}

/* No payload of the campaign's left in Xen: unload it, or say it is stuck. */
bool rig_unload_payload(struct rig *r)
{
	char *out = NULL;
	bool none;

	if (rig_run(r, "xen-livepatch list 2>&1 | grep -cw twin || true", 60, &out) != 0) {
		free(out);
		return false;
	}
	none = out && atoi(out) == 0;
	free(out);
	if (none)
		return true;
	rig_run(r, "twinctl detach >/dev/null 2>&1; twinctl unload >/dev/null 2>&1", 120, NULL);
	return rig_run(r, "! xen-livepatch list 2>&1 | grep -qw twin", 60, NULL) == 0;
}

/* How much of s to print: its first line, at most max characters. */
static int first_line_len(const char *s, int max)
{
	int n = s ? (int)strcspn(s, "\n") : 0;

	return n < max ? n : max;
}

/* The first line of out, into f->detail after prefix. */
static void detail_line(struct fault *f, const char *prefix, const char *out)
{
	snprintf(f->detail, sizeof(f->detail), "%s%.*s", prefix,
		 out ? (int)strcspn(out, "\n") : 9, out ? out : "no output");
}

/* The window itself: attached, traffic; the outcome from what it left. */
static bool window(struct rig *r, struct fault *f, const struct twin_counters *t0)
{
	struct twin_counters t1, d;
	char why[256] = "", *out = NULL;
	bool attached, ok = false, corrupt = false;

	dma_window_open(r, f);	/* Xen's attach mark falls inside it */
	attached = rig_run(r, "twinctl attach eth0 2>&1", 120, &out) == 0;
	if (attached) {
		ok = rig_pattern(r, &corrupt, why, sizeof(why));
		dma_window_close(r, f);
	} else {
		f->dma.state = DMA_NONE;	/* the instance never had the device */
		detail_line(f, "attach failed: ", out);
	}
	free(out);
	if (rig_crashed(r, f))
		return false;
	if (!rig_status(r, &t1)) {
		f->outcome = OUT_DOM0_CRASH;
		snprintf(f->detail, sizeof(f->detail), "twinctl status failed after the fault");
		rig_release(r);
		return false;
	}
	twin_delta(t0, &t1, &d);
	f->counters = twin_counters_json(&d);
	if (twin_get(&d, "disables")) {
		uint64_t reason = twin_get(&t1, "disabled_reason");

		f->outcome = outcome_of_reason(reason);
		snprintf(f->detail, sizeof(f->detail), "stopped by %s at %#llx",
			 reason < sizeof(reason_names) / sizeof(reason_names[0]) && reason_names[reason] ?
			 reason_names[reason] : "an unknown reason",
			 (unsigned long long)twin_get(&t1, "disabled_where"));
		if (!wait_fallback(r))
			snprintf(f->detail + strlen(f->detail), sizeof(f->detail) - strlen(f->detail),
				 "; dom0 did not take the device back");
	} else if (ok) {
		f->outcome = OUT_NO_EFFECT;
	} else {
		f->outcome = OUT_GUEST_VISIBLE;
		if (attached)
			snprintf(f->detail, sizeof(f->detail), "traffic failed: %.200s", why);
	}
	if (corrupt) {
		/* whatever stopped it afterwards, the bytes were wrong */
		f->outcome = OUT_CORRUPTED;
		snprintf(f->detail, sizeof(f->detail), "%s", why);
	}
	return true;
}

bool rig_inject_payload(struct rig *r, struct fault *f, const char *guest_path)
{
	struct twin_counters t0;
	char *cmd, *out = NULL;
	double t_observed;
	int rc;

	if (!rig_unload_payload(r)) {
		f->outcome = OUT_NOT_INJECTED;
		f->uninjectable = true;
		snprintf(f->detail, sizeof(f->detail), "the previous payload could not be unloaded");
		rig_release(r);
		return false;
	}
	cmd = xasprintf("twinctl load %s%s 2>&1", r->unsafe ? "--force " : "",
			guest_path ? guest_path : "");
	rc = rig_run(r, cmd, LOAD_TIMEOUT_S, &out);
	free(cmd);
	if (rc != 0) {
		char *xen = NULL;

		if (rig_crashed(r, f)) {
			free(out);
			return false;
		}
		/*
		 * Xen's loader resolves only the support interface: a mutant
		 * naming anything else is caught at load.  A mutant that needs
		 * a function of the driver dom0's build inlined (twinctl cannot
		 * resolve it there) cannot run, like one that did not compile.
		 * Any other refusal (a payload built for another Xen) is the
		 * testbed's fault.
		 */
		rig_run(r, "xl dmesg | grep -E 'livepatch|twin' | tail -1", 60, &xen);
		if (xen && strstr(xen, "outside the TwinDrivers support interface")) {
			f->outcome = OUT_VERIFIER;
			detail_line(f, "Xen's loader refused it: ", xen);
		} else if (out && strstr(out, "cannot resolve")) {
			f->outcome = OUT_NOT_INJECTED;
			detail_line(f, "dom0 lacks what the mutant calls: ", out);
		} else {
			f->outcome = OUT_NOT_INJECTED;
			f->uninjectable = true;
			snprintf(f->detail, sizeof(f->detail), "the load failed: %.*s; Xen: %.*s",
				 first_line_len(out, 110), out ? out : "",
				 first_line_len(xen, 110), xen ? xen : "");
		}
		free(xen);
		free(out);
		return true;
	}
	free(out);
	if (!rig_status(r, &t0)) {
		f->outcome = OUT_DOM0_CRASH;
		snprintf(f->detail, sizeof(f->detail), "twinctl status failed after the load");
		rig_release(r);
		return false;
	}
	if (!window(r, f, &t0))
		return false;
	t_observed = now_s();
	/* still attached (nothing stopped it): the harness takes it away */
	if (rig_status(r, &t0) && twin_get(&t0, "attached") &&
	    rig_run(r, "twinctl detach 2>&1", 120, NULL) != 0)
		rig_run(r, RESET_CMD, 120, NULL);
	rig_recover(r, f, t_observed);
	if (rig_crashed(r, f))
		return false;
	if (!f->traffic_resumed) {
		/* dom0 never got its NIC back: the next fault gets a fresh machine */
		rig_release(r);
		return false;
	}
	rig_check_leaks(r, f);
	if (!rig_unload_payload(r)) {
		f->leak = true;
		snprintf(f->leak_detail, sizeof(f->leak_detail), "the payload could not be unloaded");
	}
	return !rig_crashed(r, f);
}
