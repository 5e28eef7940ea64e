// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: the device's faults against the instance.  Each fault file
 * of harness/traces/ (the project's QEMU injects it into the e1000,
 * qemu-e1000-tracing/README.md) with its trigger drawn again from the
 * campaign's seed, so that it lands inside the window's stream rather than
 * seconds into a long run: the file as injected is kept in the run folder.
 * QEMU reads a fault file when the device is realized, so each device
 * fault boots a machine of its own; the trace of the fault events (the
 * "faults" event list) says whether it fired.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults_int.h"
#include "util.h"

#define TRACES_DIR	"harness/traces"

/*
 * Where a trigger of each counter lands inside a 2 MB stream each way
 * after the attach (about 1,400 full frames a direction, two TX
 * descriptors a frame, an interrupt every few frames), counted from
 * QEMU's start: the boot adds a few hundred of each.
 */
static const struct {
	const char *trigger;
	unsigned int lo, hi;
} windows[] = {
	{ "tx_desc", 400, 2400 },
	{ "rx_dma", 400, 2400 },
	{ "rx_frame", 150, 900 },
	{ "irq", 60, 400 },
};

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

void device_plan(const struct fault_opts *fo, struct fault **faults, int *nr)
{
	char *dir = xasprintf("%s/" TRACES_DIR, fo->source_dir), id[64];
	struct dirent **ents;
	int i, n = scandir(dir, &ents, NULL, by_name);

	if (n < 0)
		die(EXIT_RUN, "cannot read %s", dir);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		struct fault *f;

		if (len > 6 && !strcmp(name + len - 6, ".fault")) {
			snprintf(id, sizeof(id), "device:%.*s", (int)(len - 6), name);
			f = fault_add(fo, faults, nr, FK_DEVICE, id);
			if (f) {
				f->file = xasprintf("%s/%s", dir, name);
				f->what = json_object_new_object();
				json_object_object_add(f->what, "library_file",
						       json_object_new_string(f->file));
			}
		}
		free(ents[i]);
	}
	free(ents);
	free(dir);
}

/* A counted trigger's count drawn again inside the window; others as written. */
static void redraw(char *line, size_t size, uint64_t *rng)
{
	char trig[32], rest[256];
	unsigned long n;
	size_t i;

	if (sscanf(line, "%31s %lu %255[^\n]", trig, &n, rest) != 3)
		return;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		if (strcmp(trig, windows[i].trigger))
			continue;
		*rng = splitmix(*rng);
		n = windows[i].lo + *rng % (windows[i].hi - windows[i].lo);
		snprintf(line, size, "%s %lu %s\n", trig, n, rest);
		return;
	}
}

/* The library's file with its triggers drawn again: the file injected. */
static char *draw_file(struct rig *r, struct fault *f, uint64_t seed)
{
	char *text = read_file(f->file, NULL), *line, *save, buf[512];
	char *out = xasprintf("%s/%s.fault", r->rundir, strchr(f->id, ':') + 1);
	uint64_t rng = splitmix(seed ^ (uint64_t)strlen(f->id) * 0x100000001b3ULL);
	FILE *o = fopen(out, "w");
	size_t i;

	for (i = 0; f->id[i]; i++)
		rng = splitmix(rng ^ (unsigned char)f->id[i]);
	if (!text || !o)
		die(EXIT_RUN, "cannot draw %s into %s", f->file, out);
	fprintf(o, "# %s with its trigger drawn from the campaign's seed %llu\n", f->file,
		(unsigned long long)seed);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !line[strspn(line, " \t")])
			continue;
		snprintf(buf, sizeof(buf), "%s\n", line);
		redraw(buf, sizeof(buf), &rng);
		fputs(buf, o);
	}
	fclose(o);
	free(text);
	return out;
}

/* How many faults fired, from the boot's trace (e1000-trace summary). */
static int fired(struct rig *r, const char *trace)
{
	char *decoder = xasprintf("%s/bin/e1000-trace", r->tb->o->build_dir), *out = NULL;
	char *argv[] = { decoder, "summary", (char *)trace, NULL };
	json_object *sum, *x;
	int n = -1;

	if (run_cmd(argv, &out, false, 300) == 0 && (sum = json_tokener_parse(out))) {
		if (json_object_object_get_ex(sum, "faults_injected", &x))
			n = json_object_get_int(x);
		json_object_put(sum);
	}
	free(out);
	free(decoder);
	return n;
}

/*
 * A device fault that corrupted the bytes is run once more on a machine of
 * its own with the same file and without the instance: when dom0's own
 * driver gets wrong bytes too, the NIC sent or stored them (a descriptor's
 * address flipped inside the device, with the checksum offloaded, is
 * invisible to any driver) and the outcome is device_corrupted, which does
 * not fail the campaign.  Otherwise it stays corrupted.
 */
static void control_without_instance(struct rig *r, struct fault *f, const char *file)
{
	struct testbed_opts *o = r->tb->o;
	const char *saved_fault = o->fault_trace;
	char why[256] = "", *trace;
	bool corrupt = false;
	int n;

	rig_release(r);
	o->fault_trace = file;
	rig_boot(r);
	o->fault_trace = saved_fault;
	trace = xasprintf("%s", r->m.d.trace_file);
	r->keep_trace = true;
	if (r->up)
		rig_pattern(r, &corrupt, why, sizeof(why));
	rig_release(r);
	r->keep_trace = false;
	n = fired(r, trace);
	unlink(trace);
	free(trace);
	json_object_object_add(f->what, "without_instance",
			       json_object_new_string(n <= 0 ? "the fault did not fire" :
						      corrupt ? why : "intact"));
	if (n > 0 && corrupt) {
		f->outcome = OUT_DEVICE_CORRUPTED;
		snprintf(f->detail + strlen(f->detail), sizeof(f->detail) - strlen(f->detail),
			 "; without the instance too");
	}
}

bool device_run(struct rig *r, struct fault *f)
{
	struct testbed_opts *o = r->tb->o;
	const char *saved_fault = o->fault_trace;
	char *file = draw_file(r, f, r->seed), *trace;
	bool up;
	int n;

	rig_release(r);		/* QEMU reads the file at start: a machine of its own */
	o->fault_trace = file;
	rig_boot(r);		/* traced: the campaign's group has the fault events */
	trace = xasprintf("%s", r->m.d.trace_file);
	o->fault_trace = saved_fault;
	json_object_object_add(f->what, "file", json_object_new_string(file));
	{
		char *text = read_file(file, NULL);

		json_object_object_add(f->what, "faults", json_object_new_string(text ? text : ""));
		free(text);
	}
	r->keep_trace = true;	/* a fault that breaks traffic releases the machine early */
	up = rig_inject_payload(r, f, NULL);
	rig_release(r);		/* the trace is whole once QEMU stopped */
	r->keep_trace = false;
	n = fired(r, trace);
	json_object_object_add(f->what, "fired", json_object_new_int(n));
	if (n <= 0 && f->outcome != OUT_XEN_CRASH && f->outcome != OUT_DOM0_CRASH) {
		/* nothing happened to the device: the window missed the trigger */
		snprintf(f->detail, sizeof(f->detail), "the fault did not fire (%s)",
			 n < 0 ? "no trace" : "trigger after the stream");
		f->outcome = OUT_NOT_INJECTED;
		f->uninjectable = true;
	}
	unlink(trace);
	free(trace);
	if (f->outcome == OUT_CORRUPTED)
		control_without_instance(r, f, file);
	free(file);
	return up;
}
