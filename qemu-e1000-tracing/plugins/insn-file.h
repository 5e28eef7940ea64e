/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters file of the insn-regions plugin: written by the plugin
 * (insn-regions.c, where the layout is documented), read by tdh
 * (harness/insn.c) while QEMU runs.  One definition for both sides.
 */
#ifndef INSN_FILE_H
#define INSN_FILE_H

#include <stdint.h>

#define INSN_FILE_MAGIC		"TDINSN1"
#define INSN_FILE_VERSION	3
#define INSN_FLAG_ATOMIC	1u	/* counted with mode=atomic */

struct insn_file_header {
	char magic[8];			/* INSN_FILE_MAGIC, written last */
	uint32_t version;
	uint32_t nr_regions;
	uint32_t names_offset;
	uint32_t name_len;
	uint32_t counters_offset;
	uint32_t counter_stride;
	uint32_t flags;
	uint32_t slots;			/* counters per region, summed */
	uint64_t xen_image_end;
	uint32_t nr_disjoint;		/* regions [0, nr_disjoint) partition the
					   instructions; the others split some */
	uint32_t vcpus_offset;		/* struct insn_file_vcpu per slot, every
					   counter_stride bytes; 0: no split */
	uint64_t reserved;
};

/* The domain kinds of Xen's beacons (hv/xen/beacon_asm.S). */
enum insn_kind { INSN_KIND_NONE, INSN_KIND_DOM0, INSN_KIND_DOMU, INSN_KIND_IDLE, INSN_NR_KINDS };

/*
 * A vCPU's split by domain that its last beacon has not yet moved into
 * dom0_* or domu_*: what its guest_kernel and guest_user counters have
 * grown by since that beacon belongs to kind.  Written by the vCPU's own
 * thread, a sequence count around each change (odd while it changes the
 * split and these fields); a reader retries until it sees the same even
 * count before and after.
 */
struct insn_file_vcpu {
	uint64_t seq;
	uint64_t kind;			/* enum insn_kind */
	uint64_t kernel, user;		/* its guest_kernel, guest_user then */
};

#endif
