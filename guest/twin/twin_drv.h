/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the twin module needs of the NIC's driver, one implementation per
 * driver (twin_e1000.c, twin_e1000e.c), each built against that driver's
 * own headers: the rest of the module never sees an adapter's layout.
 * Every op runs under twin.lock with the device found by match().
 */
#ifndef TWIN_DRV_H
#define TWIN_DRV_H

#include <linux/netdevice.h>
#include <linux/pci.h>

struct twin;
struct twin_attach;

struct twin_driver {
	const char *name;	/* the PCI driver's, and its payload's */

	/* the driver's hooks into its slow paths: install (ops) or remove */
	int (*hooks_set)(bool install);

	struct napi_struct *(*napi)(struct twin *t);
	struct pci_dev *(*pdev)(struct twin *t);
	/* the driver brought the device down, or is resetting it */
	bool (*is_down)(struct twin *t);
	/* t->frag_len, frag_headroom, small_len and rx_mode for attach */
	void (*geometry)(struct twin *t);
	/*
	 * Before the attach hypercall, with the driver stopped: hand the NIC
	 * what the driver refilled but did not post yet, so that Xen finds
	 * every posted buffer in [head, tail) (hv/xen/desc_guard.c)
	 */
	void (*post_refilled)(struct twin *t);
	/*
	 * Optional: skb surgery the driver's transmit would ask of Xen, which
	 * cannot allocate dom0 memory, done here first (0, or drop the skb)
	 */
	int (*xmit_prepare)(struct twin *t, struct sk_buff *skb);
	/* the driver's fields of attach: adapter, napi, interrupts, rings */
	int (*fill_attach)(struct twin *t, struct twin_attach *a);
	/* mask and unmask the NIC's interrupt causes, and the lines in dom0 */
	void (*irqs_off)(struct twin *t);
	void (*irqs_on)(struct twin *t);
	void (*lines_enable)(struct twin *t, bool enable);
	/* the supply entries for receive buffers the RX ring holds now */
	int (*fill_posted)(struct twin *t);
	/* twin_check.c's checks and repairs of the rings */
	bool (*check_rx_ring)(struct twin *t, const char *when);
	unsigned int (*fill_rx_holes)(struct twin *t);
	void (*log_state)(struct twin *t);
	/* a reset of the adapter, later, in the driver's own work */
	void (*reset)(struct twin *t);
	/* twin_fault.c: point the TX ring's base (@ring) or the adapter's TX ring at @bad */
	void *(*swap_tx_ring)(struct twin *t, bool ring, void *bad);
};

extern const struct twin_driver twin_e1000_driver;
extern const struct twin_driver twin_e1000e_driver;

/* twin_main.c: what the drivers' hooks call, with their adapter */
void twin_hook_quiesce(void *adapter);
void twin_hook_resume(void *adapter);

#endif
