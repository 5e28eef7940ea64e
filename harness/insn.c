// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the instruction-accounting plugin's counters file.  The header
 * is shared with the plugin (qemu-e1000-tracing/plugins/insn-file.h), the
 * layout documented in insn-regions.c; the reader checks the header.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "insn-file.h"
#include "insn.h"
#include "machine.h"
#include "util.h"

char *insn_plugin_arg(const char *so, const char *file, const char *xen_syms)
{
	char *twin_text, *arg, *v[4];
	int i;

	/* the runtime's functions, made beside xen-syms (hv/xen.mk): xen_twin */
	twin_text = xen_syms ? xasprintf("%.*s/twin-text", (int)(strrchr(xen_syms, '/') ?
					 strrchr(xen_syms, '/') - xen_syms : 1),
					 strrchr(xen_syms, '/') ? xen_syms : ".") : NULL;
	v[0] = machine_opt_value(so);
	v[1] = machine_opt_value(file);
	v[2] = xen_syms ? machine_opt_value(xen_syms) : NULL;
	v[3] = twin_text && file_exists(twin_text) ? machine_opt_value(twin_text) : NULL;
	arg = xasprintf("%s,out=%s%s%s%s%s", v[0], v[1], v[2] ? ",xen_syms=" : "", v[2] ? v[2] : "",
			v[3] ? ",twin_text=" : "", v[3] ? v[3] : "");
	for (i = 0; i < 4; i++)
		free(v[i]);
	free(twin_text);
	return arg;
}

static int region_index(const struct insn_snapshot *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return i;
	return -1;
}

static uint64_t slot(const char *map, const struct insn_file_header *h, int region, uint32_t j)
{
	const uint64_t *c = (const uint64_t *)(map + h->counters_offset +
					       ((uint64_t)region * h->slots + j) * h->counter_stride);

	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/*
 * The split by domain, vCPU by vCPU: what its beacons moved into dom0_*
 * and domu_*, plus what it ran since its last beacon, which is the
 * domain's its record names.  Read under the record's sequence count, so
 * a beacon between the loads is never counted twice or not at all.
 */
static void add_pending(const char *map, const struct insn_file_header *h, struct insn_snapshot *s)
{
	enum { GK, GU, D0K, DUK, D0U, DUU, NR };
	static const char *const names[NR] = {
		"guest_kernel", "guest_user", "dom0_kernel", "domu_kernel", "dom0_user", "domu_user",
	};
	int idx[NR], i, tries;
	uint32_t j;

	for (i = 0; i < NR; i++)
		if ((idx[i] = region_index(s, names[i])) < 0)
			return;
	/*
	 * guest_* are summed again from the same reads as the split: read
	 * apart, a split taken later than its total would exceed it.
	 */
	for (i = 0; i < NR; i++)
		s->count[idx[i]] = 0;
	for (j = 0; j < h->slots; j++) {
		const struct insn_file_vcpu *v = (const void *)(map + h->vcpus_offset +
								 (uint64_t)j * h->counter_stride);
		uint64_t seq, c[NR], kind, kbase, ubase;

		/* (a vCPU stopped mid-change for 1000 reads: its last read stands) */
		tries = 0;
		do {
			seq = __atomic_load_n(&v->seq, __ATOMIC_ACQUIRE);
			for (i = 0; i < NR; i++)
				c[i] = slot(map, h, idx[i], j);
			kind = __atomic_load_n(&v->kind, __ATOMIC_RELAXED);
			kbase = __atomic_load_n(&v->kernel, __ATOMIC_RELAXED);
			ubase = __atomic_load_n(&v->user, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		} while (((seq & 1) || __atomic_load_n(&v->seq, __ATOMIC_RELAXED) != seq) &&
			 ++tries < 1000);
		if (kind == INSN_KIND_DOM0 || kind == INSN_KIND_DOMU) {
			bool d0 = kind == INSN_KIND_DOM0;

			c[d0 ? D0K : DUK] += c[GK] > kbase ? c[GK] - kbase : 0;
			c[d0 ? D0U : DUU] += c[GU] > ubase ? c[GU] - ubase : 0;
		}
		for (i = 0; i < NR; i++)
			s->count[idx[i]] += c[i];
	}
}

/*
 * The file is mapped, not read: each counter is taken with one aligned
 * 64-bit load, so a value QEMU updates meanwhile is never torn.  A
 * region's count is the sum of its slots; the split by domain adds each
 * vCPU's share since its last beacon (add_pending()).
 */
bool insn_read(const char *path, struct insn_snapshot *s, const char **err)
{
	const struct insn_file_header *h;
	const char *map;
	struct stat st;
	bool ok = false;
	uint32_t i, j;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = "the plugin's counters file is missing (did QEMU load the plugin?)";
		return false;
	}
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*h)) {
		close(fd);
		*err = "the plugin's counters file is too short";
		return false;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		*err = "cannot map the plugin's counters file";
		return false;
	}
	h = (const struct insn_file_header *)map;
	if (memcmp(h->magic, INSN_FILE_MAGIC, sizeof(h->magic)) || h->version != INSN_FILE_VERSION) {
		*err = "the plugin's counters file has a wrong magic or version";
		goto out;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!h->nr_regions || h->nr_regions > INSN_MAX_REGIONS || h->name_len == 0 ||
	    h->counter_stride < 8 || h->counter_stride % 8 || h->counters_offset % 8 || !h->slots ||
	    !h->nr_disjoint || h->nr_disjoint > h->nr_regions ||
	    h->names_offset + (uint64_t)h->nr_regions * h->name_len > (uint64_t)st.st_size ||
	    h->counters_offset + (uint64_t)h->nr_regions * h->slots * h->counter_stride >
	    (uint64_t)st.st_size ||
	    (h->vcpus_offset && (h->vcpus_offset % 8 || h->counter_stride < sizeof(struct insn_file_vcpu) ||
				 h->vcpus_offset + (uint64_t)h->slots * h->counter_stride > (uint64_t)st.st_size))) {
		*err = "the plugin's counters file has an inconsistent header";
		goto out;
	}
	s->nr = h->nr_regions;
	s->nr_disjoint = h->nr_disjoint;
	for (i = 0; i < h->nr_regions; i++) {
		snprintf(s->name[i], INSN_NAME_LEN, "%.*s", (int)h->name_len,
			 map + h->names_offset + i * h->name_len);
		for (j = 0; j < h->slots; j++)
			s->count[i] += slot(map, h, i, j);
	}
	if (h->vcpus_offset)
		add_pending(map, h, s);
	ok = true;
out:
	munmap((void *)map, st.st_size);
	return ok;
}

static uint64_t region(const struct insn_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->name[i], name))
			return r->count[i];
	return 0;
}

bool insn_window(const struct insn_snapshot *start, const struct insn_snapshot *end, double kb,
		 struct insn_result *r)
{
	uint64_t guest, split;
	int i;

	memset(r, 0, sizeof(*r));
	if (start->nr != end->nr || !start->nr || start->nr_disjoint != end->nr_disjoint)
		return false;
	for (i = 0; i < start->nr; i++) {
		if (strcmp(start->name[i], end->name[i]) ||
		    (i < start->nr_disjoint && end->count[i] < start->count[i]))
			return false;
		memcpy(r->name[i], start->name[i], INSN_NAME_LEN);
		/* (a split read across a beacon it could not wait out may step back) */
		r->count[i] = end->count[i] > start->count[i] ? end->count[i] - start->count[i] : 0;
		if (i < start->nr_disjoint)
			r->total += r->count[i];
	}
	r->nr = start->nr;
	r->nr_disjoint = start->nr_disjoint;
	r->kb = kb;
	guest = region(r, "guest_kernel") + region(r, "guest_user");
	split = region(r, "dom0_kernel") + region(r, "domu_kernel") +
		region(r, "dom0_user") + region(r, "domu_user");
	/* guest code no beacon has named (before the first; read apart) */
	r->unattributed = split && guest > split ? guest - split : 0;
	return true;
}

double insn_per_kb(uint64_t count, double kb)
{
	return kb > 0 ? (double)count / kb : 0;
}
