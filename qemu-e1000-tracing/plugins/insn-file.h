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
#define INSN_FILE_VERSION	2
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
	uint32_t reserved1;
	uint64_t reserved2;
};

#endif
