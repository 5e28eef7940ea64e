/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The twin module: dom0's side of TwinDrivers.
 *
 *   twin_main.c   /dev/twin, the driver's hooks, attach and detach (handing
 *                 the fast path between the VM instance and Xen's)
 *   twin_e1000.c, twin_e1000e.c  what the module needs of each driver
 *                 (twin_drv.h), built against that driver's headers
 *   twin_ring.c   the shared area: the event channel from Xen, draining
 *                 upcalls in a NAPI poll, keeping the supply rings full
 *   twin_check.c  checking the RX ring as the instances hand it over
 *   twin_fault.c  corrupting the driver's data on purpose (tests)
 *   twin_vif.c    the guests' path: netback's vifs handed to Xen and back,
 *                 the transmit pool
 */
#ifndef TWIN_H
#define TWIN_H

#include <linux/netdevice.h>
#include <linux/workqueue.h>

#include "public/twin.h"
#include "twin_ioctl.h"
#include "twin_drv.h"
#include "netback-twin.h"

/* A vif of netback's that Xen serves. */
struct twin_dom0_vif {
	struct net_device *dev;		/* NULL: a free slot */
	u32 xen_id;
	struct xenvif_twin_state st;	/* netback's rings, and where they stand */
};

struct twin {
	struct mutex lock;		/* attach, detach, ioctls */
	struct net_device *netdev;	/* the NIC we serve, if any */
	const struct twin_driver *drv;	/* its driver */
	void *adapter;			/* the driver's private data (twin_DRIVER.c) */
	bool attached, wanted;
	struct twin_shared *sh;		/* vzalloc'd, page aligned */
	int evtchn_irq;
	unsigned int frag_len, frag_headroom, small_len;
	unsigned int rx_mode;		/* TWIN_RX_* */

	const struct net_device_ops *orig_ops;
	struct net_device_ops ops;	/* orig_ops with our ndo_start_xmit */

	struct net_device napi_dev;	/* a dummy netdev for our NAPI */
	struct napi_struct napi;	/* drains the upcall ring */
	struct work_struct fallback;	/* the instance disabled itself */
	struct delayed_work check;	/* periodic checks (twin_check.c) */
	unsigned int disable_reason;
	bool queue_stopped;		/* we stopped TX: Xen's ring was full */

	/* the guests' path (twin_vif.c) */
	struct twin_dom0_vif vifs[TWIN_MAX_VIFS];
	struct twin_txbuf txbufs[TWIN_TXPOOL_SLOTS];	/* ours, as supplied */
	bool txpool_supplied;
	void *guest_pcpu;		/* the guests' transmits' softnet_data */
	struct work_struct vif_work;	/* Xen stopped serving some vifs */
	unsigned long vif_failed;	/* which (Xen's vif ids) */

	struct twin_dom0_stats st;
	uint32_t corrupt_kind;		/* armed fault (twin_fault.c) */
	bool corrupt_inflight;		/* the drain waits: a pointer is bad */
	uint64_t corrupt_value;
};

extern struct twin twin;

/* twin_main.c */
long twin_hypercall(unsigned int cmd, void *arg);
int twin_selftest_retype(void);
void twin_fallback_work(struct work_struct *work);

/* twin_ring.c */
int twin_ring_init(struct twin *t);
void twin_ring_exit(struct twin *t);
int twin_ring_supply_posted(struct twin *t, void *frag);
void twin_ring_refill(struct twin *t, gfp_t gfp);
int twin_ring_bind(struct twin *t, unsigned int xen_port);
void twin_ring_unbind(struct twin *t);
void twin_ring_drain_all(struct twin *t);
void twin_ring_free_supply(struct twin *t);

/* twin_check.c */
bool twin_check_report(struct twin *t, const char *when, unsigned int i, const char *what,
		       u64 a, u64 b);
bool twin_check_bus_address(struct twin *t, const char *when, unsigned int i,
			    struct device *dev, const void *data, dma_addr_t dma);
bool twin_check_page(struct twin *t, const char *when, unsigned int i, struct page *page,
		     unsigned int n);
void twin_check_log(struct twin *t, u32 rx_ntc, u32 rx_ntu, u32 rdh, u32 rdt,
		    u32 tx_ntc, u32 tx_ntu, u32 tdh, u32 tdt, u32 ims);
bool twin_check_rx_ring(struct twin *t, const char *when);
unsigned int twin_fill_rx_holes(struct twin *t);
long twin_check_now(struct twin *t);
void twin_check_start(struct twin *t);
void twin_check_stop(struct twin *t);

/* twin_vif.c */
int twin_guest_attach_fields(struct twin *t, struct twin_attach *a);
int twin_vif_attach(struct twin *t, const char *ifname);
int twin_vif_detach(struct twin *t, const char *ifname);
void twin_vif_detach_all(struct twin *t);
int twin_vif_status(struct twin *t, struct twin_ioc_vif *req);
void twin_vif_failed(struct twin *t, u32 xen_id);
void twin_txpool_released(struct twin *t, u64 skb, unsigned int attached, bool in_ring);
void twin_txpool_free(struct twin *t);
void twin_vif_init(struct twin *t);
void twin_vif_exit(struct twin *t);

/* twin_fault.c */
int twin_fault_arm(struct twin *t, const struct twin_ioc_corrupt *c);
long twin_fault_xmit(struct twin *t, struct sk_buff *skb);

#endif
