// SPDX-License-Identifier: GPL-2.0
/*
 * insn-regions: a TCG plugin that counts the guest instructions executed,
 * bucketed by the region of guest virtual memory the code lives in (Xen's
 * image, Xen's livepatch area where the TwinDrivers hypervisor instance is
 * loaded, the rest of Xen's half, guest kernel text and modules, guest user
 * space).
 *
 * Why: under TCG on a shared host, time-based figures (CPU utilization,
 * CPU-scaled throughput) swing with the host's load.  Instructions per KB
 * moved is a CPU cost that host load barely moves, and per region it says
 * where the cost went (Xen, the instance, the driver VM's kernel, ...).
 *
 * Cost: the region is decided once per translation block, when it is
 * translated; each execution of the block only adds its instruction count
 * to a counter of the region with an inline TCG op (no call on the
 * execution path).  The count is taken at the block's start, so a block
 * left early (a fault in its middle) counts in full.
 *
 * Each region has one counter per vCPU, each on its own cache line, and
 * the inline op adds to the executing vCPU's (patch 0005's per-vCPU
 * inline op: counter + cpu_index * stride).  vCPU threads (MTTCG) then
 * never share a counter: no lost updates, no cache line bouncing between
 * host CPUs.  A region's count is the sum of its vCPUs' counters.  With
 * one shared counter per region (hashed slots before patch 0005) the
 * plugin cost 15-30% of the guest's throughput with 2 vCPUs
 * (qemu-e1000-tracing/README.md).
 *
 * Output: the counters live in a file that tdh reads while QEMU runs.
 *
 *   -plugin libinsn-regions.so,out=FILE[,xen_syms=PATH][,twin_text=PATH][,mode=inline|atomic]
 *
 * out       the counters file (created, truncated), layout below.
 * xen_syms  Xen's xen-syms: its __2M_rwdata_end ends the image and starts
 *           the livepatch area.  Without it, the value of this project's
 *           Xen 4.17.5 build (XEN_IMAGE_END_DEFAULT).  Its beacons
 *           (twin_beacon_dom0, _domu, _idle: hv/xen/beacon_asm.S) split
 *           the guests' instructions by domain, below.
 * twin_text the TwinDrivers runtime's functions in Xen's image, one
 *           "START END" (hex) a line (build/xen/twin-text, made from the
 *           runtime's object and xen-syms): region xen_twin.
 * mode      inline (default): per-vCPU inline adds.  atomic: a callback
 *           per block doing an atomic add, much slower; a cross-check of
 *           the inline counts (they must agree: no vCPU shares a counter).
 *
 * File layout (host byte order, little-endian here; fixed once written
 * except for the counters):
 *
 *   0   char     magic[8]        "TDINSN1\0" (written last)
 *   8   u32      version         3
 *   12  u32      nr_regions
 *   16  u32      names_offset    64
 *   20  u32      name_len        32 (NUL-padded names)
 *   24  u32      counters_offset multiple of 64
 *   28  u32      counter_stride  64: one counter per cache line
 *   32  u32      flags           bit 0: mode=atomic
 *   36  u32      slots           counters per region: one per vCPU
 *                                (QEMU's maximum number of vCPUs)
 *   40  u64      xen_image_end   the boundary used
 *   48  u32      nr_disjoint     regions [0, nr_disjoint) partition every
 *                                instruction; the rest split some of them
 *   52  u32      vcpus_offset    the vCPUs' pending split (below); 0: none
 *   56  u64      reserved
 *   names_offset + i * name_len               region i's name
 *   counters_offset + (i * slots + j) * counter_stride
 *                                region i's u64 counter of vCPU j
 *   vcpus_offset + j * counter_stride
 *                                vCPU j's struct insn_file_vcpu (insn-file.h)
 *
 * A reader maps the file and takes each counter with one aligned 64-bit
 * load, summing a region's slots; counters only grow.
 *
 * Regions, by the block's first address (x86-64, 48-bit; sources are
 * Xen 4.17's xen/arch/x86/include/asm/config.h and arch/x86/livepatch.c,
 * Linux's Documentation/x86/x86_64/mm.rst):
 *
 *   guest_user     [0, 0x0000800000000000)  the lower half.  Also firmware
 *                  and early boot code running before paging or at low
 *                  addresses (SeaBIOS, Xen's and Linux's boot code): all
 *                  before any measured window.
 *   xen_text       [XEN_VIRT_START, __2M_rwdata_end): Xen's image (only
 *                  its text and init text execute).
 *   xen_livepatch  [__2M_rwdata_end, stubs): the VMAP_XEN arena that
 *                  arch_livepatch_init() hands to vmalloc_xen(), where
 *                  livepatch_upload -> move_payload() puts payload text.
 *   xen_other      the rest of Xen's PML4 slots 256-271
 *                  [0xffff800000000000, 0xffff880000000000): the per-CPU
 *                  syscall/exception stubs below the executable fixmap,
 *                  anything else.
 *   guest_kernel   [0xffffffff80000000, 2^64): Linux's kernel text
 *                  mapping (KASLR stays inside it), modules, fixmap.
 *   other          everything else: the rest of the kernel half (direct
 *                  map, vmalloc, ...), where Linux runs no code.
 *   xen_twin       inside xen_text's range, the TwinDrivers runtime's
 *                  functions (twin_text=): SVM's miss path, the support
 *                  code, the guests' path.  Not counted in xen_text.
 *
 * The same kernel layout serves native Linux, Xen's PV dom0 and PV domUs
 * (a PV guest's kernel runs at the same addresses, in Xen's guest-defined
 * half), so by address guest_kernel and guest_user sum over all domains.
 * Native Linux never runs code in Xen's slots (its guard hole), so there
 * the xen_* regions stay 0.
 *
 * Split by domain (regions after nr_disjoint, subsets of the two above):
 * dom0_kernel, domu_kernel, dom0_user, domu_user.  Xen calls a beacon
 * function of the domain it is about to switch to; a callback on each
 * beacon's first instruction (the only callback on the execution path,
 * one per context switch) moves the guest_kernel and guest_user counts
 * the vCPU made since its previous beacon to the domain that ran then.
 * What each vCPU ran since its last switch is not in them yet: the vCPU's
 * record in the file (struct insn_file_vcpu) says whose it is, and the
 * reader adds it, so a vCPU that runs one domain for a whole window
 * without a switch is not missed.  Native Linux has no beacon and leaves
 * them 0.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qemu-plugin.h>

#include "insn-file.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define USER_END		0x0000800000000000ULL
#define XEN_HALF_START		0xffff800000000000ULL	/* HYPERVISOR_VIRT_START, slot 256 */
#define XEN_HALF_END		0xffff880000000000ULL	/* HYPERVISOR_VIRT_END, after slot 271 */
#define XEN_VIRT_START		0xffff82d040000000ULL
#define XEN_VIRT_END		0xffff82d080000000ULL
/*
 * arch_livepatch_init(): the arena ends at XEN_VIRT_END - FIXADDR_X_SIZE -
 * NR_CPUS * PAGE_SIZE; the per-CPU stubs follow.  Debian's config: one
 * executable fixmap page (no CONFIG_HYPERV_GUEST), NR_CPUS = 256.
 */
#define XEN_STUBS_START		(XEN_VIRT_END - 0x1000 - 256 * 0x1000ULL)
/* __2M_rwdata_end of the project's Xen 4.17.5 build, when no xen_syms= */
#define XEN_IMAGE_END_DEFAULT	0xffff82d0405c8000ULL
#define KERNEL_TEXT_START	0xffffffff80000000ULL

enum region {
	R_XEN_TEXT,
	R_XEN_LIVEPATCH,
	R_XEN_OTHER,
	R_GUEST_KERNEL,
	R_GUEST_USER,
	R_OTHER,
	R_XEN_TWIN,
	NR_DISJOINT,
	/* subsets of R_GUEST_KERNEL and R_GUEST_USER, by domain */
	R_DOM0_KERNEL = NR_DISJOINT,
	R_DOMU_KERNEL,
	R_DOM0_USER,
	R_DOMU_USER,
	NR_REGIONS
};

/* The names are the records' keys (tdh, the regression run): never rename. */
static const char *const region_names[NR_REGIONS] = {
	[R_XEN_TEXT] = "xen_text",
	[R_XEN_LIVEPATCH] = "xen_livepatch",
	[R_XEN_OTHER] = "xen_other",
	[R_GUEST_KERNEL] = "guest_kernel",
	[R_GUEST_USER] = "guest_user",
	[R_OTHER] = "other",
	[R_XEN_TWIN] = "xen_twin",
	[R_DOM0_KERNEL] = "dom0_kernel",
	[R_DOMU_KERNEL] = "domu_kernel",
	[R_DOM0_USER] = "dom0_user",
	[R_DOMU_USER] = "domu_user",
};

/* Kinds of domain, the beacons' (hv/xen/beacon_asm.S) */
enum kind {
	K_NONE = INSN_KIND_NONE, K_DOM0 = INSN_KIND_DOM0, K_DOMU = INSN_KIND_DOMU,
	K_IDLE = INSN_KIND_IDLE, NR_KINDS = INSN_NR_KINDS
};
static const char *const beacon_syms[NR_KINDS] = {
	[K_DOM0] = "twin_beacon_dom0", [K_DOMU] = "twin_beacon_domu",
	[K_IDLE] = "twin_beacon_idle",
};
static uint64_t beacon_addr[NR_KINDS];

/*
 * Per vCPU, in the file (vcpus_offset), written only by its own thread:
 * what ran since its last beacon.  NULL: no split (no beacons).
 */
static char *vcpu_dom;

/* The runtime's functions in Xen's image (twin_text=), sorted. */
static uint64_t (*twin_ranges)[2];
static unsigned int nr_twin_ranges;

#define NAMES_OFFSET	64
#define NAME_LEN	32
#define STRIDE		64

static uint64_t xen_image_end = XEN_IMAGE_END_DEFAULT;
static uint64_t *counters[NR_REGIONS];	/* vCPU 0's; vCPU j's is STRIDE * j further */
static uint32_t nr_vcpus;
static bool atomic_mode;

static bool in_twin_text(uint64_t va)
{
	unsigned int lo = 0, hi = nr_twin_ranges;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (va < twin_ranges[mid][0])
			hi = mid;
		else if (va >= twin_ranges[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static enum region classify(uint64_t va)
{
	if (va < USER_END)
		return R_GUEST_USER;
	if (va >= KERNEL_TEXT_START)
		return R_GUEST_KERNEL;
	if (va >= XEN_VIRT_START && va < xen_image_end)
		return in_twin_text(va) ? R_XEN_TWIN : R_XEN_TEXT;
	if (va >= xen_image_end && va < XEN_STUBS_START)
		return R_XEN_LIVEPATCH;
	if (va >= XEN_HALF_START && va < XEN_HALF_END)
		return R_XEN_OTHER;
	return R_OTHER;
}

/* mode=atomic: udata is region << 16 | instructions */
static void tb_exec_atomic(unsigned int cpu_index, void *udata)
{
	uintptr_t v = (uintptr_t)udata;
	uint64_t *c = counters[v >> 16] + (size_t)cpu_index * (STRIDE / sizeof(uint64_t));

	__atomic_fetch_add(c, v & 0xffff, __ATOMIC_RELAXED);
}

static uint64_t *counter(enum region r, unsigned int cpu)
{
	return counters[r] + (size_t)cpu * (STRIDE / sizeof(uint64_t));
}

static struct insn_file_vcpu *vcpu_rec(unsigned int cpu)
{
	return (struct insn_file_vcpu *)(vcpu_dom + (size_t)cpu * STRIDE);
}

/*
 * The vCPU reached a beacon: what it ran in guest code since its previous
 * one was the previous domain's.  Its own counters, on its own thread.
 */
static void move_to_domain(unsigned int cpu, enum kind next)
{
	struct insn_file_vcpu *v = vcpu_rec(cpu);
	uint64_t k = *counter(R_GUEST_KERNEL, cpu), u = *counter(R_GUEST_USER, cpu);

	/* a reader of the file sees all of this change or none of it */
	__atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (v->kind == K_DOM0 || v->kind == K_DOMU) {
		*counter(v->kind == K_DOM0 ? R_DOM0_KERNEL : R_DOMU_KERNEL, cpu) += k - v->kernel;
		*counter(v->kind == K_DOM0 ? R_DOM0_USER : R_DOMU_USER, cpu) += u - v->user;
	}
	v->kind = next;
	v->kernel = k;
	v->user = u;
	__atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELEASE);
}

static void beacon(unsigned int cpu_index, void *udata)
{
	if (cpu_index < nr_vcpus)
		move_to_domain(cpu_index, (enum kind)(uintptr_t)udata);
}

static void flush_domains(qemu_plugin_id_t id, void *p)
{
	uint32_t i;

	(void)id;
	(void)p;
	for (i = 0; i < nr_vcpus; i++)
		move_to_domain(i, K_NONE);
}

static void watch_beacons(struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	int k;

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		for (k = K_DOM0; k < NR_KINDS; k++)
			if (beacon_addr[k] && va == beacon_addr[k])
				qemu_plugin_register_vcpu_insn_exec_cb(insn, beacon, QEMU_PLUGIN_CB_NO_REGS,
								       (void *)(uintptr_t)k);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	enum region r = classify(qemu_plugin_tb_vaddr(tb));
	size_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	if ((r == R_XEN_TEXT || r == R_XEN_TWIN) && vcpu_dom)
		watch_beacons(tb);
	if (atomic_mode)	/* TCG's blocks hold at most 512 instructions */
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_atomic, QEMU_PLUGIN_CB_NO_REGS,
						     (void *)((uintptr_t)r << 16 | n));
	else
		qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64,
								  counters[r], STRIDE, n);
}

/* __2M_rwdata_end and the beacons from Xen's symbol table; false with a message if absent. */
static bool read_xen_syms(const char *path)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat st;
	const char *base;
	bool found = false;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		fprintf(stderr, "insn-regions: cannot read %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	base = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		fprintf(stderr, "insn-regions: cannot map %s: %s\n", path, strerror(errno));
		return false;
	}
	eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > (uint64_t)st.st_size)
		goto out;
	sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum && !found; i++) {
		const Elf64_Shdr *strs = &sh[sh[i].sh_link];
		const Elf64_Sym *sym;
		uint64_t j;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > (uint64_t)st.st_size ||
		    strs->sh_offset + strs->sh_size > (uint64_t)st.st_size)
			continue;
		sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		for (j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
			const char *name = base + strs->sh_offset + sym[j].st_name;
			int k;

			if (sym[j].st_name >= strs->sh_size)
				continue;
			if (!strcmp(name, "__2M_rwdata_end")) {
				xen_image_end = sym[j].st_value;
				found = true;
			}
			for (k = K_DOM0; k < NR_KINDS; k++)
				if (!strcmp(name, beacon_syms[k]))
					beacon_addr[k] = sym[j].st_value;
		}
	}
out:
	munmap((void *)base, st.st_size);
	if (!found)
		fprintf(stderr, "insn-regions: %s is not Xen's xen-syms (no __2M_rwdata_end)\n", path);
	else if (xen_image_end <= XEN_VIRT_START || xen_image_end >= XEN_STUBS_START)
		fprintf(stderr, "insn-regions: %s: __2M_rwdata_end 0x%" PRIx64 " outside Xen's area\n",
			path, xen_image_end);
	return found && xen_image_end > XEN_VIRT_START && xen_image_end < XEN_STUBS_START;
}

static bool open_counters(const char *path, bool split)
{
	uint32_t counters_offset = (NAMES_OFFSET + NR_REGIONS * NAME_LEN + 63) & ~63u;
	size_t vcpus_offset = counters_offset + (size_t)NR_REGIONS * nr_vcpus * STRIDE;
	size_t size = vcpus_offset + (split ? (size_t)nr_vcpus * STRIDE : 0);
	struct insn_file_header *h;
	char *map;
	int fd, i;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, size)) {
		fprintf(stderr, "insn-regions: cannot create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	/* kept mapped until QEMU exits; the file outlives it */
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "insn-regions: cannot map %s: %s\n", path, strerror(errno));
		return false;
	}
	h = (struct insn_file_header *)map;
	h->version = INSN_FILE_VERSION;
	h->nr_regions = NR_REGIONS;
	h->names_offset = NAMES_OFFSET;
	h->name_len = NAME_LEN;
	h->counters_offset = counters_offset;
	h->counter_stride = STRIDE;
	h->flags = atomic_mode ? INSN_FLAG_ATOMIC : 0;
	h->slots = nr_vcpus;
	h->xen_image_end = xen_image_end;
	h->nr_disjoint = NR_DISJOINT;
	h->vcpus_offset = split ? vcpus_offset : 0;
	vcpu_dom = split ? map + vcpus_offset : NULL;
	for (i = 0; i < NR_REGIONS; i++) {
		snprintf(map + NAMES_OFFSET + i * NAME_LEN, NAME_LEN, "%s", region_names[i]);
		counters[i] = (uint64_t *)(map + counters_offset + (size_t)i * nr_vcpus * STRIDE);
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(h->magic, INSN_FILE_MAGIC, sizeof(h->magic));
	return true;
}

static int cmp_range(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* twin_text=: "START END" lines, hex; false with a message. */
static bool read_twin_text(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long s, e;
	unsigned int cap = 0;

	if (!f) {
		fprintf(stderr, "insn-regions: cannot read %s: %s\n", path, strerror(errno));
		return false;
	}
	while (fscanf(f, "%llx %llx", &s, &e) == 2) {
		if (e <= s || s < XEN_VIRT_START || e > XEN_VIRT_END) {
			fprintf(stderr, "insn-regions: %s: range %llx %llx is not in Xen's image\n", path, s, e);
			fclose(f);
			return false;
		}
		if (nr_twin_ranges == cap) {
			cap = cap ? 2 * cap : 256;
			twin_ranges = g_realloc(twin_ranges, cap * sizeof(*twin_ranges));
		}
		twin_ranges[nr_twin_ranges][0] = s;
		twin_ranges[nr_twin_ranges++][1] = e;
	}
	fclose(f);
	qsort(twin_ranges, nr_twin_ranges, sizeof(*twin_ranges), cmp_range);
	return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *out = NULL;
	bool split;
	int i;

	if (!info->system_emulation) {
		fprintf(stderr, "insn-regions: system emulation only\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		g_auto(GStrv) kv = g_strsplit(argv[i], "=", 2);

		if (!kv[1]) {
			fprintf(stderr, "insn-regions: argument '%s' is not key=value\n", argv[i]);
			return -1;
		}
		if (!strcmp(kv[0], "out")) {
			out = argv[i] + 4;
		} else if (!strcmp(kv[0], "xen_syms")) {
			if (!read_xen_syms(kv[1]))
				return -1;
		} else if (!strcmp(kv[0], "twin_text")) {
			if (!read_twin_text(kv[1]))
				return -1;
		} else if (!strcmp(kv[0], "mode") && !strcmp(kv[1], "inline")) {
			atomic_mode = false;
		} else if (!strcmp(kv[0], "mode") && !strcmp(kv[1], "atomic")) {
			atomic_mode = true;
		} else {
			fprintf(stderr, "insn-regions: unknown argument '%s' (out=FILE, xen_syms=PATH, twin_text=PATH, mode=inline|atomic)\n",
				argv[i]);
			return -1;
		}
	}
	if (!out) {
		fprintf(stderr, "insn-regions: out=FILE is required\n");
		return -1;
	}
	/* hot-plugged vCPUs too: their cpu_index stays below max_vcpus */
	nr_vcpus = info->system.max_vcpus > 0 ? info->system.max_vcpus : 1;
	/* the split by domain needs all three beacons (a Xen without them: none) */
	split = beacon_addr[K_DOM0] && beacon_addr[K_DOMU] && beacon_addr[K_IDLE];
	if (!open_counters(out, split))
		return -1;
	if (split)
		qemu_plugin_register_atexit_cb(id, flush_domains, NULL);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
