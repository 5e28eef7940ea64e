// SPDX-License-Identifier: GPL-2.0
/*
 * tdh twin-check: boot Xen with the TwinDrivers runtime once and run the
 * hypervisor instance's invariants as scenarios, each ending held or not:
 *
 *   bad-payload   an instance naming a Xen symbol outside the support
 *                 interface is refused at load, and nothing is loaded
 *   traffic       attached, dom0's iperf3 TX and RX complete, and the
 *                 instance's counters show the frames went through it
 *   down-up       the NIC goes down and up while attached: the hooks
 *                 quiesce and resume the instance, traffic goes through it
 *   corrupt-*     a pointer in the driver's data (an skb's data, the TX
 *                 ring's base, the adapter's TX ring pointer) is
 *                 corrupted: SVM refuses the access, the refusal is
 *                 counted and logged, the instance is disabled, dom0's
 *                 driver takes over and traffic resumes
 *   fault, watchdog
 *                 the payload's own test code faults or spins: the
 *                 instance is disabled the same way, Xen keeps running
 *   cycle         detach, unload, reload and re-attach repeatedly: the
 *                 TLB's frame references and the pool return to zero,
 *                 dom0's skb cache does not grow, traffic still flows
 *
 * Every scenario also requires Xen and dom0 to be alive at its end.
 * Either NIC (--nic): the payload twinctl loads is its driver's.
 * twin-check.json in the run folder (schema tdh-twin-check/1, with the
 * "nic"); exit 0 when
 * every scenario held, 1 when one did not, 2 when the check could not run.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cleanup.h"
#include "netns.h"
#include "results.h"
#include "testbed.h"
#include "twin.h"
#include "twincheck.h"
#include "util.h"

#define JSON_PRETTY	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
#define TRAFFIC_S	4	/* seconds of iperf3 per direction */
#define CYCLES		3
#define SLAB_SLACK	400	/* skbuff_head_cache objects allowed to come and go */

struct check {
	struct testbed_opts t;
	struct machine m;
	struct agent a;
	const struct config_desc *cd;	/* twin-dom0 */
	const char *rundir;
	int traffic_runs;
};

struct scenario {
	const char *name;
	void (*run)(struct check *c, json_object *o, bool *held);
};

static void twincheck_usage(FILE *out)
{
	fprintf(out,
"usage: tdh twin-check [--scenarios LIST] [options]\n"
"  --scenarios LIST   bad-payload,traffic,down-up,retype,corrupt-skb-data,\n"
"                     corrupt-ring-base,corrupt-adapter,fault,watchdog,return,\n"
"                     runtime-frame,cycle\n"
"                     (default: all, in this order)\n");
	testbed_usage(out);
}

/* --- helpers ----------------------------------------------------------- */

static void expect(json_object *o, const char *name, bool ok, bool *held)
{
	json_object *inv;

	if (!json_object_object_get_ex(o, "checks", &inv)) {
		inv = json_object_new_object();
		json_object_object_add(o, "checks", inv);
	}
	json_object_object_add(inv, name, json_object_new_boolean(ok));
	if (!ok)
		info("    %s: FAILED", name);
	*held &= ok;
}

static int run_quiet(struct check *c, const char *cmd, char **out)
{
	return agent_run(&c->a, cmd, 120, out);
}

/* One iperf3 run against dom0; true when it completed with traffic. */
static bool traffic(struct check *c, const char *workload, json_object *o, const char *key)
{
	struct iperf_result ir;
	const char *err = NULL;
	char *path = xasprintf("%s/raw/twin-check-%d-%s-iperf3.json", c->rundir,
			       ++c->traffic_runs, workload);
	bool ok = traffic_run(c->cd, workload, TRAFFIC_S, path, &ir, &err) && ir.mbps > 0;

	json_object_object_add(o, key, ok ? json_object_new_double(ir.mbps) : json_object_new_null());
	info("    %s %s: %s", key, workload, ok ? "completed" : err ? err : "no traffic");
	free(path);
	return ok;
}

/* Xen answers (a crash stops the machine: -no-reboot) and dom0 did not oops. */
static void alive(struct check *c, json_object *o, bool *held)
{
	char *out = NULL;
	bool dom0;

	expect(o, "hypervisor_alive",
	       machine_alive(&c->m) && run_quiet(c, "xl info >/dev/null", NULL) == 0, held);
	dom0 = run_quiet(c, "dmesg | grep -c -E 'Oops|BUG:|Kernel panic' || true", &out) == 0 &&
	       out && atoi(out) == 0;
	expect(o, "dom0_alive", dom0, held);
	free(out);
}

static bool xen_log_has(struct check *c, const char *pattern)
{
	char *cmd = xasprintf("xl dmesg | grep -q -F '%s'", pattern);
	bool found = run_quiet(c, cmd, NULL) == 0;

	free(cmd);
	return found;
}

/* Wait for dom0's fallback (the instance told it it stopped). */
static bool wait_fallback(struct check *c, struct twin_counters *now)
{
	int i;

	for (i = 0; i < 40; i++) {
		twin_status(&c->a, &c->m, now);
		if (!twin_get(now, "dom0_attached"))
			return true;
		sleep_s(0.5);
	}
	return false;
}

static void ensure_loaded(struct check *c)
{
	if (!c->m.twin_loaded) {
		if (run_quiet(c, "twinctl load >/dev/null 2>&1", NULL))
			die(EXIT_RUN, "twin-check: twinctl load failed; Xen's log is in %s", c->m.d.console_log);
		c->m.twin_loaded = true;
	}
}

/* --- scenarios --------------------------------------------------------- */

static void sc_bad_payload(struct check *c, json_object *o, bool *held)
{
	char *out = NULL, *cmd;

	if (c->m.twin_loaded)
		die(EXIT_USAGE, "twin-check: bad-payload must run before the instance is loaded");
	/* the NIC driver's, so that dom0 resolves it and Xen is the one to refuse */
	cmd = xasprintf("twinctl load /lib/twin/%s_bad-interface.livepatch 2>&1", nic_name(c->t.nic));
	expect(o, "load_refused", run_quiet(c, cmd, NULL) != 0, held);
	free(cmd);
	expect(o, "reason_logged",
	       xen_log_has(c, "twin_disable is outside the TwinDrivers support interface"), held);
	expect(o, "nothing_loaded",
	       run_quiet(c, "xen-livepatch list 2>&1 | grep -cw twin || true", &out) == 0 &&
	       out && atoi(out) == 0, held);
	free(out);
}

static void sc_traffic(struct check *c, json_object *o, bool *held)
{
	struct twin_counters t0, t1, d;

	ensure_loaded(c);
	twin_attach(&c->a, &c->m, &c->m.twin_loaded);
	twin_status(&c->a, &c->m, &t0);
	expect(o, "tx_completes", traffic(c, "tx", o, "tx_mbps"), held);
	expect(o, "rx_completes", traffic(c, "rx", o, "rx_mbps"), held);
	/* after detach: dom0 has run every upcall Xen posted */
	twin_detach(&c->a, &c->m);
	twin_status(&c->a, &c->m, &t1);
	twin_delta(&t0, &t1, &d);
	json_object_object_add(o, "counters", twin_counters_json(&d));
	/* through the instance, not through dom0's copy of the fast path */
	expect(o, "frames_sent_by_instance", twin_get(&d, "tx_frames") > 1000, held);
	expect(o, "frames_received_by_instance", twin_get(&d, "rx_frames") > 1000, held);
	expect(o, "interrupts_handled", twin_get(&d, "interrupts") > 0, held);
	expect(o, "napi_polls", twin_get(&d, "polls") > 0, held);
	expect(o, "svm_hits_and_misses", twin_get(&d, "svm_hits") > 0 && twin_get(&d, "svm_misses") > 0,
	       held);
	expect(o, "upcalls_executed", twin_get(&d, "upcalls") > 0 &&
	       twin_get(&d, "dom0_upcalls_run") == twin_get(&d, "upcalls"), held);
	expect(o, "no_refusal", !twin_get(&d, "svm_refusals") && !twin_get(&d, "disables"), held);
	/* the RX ring as Xen handed it back, and again under dom0's driver */
	expect(o, "rx_ring_handed_over_intact", twin_get(&d, "dom0_check_runs") >= 1 &&
	       !twin_get(&d, "dom0_check_problems"), held);
	expect(o, "rx_ring_intact_after", run_quiet(c, "twinctl check", NULL) == 0, held);
	alive(c, o, held);
}

/* Attach, break something, send: the instance must stop, dom0 take over. */
static void disable_scenario(struct check *c, json_object *o, bool *held, const char *cmd,
			     unsigned int reason, const char *counter)
{
	struct twin_counters t0, t1, d;
	bool fell_back;

	ensure_loaded(c);
	twin_attach(&c->a, &c->m, &c->m.twin_loaded);
	twin_status(&c->a, &c->m, &t0);
	expect(o, "injected", run_quiet(c, cmd, NULL) == 0, held);
	/* a frame to carry a corruption: dom0 transmits */
	run_quiet(c, "ping -c 3 -W 1 10.99.0.1 >/dev/null 2>&1 || true", NULL);
	fell_back = wait_fallback(c, &t1);
	twin_delta(&t0, &t1, &d);
	json_object_object_add(o, "counters", twin_counters_json(&d));
	expect(o, "instance_disabled", twin_get(&d, "disables") == 1 &&
	       twin_get(&t1, "disabled_reason") == reason, held);
	if (counter)
		expect(o, "counted", twin_get(&d, counter) >= 1, held);
	if (reason == DIS_REFUSAL)
		expect(o, "refusal_logged", xen_log_has(c, "svm: refused access to"), held);
	if (reason == DIS_RETURN)
		expect(o, "return_refused_logged",
		       xen_log_has(c, "twin: return to 0x1234 refused (the shadow stack holds"), held);
	expect(o, "vm_instance_took_over", fell_back && twin_get(&d, "dom0_fallbacks") == 1, held);
	/* the fallback resets the adapter: give it its few seconds */
	sleep_s(3);
	expect(o, "traffic_resumes", traffic(c, "tx", o, "after_mbps") ||
	       (sleep_s(3), traffic(c, "tx", o, "after_mbps")), held);
	alive(c, o, held);
}

static void sc_corrupt_skb(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl corrupt skb-data", DIS_REFUSAL, "svm_refusals");
}

static void sc_corrupt_ring(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl corrupt ring-base", DIS_REFUSAL, "svm_refusals");
}

static void sc_corrupt_adapter(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl corrupt adapter", DIS_REFUSAL, "svm_refusals");
}

static void sc_fault(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl selftest fault", DIS_FAULT, "faults");
}

static void sc_watchdog(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl selftest spin", DIS_WATCHDOG, "watchdogs");
}

/* the shadow return stack in Xen: a return slot written, the return refused */
static void sc_return(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl selftest return", DIS_RETURN, NULL);
}

/* a copy aimed below the caller's %rsp, at the support code's own frames */
static void sc_runtime_frame(struct check *c, json_object *o, bool *held)
{
	disable_scenario(c, o, held, "twinctl selftest frame", DIS_REFUSAL, "svm_refusals");
}

/*
 * The NIC goes down and up while attached (the hook patch's quiesce in
 * the driver's down, resume in its up): the instance hands the device back,
 * the driver rebuilds its rings, and the instance takes it again.
 */
static void sc_down_up(struct check *c, json_object *o, bool *held)
{
	struct twin_counters t0, t1, d;

	ensure_loaded(c);
	twin_attach(&c->a, &c->m, &c->m.twin_loaded);
	twin_status(&c->a, &c->m, &t0);
	expect(o, "down_up", run_quiet(c, "ip link set eth0 down && ip link set eth0 up && "
				       ". /etc/tdh/lib.sh && tdh_wait_link eth0", NULL) == 0, held);
	twin_status(&c->a, &c->m, &t1);
	twin_delta(&t0, &t1, &d);
	json_object_object_add(o, "counters", twin_counters_json(&d));
	expect(o, "quiesced_and_resumed", twin_get(&d, "detaches") == 1 &&
	       twin_get(&d, "attaches") == 1 && twin_get(&t1, "attached") == 1, held);
	expect(o, "traffic_through_instance", traffic(c, "tx", o, "after_mbps"), held);
	twin_status(&c->a, &c->m, &t1);
	expect(o, "still_attached", twin_get(&t1, "attached") == 1 && !twin_get(&t1, "disables"), held);
	twin_detach(&c->a, &c->m);
	alive(c, o, held);
}

/*
 * dom0 turns a page the instance's TLB caches writable into a page table
 * (twinctl selftest retype, guest/twin/twin_selftest.c): Xen's type change
 * drops the TLB's entries and goes ahead, the instance keeps running.
 */
static void sc_retype(struct check *c, json_object *o, bool *held)
{
	struct twin_counters t0, t1, d;

	ensure_loaded(c);
	twin_attach(&c->a, &c->m, &c->m.twin_loaded);
	expect(o, "traffic_before", traffic(c, "tx", o, "before_mbps"), held);
	twin_status(&c->a, &c->m, &t0);
	expect(o, "writable_entries_typed", twin_get(&t0, "writable_pins") > 0 &&
	       twin_get(&t0, "writable_pins") <= twin_get(&t0, "pinned_pages"), held);
	expect(o, "selftest_retype", run_quiet(c, "twinctl selftest retype", NULL) == 0, held);
	twin_status(&c->a, &c->m, &t1);
	twin_delta(&t0, &t1, &d);
	json_object_object_add(o, "counters", twin_counters_json(&d));
	expect(o, "tlb_let_go", twin_get(&d, "svm_retype_flushes") >= 1, held);
	expect(o, "still_attached", twin_get(&t1, "attached") == 1 && !twin_get(&d, "disables"),
	       held);
	expect(o, "traffic_after", traffic(c, "tx", o, "after_mbps"), held);
	twin_detach(&c->a, &c->m);
	alive(c, o, held);
}

static void sc_cycle(struct check *c, json_object *o, bool *held)
{
	json_object *cycles = json_object_new_array();
	struct twin_counters t;
	long slab0, slab;
	bool clean = true;
	int i;

	ensure_loaded(c);
	slab0 = twin_dom0_skbs(&c->a);
	for (i = 1; i <= CYCLES; i++) {
		json_object *x = json_object_new_object();
		bool ok;

		twin_attach(&c->a, &c->m, &c->m.twin_loaded);
		ok = run_quiet(c, "ping -c 3 -W 2 10.99.0.1 >/dev/null", NULL) == 0;
		twin_detach(&c->a, &c->m);
		twin_status(&c->a, &c->m, &t);
		slab = twin_dom0_skbs(&c->a);
		ok &= !twin_get(&t, "pinned_pages") && !twin_get(&t, "writable_pins") &&
		      !twin_get(&t, "pool_outstanding") &&
		      !twin_get(&t, "dom0_check_problems");
		ok &= slab >= 0 && slab0 >= 0 && slab <= slab0 + SLAB_SLACK;
		/* reload the payload itself too */
		ok &= run_quiet(c, "twinctl unload >/dev/null 2>&1 && twinctl load >/dev/null 2>&1", NULL) == 0;
		json_object_object_add(x, "pinned_pages", json_object_new_uint64(twin_get(&t, "pinned_pages")));
		json_object_object_add(x, "pool_outstanding",
				       json_object_new_uint64(twin_get(&t, "pool_outstanding")));
		json_object_object_add(x, "skbuff_head_cache", json_object_new_int64(slab));
		json_object_object_add(x, "ok", json_object_new_boolean(ok));
		json_object_array_add(cycles, x);
		info("    cycle %d: %s (skbuff_head_cache %ld, was %ld)", i, ok ? "clean" : "NOT clean",
		     slab, slab0);
		clean &= ok;
	}
	json_object_object_add(o, "cycles", cycles);
	expect(o, "counts_return_to_start", clean, held);
	twin_attach(&c->a, &c->m, &c->m.twin_loaded);
	expect(o, "traffic_after_cycles", traffic(c, "tx", o, "after_mbps"), held);
	twin_detach(&c->a, &c->m);
	alive(c, o, held);
}

static const struct scenario scenarios[] = {
	{ "bad-payload", sc_bad_payload },
	{ "traffic", sc_traffic },
	{ "down-up", sc_down_up },
	{ "retype", sc_retype },
	{ "corrupt-skb-data", sc_corrupt_skb },
	{ "corrupt-ring-base", sc_corrupt_ring },
	{ "corrupt-adapter", sc_corrupt_adapter },
	{ "fault", sc_fault },
	{ "watchdog", sc_watchdog },
	{ "return", sc_return },
	{ "runtime-frame", sc_runtime_frame },
	{ "cycle", sc_cycle },
};

#define NR_SCENARIOS (int)(sizeof(scenarios) / sizeof(scenarios[0]))

/* --- the command ------------------------------------------------------- */

static void parse(struct check *c, bool *want, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scenarios", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		TESTBED_LONGOPTS,
		{ 0 }
	};
	char *tok, *save;
	int ch, i;

	testbed_defaults(&c->t);
	c->t.repeats = 1;
	testbed_record_args(&c->t, argc, argv);
	for (i = 0; i < NR_SCENARIOS; i++)
		want[i] = true;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			for (i = 0; i < NR_SCENARIOS; i++)
				want[i] = false;
			for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				for (i = 0; i < NR_SCENARIOS && strcmp(scenarios[i].name, tok); i++)
					;
				if (i == NR_SCENARIOS)
					die(EXIT_USAGE, "unknown scenario '%s'; see 'tdh twin-check --help'", tok);
				want[i] = true;
			}
			break;
		TESTBED_OPTION_CASES:
			testbed_option(&c->t, ch, optarg);
			break;
		case 'h':
			twincheck_usage(stdout);
			exit(0);
		default:
			testbed_bad_option("twin-check", argv);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'; see 'tdh twin-check --help'", argv[optind]);
	c->t.configs[0] = "twin-dom0";
	c->t.nr_configs = 1;
}

int twincheck_main(int argc, char **argv)
{
	struct check c = { 0 };
	bool want[NR_SCENARIOS], all = true;
	struct testbed tb;
	json_object *root, *res;
	char *rundir, *path;
	const char *text;
	int i;

	parse(&c, want, argc, argv);
	c.cd = find_config("twin-dom0");
	testbed_open(&tb, &c.t, &direct_launcher, NULL);
	c.rundir = rundir = tb.rundir;
	boot(&tb, &direct_launcher, &c.m, &c.a, MACHINE_XEN, rundir, "xen");

	root = json_object_new_object();
	res = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string("tdh-twin-check/1"));
	json_object_object_add(root, "args", json_object_new_string(c.t.args));
	json_object_object_add(root, "nic", json_object_new_string(nic_name(c.t.nic)));
	json_object_object_add(root, "versions", versions_to_json(&tb.versions));
	json_object_object_add(root, "scenarios", res);
	for (i = 0; i < NR_SCENARIOS; i++) {
		json_object *o;
		bool held = true;

		if (!want[i])
			continue;
		info("scenario %s", scenarios[i].name);
		o = json_object_new_object();
		scenarios[i].run(&c, o, &held);
		json_object_object_add(o, "held", json_object_new_boolean(held));
		json_object_object_add(res, scenarios[i].name, o);
		info("  %s: %s", scenarios[i].name, held ? "held" : "DID NOT HOLD");
		all &= held;
	}
	json_object_object_add(root, "held", json_object_new_boolean(all));

	path = xasprintf("%s/twin-check.json", rundir);
	text = json_object_to_json_string_ext(root, JSON_PRETTY);
	if (write_file(path, text, strlen(text)))
		die(EXIT_RUN, "cannot write %s", path);
	shutdown_machine(&c.a, &c.m);
	testbed_close(&tb);
	printf("\ntwin-check: %s; %s\n", all ? "every scenario held" : "A SCENARIO DID NOT HOLD", path);
	json_object_put(root);
	free(path);
	return all ? 0 : EXIT_RUN;
}
