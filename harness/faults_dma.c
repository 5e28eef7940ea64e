// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: DMA confinement per frame.  SVM checks what the instance
 * itself touches; the addresses it writes into descriptors are used by
 * the device unchecked.  Each fault's window (the instance attached, its
 * traffic) is bracketed on the host's CLOCK_MONOTONIC, which is also the
 * clock of QEMU's trace; after the window Xen's record of the frames the
 * NIC was allowed (twinctl dma-frames: the rings, the buffers they held at
 * attach, every frame the instance's DMA mappings returned) is saved, and
 * once the boot's QEMU has stopped and its trace is whole, e1000-trace
 * check holds every DMA of the window against it: from where Xen marked on
 * the device that the instance took it to where it marked that it let it
 * go (a disable or the detach: dom0's driver posts buffers of its own
 * before and after).  The window opens before the attach is asked for,
 * since the instance may stop before the attach command returns.  With
 * --iommu the check follows each DMA through its translation and counts
 * what the IOMMU refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "faults_int.h"
#include "util.h"

#define FETCH_TIMEOUT_S	30
#define CHECK_TIMEOUT_S	600

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void unchecked(struct fault *f, const char *why)
{
	f->dma.state = DMA_UNCHECKED;
	snprintf(f->dma.why, sizeof(f->dma.why), "%s", why);
}

void dma_window_open(struct rig *r, struct fault *f)
{
	if (!r->tb->o->trace_group)
		return;
	f->dma.from_ns = mono_ns();
	f->dma.state = DMA_OPEN;
}

/* "FIRST COUNT" in hex a line (twinctl dma-frames --frames) into byte ranges. */
static bool write_regions(const char *out, const char *path, uint64_t *frames)
{
	FILE *o = fopen(path, "w");
	const char *line;
	bool ok = true;

	if (!o)
		return false;
	*frames = 0;
	for (line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long first, n;

		if (*line == '#') {
			fprintf(o, "%.*s\n", (int)strcspn(line, "\n"), line);
			continue;
		}
		if (sscanf(line, "%llx %llx", &first, &n) != 2 || !n) {
			ok = false;
			break;
		}
		fprintf(o, "0x%llx 0x%llx\n", first << 12, (first + n) << 12);
		*frames += n;
	}
	return fclose(o) == 0 && ok;
}

void dma_window_close(struct rig *r, struct fault *f)
{
	char *out = NULL, *dir, *name;
	size_t i;

	if (f->dma.state != DMA_OPEN)
		return;
	f->dma.to_ns = mono_ns();
	if (rig_dom0_oopsed(r)) {
		/* its twin module may hang in the ioctl: not 30 s for nothing */
		unchecked(f, "dom0 oopsed before Xen's record was read");
		return;
	}
	if (rig_run(r, "twinctl dma-frames --frames 2>&1", FETCH_TIMEOUT_S, &out) != 0 ||
	    !out || strncmp(out, "# attachment", 12)) {
		unchecked(f, "Xen's record could not be read (twinctl dma-frames failed)");
		free(out);
		return;
	}
	dir = xasprintf("%s/dma", r->rundir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die(EXIT_RUN, "cannot create %s: %s", dir, strerror(errno));
	name = xasprintf("%s/%s.regions", dir, f->id);
	for (i = strlen(dir) + 1; name[i]; i++)
		if (name[i] == ':' || name[i] == '/')
			name[i] = '-';
	if (!write_regions(out, name, &f->dma.frames)) {
		unchecked(f, "Xen's record was malformed");
		free(name);
	} else {
		f->dma.regions = name;
		f->dma.trace = xasprintf("%s", r->m.d.trace_file);
		f->dma.state = DMA_PENDING;
		r->dma_pending = realloc(r->dma_pending, (r->nr_dma_pending + 1) * sizeof(f));
		if (!r->dma_pending)
			die(EXIT_RUN, "out of memory");
		r->dma_pending[r->nr_dma_pending++] = f;
	}
	free(dir);
	free(out);
}

/* e1000-trace check's verdict on one window. */
static void check_one(struct rig *r, struct fault *f)
{
	char *decoder = xasprintf("%s/bin/e1000-trace", r->tb->o->build_dir);
	char from[32], to[32], *out = NULL, *line, *save;
	char *argv[] = { decoder, "check", "--from", from, "--to", to, "--marks",
			 f->dma.trace, f->dma.regions, NULL };
	unsigned long long checked = 0, violations = 0, blocked = 0;
	bool summary = false, incomplete = false, unmarked = false;
	int rc;

	snprintf(from, sizeof(from), "%llu", (unsigned long long)f->dma.from_ns);
	snprintf(to, sizeof(to), "%llu", (unsigned long long)f->dma.to_ns);
	rc = run_cmd(argv, &out, true, CHECK_TIMEOUT_S);
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "violation:", 10) && !f->dma.why[0])
			snprintf(f->dma.why, sizeof(f->dma.why), "%s", line + 11);
		else if (sscanf(line, "iommu: DMAs followed through their translations; %llu",
				&blocked) == 1)
			;
		else if (sscanf(line, "%*[A-Z]: %llu DMAs checked, %llu violations",
				&checked, &violations) == 2)
			summary = true;
		else if (!strncmp(line, "incomplete:", 11))
			incomplete = true;	/* QEMU dropped events */
		else if (!strncmp(line, "marks:", 6))
			unmarked = true;	/* the attach never reached the device */
	}
	if ((rc != 0 && rc != 1) || !summary || incomplete || unmarked) {
		unchecked(f, incomplete ? "QEMU dropped trace events: confinement not proven" :
			  unmarked ? "no attach mark of Xen's in the window's trace" :
			  "e1000-trace check failed on the boot's trace");
	} else {
		f->dma.state = DMA_CHECKED;
		f->dma.dmas = checked;
		f->dma.outside = violations;
		f->dma.blocked = blocked;
	}
	free(out);
	free(decoder);
}

void dma_check_boot(struct rig *r, const char *trace)
{
	int i, kept = 0;

	for (i = 0; i < r->nr_dma_pending; i++) {
		struct fault *f = r->dma_pending[i];

		if (strcmp(f->dma.trace, trace)) {
			r->dma_pending[kept++] = f;
			continue;
		}
		check_one(r, f);
		if (f->dma.outside)
			info("      %s: %llu DMAs outside the frames Xen allowed (first: %s)", f->id,
			     (unsigned long long)f->dma.outside, f->dma.why);
	}
	r->nr_dma_pending = kept;
}

json_object *dma_json(const struct fault *f)
{
	json_object *o;

	if (f->dma.state == DMA_NONE || f->dma.state == DMA_OPEN)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "checked", json_object_new_boolean(f->dma.state == DMA_CHECKED));
	if (f->dma.state != DMA_CHECKED) {
		json_object_object_add(o, "why", json_object_new_string(f->dma.state == DMA_PENDING ?
			"the boot's trace is not checked yet" : f->dma.why));
		return o;
	}
	json_object_object_add(o, "frames", json_object_new_uint64(f->dma.frames));
	json_object_object_add(o, "dmas", json_object_new_uint64(f->dma.dmas));
	json_object_object_add(o, "outside", json_object_new_uint64(f->dma.outside));
	json_object_object_add(o, "blocked", json_object_new_uint64(f->dma.blocked));
	json_object_object_add(o, "first_violation",
			       f->dma.why[0] ? json_object_new_string(f->dma.why) : NULL);
	return o;
}
