// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: faults of the driver VM.  The real instance is attached and
 * traffic flows while dom0 loses its side of TwinDrivers: the e1000 driver
 * unbound from the device, the twin module removed, or dom0 starved of
 * CPU by Xen's scheduler.  Xen must detach cleanly (nothing attached to a
 * device dom0 let go of, no frame still referenced) and keep running;
 * after dom0 is given its part back, traffic must be intact again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults_int.h"
#include "util.h"

struct vm_fault {
	const char *name;
	const char *what;
	const char *inject;	/* in dom0, while the peer's stream runs */
	const char *restore;	/* in dom0, afterwards: dom0's driver runs the device again */
	bool detaches;		/* Xen must no longer be attached afterwards */
};

#define E1000_PCI	"$(basename $(readlink /sys/class/net/eth0/device))"
#define RELINK		"brctl addif xenbr0 eth0 2>/dev/null; ip link set eth0 up; " \
			". /etc/tdh/lib.sh && tdh_wait_link eth0"

static const struct vm_fault vm_faults[] = {
	{ "unbind-e1000", "dom0's e1000 driver unbound from the NIC while the instance runs it",
	  "mkdir -p /run/faults && echo " E1000_PCI " > /run/faults/e1000-pci && "
	  "cat /run/faults/e1000-pci > /sys/bus/pci/drivers/e1000/unbind",
	  "cat /run/faults/e1000-pci > /sys/bus/pci/drivers/e1000/bind && sleep 1 && " RELINK, true },
	{ "rmmod-twin", "dom0's twin module removed while the instance is attached",
	  "rmmod twin",
	  "twinctl unload >/dev/null 2>&1; twinctl load >/dev/null", true },
	/* 10%: at 2% TCG's dom0 took minutes to come back from its sleep */
	{ "stall-dom0", "dom0 capped to 10% of a CPU by Xen's scheduler for 5 s under traffic",
	  "xl sched-credit2 -d Domain-0 -c 10 && sleep 5; xl sched-credit2 -d Domain-0 -c 0",
	  "xl sched-credit2 -d Domain-0 -c 0", false },
};

#define NR_VM_FAULTS (int)(sizeof(vm_faults) / sizeof(vm_faults[0]))

static const struct vm_fault *find_vm_fault(const char *id)
{
	int i;

	for (i = 0; i < NR_VM_FAULTS; i++)
		if (!strcmp(id + strlen("vm:"), vm_faults[i].name))
			return &vm_faults[i];
	return NULL;
}

void vm_plan(const struct fault_opts *fo, struct fault **faults, int *nr)
{
	char id[64];
	int i;

	for (i = 0; i < NR_VM_FAULTS; i++) {
		struct fault *f;

		snprintf(id, sizeof(id), "vm:%s", vm_faults[i].name);
		f = fault_add(fo, faults, nr, FK_VM, id);
		if (!f)
			continue;
		f->what = json_object_new_object();
		json_object_object_add(f->what, "fault", json_object_new_string(vm_faults[i].what));
		json_object_object_add(f->what, "inject", json_object_new_string(vm_faults[i].inject));
	}
}

/* The real instance loaded and attached. */
static bool attach_real(struct rig *r, struct fault *f)
{
	char *out = NULL;
	bool ok;

	ok = rig_unload_payload(r) &&
	     rig_run(r, "twinctl load 2>&1 >/dev/null && twinctl attach eth0 2>&1", 240, &out) == 0;
	if (!ok)
		snprintf(f->detail, sizeof(f->detail), "the real instance did not load and attach: %.*s",
			 out ? (int)strcspn(out, "\n") : 0, out ? out : "");
	free(out);
	return ok;
}

bool vm_run(struct rig *r, struct fault *f)
{
	const struct vm_fault *v = find_vm_fault(f->id);
	struct twin_counters t0, t1, d;
	char why[256], *out = NULL;
	bool ok, corrupt;
	double t_observed;
	int id, rc;

	if (!attach_real(r, f) || !rig_status(r, &t0)) {
		f->outcome = OUT_NOT_INJECTED;
		f->uninjectable = true;
		return !rig_crashed(r, f);
	}
	/* the fault runs in dom0 while the peer's stream is checked */
	id = agent_send(&r->a, v->inject);
	ok = rig_pattern(r, &corrupt, why, sizeof(why));
	rc = agent_wait(&r->a, id, 300, &out);
	if (rc != 0)
		snprintf(f->detail, sizeof(f->detail), "'%s' failed: %.*s", v->inject,
			 out ? (int)strcspn(out, "\n") : 0, out ? out : "");
	free(out);
	if (rig_crashed(r, f))
		return false;
	t_observed = now_s();
	out = NULL;
	if (rig_run(r, v->restore, 240, &out) != 0 && rc == 0)
		snprintf(f->detail, sizeof(f->detail), "dom0's side could not be restored: %.*s",
			 out ? (int)strcspn(out, "\n") : 0, out ? out : "");
	free(out);
	if (rig_crashed(r, f))
		return false;
	if (rc != 0) {
		f->outcome = OUT_NOT_INJECTED;
		f->uninjectable = true;
		return true;
	}
	if (rig_status(r, &t1)) {
		twin_delta(&t0, &t1, &d);
		f->counters = twin_counters_json(&d);
		if (v->detaches && twin_get(&t1, "attached")) {
			f->leak = true;
			snprintf(f->leak_detail, sizeof(f->leak_detail),
				 "Xen is still attached to a device dom0 let go of");
		}
	}
	f->outcome = corrupt ? OUT_CORRUPTED : ok ? OUT_NO_EFFECT : OUT_GUEST_VISIBLE;
	if (!ok && !f->detail[0])
		snprintf(f->detail, sizeof(f->detail), "traffic during the fault: %.200s", why);
	rig_run(r, "twinctl detach >/dev/null 2>&1", 120, NULL);
	rig_recover(r, f, t_observed);
	if (!f->leak)
		rig_check_leaks(r, f);
	if (!rig_unload_payload(r) && !f->leak) {
		f->leak = true;
		snprintf(f->leak_detail, sizeof(f->leak_detail), "the payload could not be unloaded");
	}
	return !rig_crashed(r, f);
}
