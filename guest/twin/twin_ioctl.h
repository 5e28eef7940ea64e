/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/twin: how twinctl talks to the twin module in dom0.
 */
#ifndef TWIN_IOCTL_H
#define TWIN_IOCTL_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

#include "public/twin.h"	/* hv/xen/public/twin.h */

struct twin_ioc_attach {
	char ifname[16];
};

/* Faults a test injects into the driver's data (twin_fault.c). */
#define TWIN_CORRUPT_SKB_DATA	1	/* one outgoing skb's data pointer */
#define TWIN_CORRUPT_RING_BASE	2	/* the TX ring's descriptor base */
#define TWIN_CORRUPT_ADAPTER	3	/* the adapter's pointer to its TX ring */

struct twin_ioc_corrupt {
	uint32_t kind;
	uint32_t pad;
	uint64_t value;			/* the bad pointer; 0: a default */
};

/* dom0's side of the counters (the module's). */
struct twin_dom0_stats {
	uint32_t attached;		/* the instance runs the fast path */
	uint32_t wanted;		/* re-attach after down/up */
	uint32_t last_disable;		/* TWIN_DIS_* of the last fallback */
	uint32_t pad;
	uint64_t upcalls_run;		/* upcalls executed in dom0 */
	uint64_t rx_delivered;		/* skbs handed to dom0's stack */
	uint64_t supplied;		/* receive buffers and small skbs given */
	uint64_t supply_freed;		/* of those, freed unused after detach */
	uint64_t shells_freed;		/* skbs Xen gave back without their head */
	uint64_t fallbacks;		/* the instance disabled itself */
	uint64_t xmit_busy;
	uint64_t printk_refused;	/* upcall strings that were not safe */
	uint64_t check_runs;		/* RX ring checks (twin_check.c) */
	uint64_t check_problems;	/* what they found wrong */
	uint64_t check_bounced;		/* buffers seen through a swiotlb slot */
	uint64_t vif_attaches;		/* vifs handed to Xen */
	uint64_t vif_detaches;		/* and given back to netback */
	uint64_t vif_failed;		/* of those, because Xen stopped serving them */
	uint64_t txpool_supplied;	/* transmit pool skbs given to Xen */
	uint64_t txpool_released;	/* and freed again */
	uint64_t rx_released;		/* receive skbs Xen had reused, freed */
};

/* A vif of netback's, by name (vifD.N). */
struct twin_ioc_vif {
	char ifname[16];
	struct twin_vif_status status;	/* TWIN_IOC_VIF_STATUS: out */
};

struct twin_ioc_status {
	struct twin_status xen;
	struct twin_dom0_stats dom0;
};

#define TWIN_IOC_ATTACH		_IOW('T', 1, struct twin_ioc_attach)
#define TWIN_IOC_DETACH		_IO('T', 2)
#define TWIN_IOC_STATUS		_IOR('T', 3, struct twin_ioc_status)
#define TWIN_IOC_CORRUPT	_IOW('T', 4, struct twin_ioc_corrupt)
/* arg: TWIN_SELFTEST_* (the runtime's recovery, hv/xen/public/twin.h) */
#define TWIN_IOC_SELFTEST	_IO('T', 5)
/* Check the RX ring now (the VM instance pauses for it); -EIO: a problem */
#define TWIN_IOC_CHECK		_IO('T', 6)
/* Hand netback's vif to Xen (the NIC must be attached), give it back */
#define TWIN_IOC_VIF_ATTACH	_IOW('T', 7, struct twin_ioc_vif)
#define TWIN_IOC_VIF_DETACH	_IOW('T', 8, struct twin_ioc_vif)
#define TWIN_IOC_VIF_STATUS	_IOWR('T', 9, struct twin_ioc_vif)
/* Xen's record of the frames the NIC may use (runs: a user address here) */
#define TWIN_IOC_DMA_FRAMES	_IOWR('T', 10, struct twin_dma_frames)
#define TWIN_DMA_MAX_RUNS	65536

#endif
