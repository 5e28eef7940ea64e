/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the memory the e1000 may reach by DMA, as the region file that
 * e1000-trace check reads (START END a line, END exclusive).
 */
#ifndef TDH_REGIONS_H
#define TDH_REGIONS_H

#include <stdbool.h>

#define MAX_REGIONS 64

struct region {
	unsigned long long start, end;	/* [start, end) */
};

struct regions {
	struct region r[MAX_REGIONS];
	int n;
};

/* Kept sorted and merged; false when there is no room. */
bool regions_add(struct regions *rs, unsigned long long start, unsigned long long end);
void regions_remove(struct regions *rs, unsigned long long start, unsigned long long end);

/* Native Linux: the guest RAM of q35 with mem_mb. */
void regions_q35_ram(struct regions *rs, int mem_mb);
/*
 * Xen with a PV dom0: what Xen maps for dom0's devices by default
 * (arch_iommu_hwdom_init): the usable RAM of Xen's e820 from 1 MiB up, but
 * not Xen's image.  The e820 and the image's load base come from Xen's
 * boot messages in console_log; the image's regions from image_regions
 * (build/xen/image-regions).  False with *err on a missing piece.
 */
bool regions_xen(struct regions *rs, const char *console_log, const char *image_regions,
		 const char **err);

int regions_write(const struct regions *rs, const char *path, const char *comment);

#endif
