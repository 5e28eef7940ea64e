// SPDX-License-Identifier: GPL-2.0
/*
 * The twin module's e1000e (twin_drv.h): Debian's e1000e with
 * e1000e-twin-hooks.patch, an 82574L in the testbed (QEMU's e1000e).
 *
 * What differs from e1000 for the runtime: the driver picks MSI-X when it
 * can, with three vectors (receive, transmit, "other") each with its own
 * handler, else MSI or a legacy line; it allocates whole skbs for the RX
 * ring (TWIN_RX_SKBS); and its receive descriptors are extended ones,
 * whose write-back overwrites the buffer address (hv/xen/desc_guard.c).
 * Register writes go straight to the BAR: __ew32()'s only extra, the ME
 * arbiter wait, is for ICH/PCH parts, and the module never runs on the
 * fast path where it matters.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <net/tcp.h>
#include <xen/events.h>

#include "e1000e/e1000.h"
#include "twin.h"

/* the handlers of hv/payload/e1000e.entries, in its order */
enum { E1000E_INTR, E1000E_INTR_MSI, E1000E_MSIX_RX, E1000E_MSIX_TX, E1000E_MSIX_OTHER };

/* e1000_request_msix()'s vectors, in its order */
static const u8 msix_handlers[] = { E1000E_MSIX_RX, E1000E_MSIX_TX, E1000E_MSIX_OTHER };

#define wr(hw, reg, val)	writel((val), (hw)->hw_addr + (reg))
#define rd(hw, reg)		readl((hw)->hw_addr + (reg))

static struct e1000_adapter *adapter_of(struct twin *t)
{
	return t->adapter;
}

static struct napi_struct *e1000e_twin_napi(struct twin *t)
{
	return &adapter_of(t)->napi;
}

static struct pci_dev *e1000e_twin_pdev(struct twin *t)
{
	return adapter_of(t)->pdev;
}

static bool e1000e_twin_is_down(struct twin *t)
{
	return test_bit(__E1000_DOWN, &adapter_of(t)->state);
}

static void e1000e_twin_geometry(struct twin *t)
{
	/* __netdev_alloc_skb_ip_align(netdev, rx_buffer_len): what Xen supplies */
	t->frag_len = adapter_of(t)->rx_buffer_len + NET_IP_ALIGN;
	t->frag_headroom = NET_SKB_PAD + NET_IP_ALIGN;
	t->small_len = 256;
	t->rx_mode = TWIN_RX_SKBS;
}

/*
 * e1000_xmit_frame() pulls 4 bytes of payload into the linear part of a
 * TSO frame whose linear part is only its headers (a workaround for the
 * 82571 family it applies to every part), and every TCP frame the stack
 * segments is one.  The pull reallocates a cloned head, which Xen cannot
 * (its __pskb_pull_tail refuses, and the driver drops the frame: TCP then
 * crawls on retransmissions), so it is done here before the frame goes to
 * Xen, and the instance finds nothing to pull.
 */
static int e1000e_twin_xmit_prepare(struct twin *t, struct sk_buff *skb)
{
	if (!skb_shinfo(skb)->gso_size || !skb->data_len ||
	    skb_headlen(skb) != skb_tcp_all_headers(skb))
		return 0;
	return __pskb_pull_tail(skb, min_t(unsigned int, 4, skb->data_len)) ? 0 : -ENOMEM;
}

/* Hand the NIC the slots the driver refilled since its last tail write. */
static void e1000e_twin_post_refilled(struct twin *t)
{
	struct e1000_ring *rx = adapter_of(t)->rx_ring;

	wmb();		/* the descriptors before the tail, as the driver does */
	writel(rx->next_to_use, rx->tail);
}

static int e1000e_twin_fill_attach(struct twin *t, struct twin_attach *a)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct pci_dev *pdev = adapter->pdev;
	unsigned int i;

	a->adapter = (unsigned long)adapter;
	a->napi = (unsigned long)&adapter->napi;
	a->bar_maddr = pci_resource_start(pdev, 0);
	a->bar_size = PAGE_ALIGN(pci_resource_len(pdev, 0));
	if (adapter->msix_entries) {
		if (adapter->num_vectors > ARRAY_SIZE(msix_handlers))
			return -EOPNOTSUPP;
		for (i = 0; i < adapter->num_vectors; i++) {
			a->pirq[i] = xen_pirq_from_irq(adapter->msix_entries[i].vector);
			a->handler[i] = msix_handlers[i];
		}
		a->nr_irqs = adapter->num_vectors;
	} else {
		a->pirq[0] = xen_pirq_from_irq(pdev->irq);
		a->handler[0] = adapter->flags & FLAG_MSI_ENABLED ? E1000E_INTR_MSI : E1000E_INTR;
		a->nr_irqs = 1;
	}
	a->rx_next_to_use = (unsigned long)&adapter->rx_ring->next_to_use;
	a->rx_index_bytes = sizeof(adapter->rx_ring->next_to_use);
	return 0;
}

/* e1000_irq_disable() and e1000_irq_enable() of netdev.c, on an 82574 */
static void e1000e_twin_irqs_off(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_hw *hw = &adapter->hw;

	wr(hw, E1000_IMC, ~0);
	if (adapter->msix_entries)
		wr(hw, E1000_EIAC_82574, 0);
	rd(hw, E1000_STATUS);
}

static void e1000e_twin_irqs_on(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_hw *hw = &adapter->hw;

	if (adapter->msix_entries) {
		wr(hw, E1000_EIAC_82574, adapter->eiac_mask & E1000_EIAC_MASK_82574);
		wr(hw, E1000_IMS, adapter->eiac_mask | E1000_IMS_OTHER | IMS_OTHER_MASK);
	} else {
		wr(hw, E1000_IMS, IMS_ENABLE_MASK);
	}
	rd(hw, E1000_STATUS);
}

static void e1000e_twin_lines_enable(struct twin *t, bool enable)
{
	struct e1000_adapter *adapter = adapter_of(t);
	unsigned int i, n = adapter->msix_entries ? adapter->num_vectors : 1;

	for (i = 0; i < n; i++) {
		unsigned int irq = adapter->msix_entries ?
				   adapter->msix_entries[i].vector : adapter->pdev->irq;

		if (enable)
			enable_irq(irq);
		else
			disable_irq(irq);
	}
}

/* Whole skbs: Xen needs no record of the ring's buffers (TWIN_RX_SKBS). */
static int e1000e_twin_fill_posted(struct twin *t)
{
	return 0;
}

/* --- checks of the rings (twin_check.c) ------------------------------ */

static bool posted(const struct e1000_ring *ring, unsigned int i)
{
	unsigned int ntc = ring->next_to_clean, ntu = ring->next_to_use;

	return ntc <= ntu ? i >= ntc && i < ntu : i >= ntc || i < ntu;
}

static bool indices_in_rings(const struct e1000_adapter *adapter)
{
	const struct e1000_ring *rx = adapter->rx_ring, *tx = adapter->tx_ring;

	return rx->next_to_use < rx->count && rx->next_to_clean < rx->count &&
	       tx->next_to_use < tx->count && tx->next_to_clean < tx->count;
}

/*
 * Every posted slot holds an skb mapped at its data, named by its
 * descriptor until the NIC writes it back (extended descriptors lose the
 * address then); no skb is in the ring twice.
 */
static bool e1000e_twin_check_rx_ring(struct twin *t, const char *when)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_ring *ring = adapter->rx_ring;
	unsigned int i, j, before = t->st.check_problems;

	if (!indices_in_rings(adapter))
		twin_check_report(t, when, ring->next_to_clean, "ring index past the ring's end",
				  ring->next_to_use, adapter->tx_ring->next_to_clean);
	for (i = 0; i < ring->count; i++) {
		const struct e1000_buffer *b = &ring->buffer_info[i];
		union e1000_rx_desc_extended *desc = E1000_RX_DESC_EXT(*ring, i);
		u32 staterr = le32_to_cpu(desc->wb.upper.status_error);

		if (!b->skb) {
			if (posted(ring, i))
				twin_check_report(t, when, i, "posted without a buffer", 0, 0);
			continue;
		}
		for (j = i + 1; j < ring->count; j++)
			if (ring->buffer_info[j].skb == b->skb)
				twin_check_report(t, when, i, "buffer is in the ring twice",
						  (u64)b->skb, j);
		if (!posted(ring, i))
			continue;
		if (!(staterr & E1000_RXD_STAT_DD) &&
		    le64_to_cpu(desc->read.buffer_addr) != b->dma)
			twin_check_report(t, when, i, "descriptor and buffer disagree",
					  le64_to_cpu(desc->read.buffer_addr), b->dma);
		twin_check_bus_address(t, when, i, &adapter->pdev->dev, b->skb->data, b->dma);
	}
	return t->st.check_problems == before;
}

/* As e1000's (twin_e1000.c): posted slots get a buffer, bad indices restart. */
static unsigned int e1000e_twin_fill_rx_holes(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_ring *ring = adapter->rx_ring;
	unsigned int i, filled = 0;

	if (!indices_in_rings(adapter)) {
		struct e1000_ring *tx = adapter->tx_ring;

		if (ring->next_to_use >= ring->count || ring->next_to_clean >= ring->count) {
			ring->next_to_use = ring->next_to_clean = 0;
			for (i = 0; i < ring->count; i++)
				E1000_RX_DESC_EXT(*ring, i)->wb.upper.status_error = 0;
		}
		if (tx->next_to_use >= tx->count || tx->next_to_clean >= tx->count)
			tx->next_to_use = tx->next_to_clean = 0;
		filled++;
	}
	for (i = 0; i < ring->count; i++) {
		struct e1000_buffer *b = &ring->buffer_info[i];
		union e1000_rx_desc_extended *desc = E1000_RX_DESC_EXT(*ring, i);
		struct sk_buff *skb;
		dma_addr_t dma;

		if (b->skb || !posted(ring, i))
			continue;
		skb = __netdev_alloc_skb_ip_align(t->netdev, adapter->rx_buffer_len, GFP_KERNEL);
		if (!skb)
			continue;
		dma = dma_map_single(&adapter->pdev->dev, skb->data, adapter->rx_buffer_len,
				     DMA_FROM_DEVICE);
		if (dma_mapping_error(&adapter->pdev->dev, dma)) {
			dev_kfree_skb(skb);
			continue;
		}
		b->skb = skb;
		b->dma = dma;
		desc->read.buffer_addr = cpu_to_le64(dma);
		desc->wb.upper.status_error = 0;
		filled++;
	}
	return filled;
}

static void e1000e_twin_log_state(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_hw *hw = &adapter->hw;
	struct e1000_ring *rx = adapter->rx_ring, *tx = adapter->tx_ring;

	twin_check_log(t, rx->next_to_clean, rx->next_to_use, readl(rx->head), readl(rx->tail),
		       tx->next_to_clean, tx->next_to_use, readl(tx->head), readl(tx->tail),
		       rd(hw, E1000_IMS));
}

static void e1000e_twin_reset(struct twin *t)
{
	schedule_work(&adapter_of(t)->reset_task);
}

static void *e1000e_twin_swap_tx_ring(struct twin *t, bool ring, void *bad)
{
	struct e1000_adapter *adapter = adapter_of(t);

	if (ring)
		return xchg(&adapter->tx_ring->desc, bad);
	return xchg(&adapter->tx_ring, (struct e1000_ring *)bad);
}

/* --- the hooks of e1000e-twin-hooks.patch ------------------------------ */

static void e1000e_twin_quiesce(struct e1000_adapter *adapter)
{
	twin_hook_quiesce(adapter);
}

static void e1000e_twin_resume(struct e1000_adapter *adapter)
{
	twin_hook_resume(adapter);
}

static const struct e1000e_twin_ops hooks = {
	.quiesce = e1000e_twin_quiesce,
	.resume = e1000e_twin_resume,
};

/* e1000e.ko's hook pointer, found when e1000e is loaded (and kept loaded) */
static const struct e1000e_twin_ops **hook_slot;

static int e1000e_twin_hooks_set(bool install)
{
	if (install && !hook_slot) {
		hook_slot = symbol_get(e1000e_twin_ops);
		if (!hook_slot)
			return -ENOENT;
		WRITE_ONCE(*hook_slot, &hooks);
	} else if (!install && hook_slot) {
		WRITE_ONCE(*hook_slot, NULL);
		symbol_put(e1000e_twin_ops);
		hook_slot = NULL;
	}
	return 0;
}

const struct twin_driver twin_e1000e_driver = {
	.name = "e1000e",
	.hooks_set = e1000e_twin_hooks_set,
	.napi = e1000e_twin_napi,
	.pdev = e1000e_twin_pdev,
	.is_down = e1000e_twin_is_down,
	.geometry = e1000e_twin_geometry,
	.post_refilled = e1000e_twin_post_refilled,
	.xmit_prepare = e1000e_twin_xmit_prepare,
	.fill_attach = e1000e_twin_fill_attach,
	.irqs_off = e1000e_twin_irqs_off,
	.irqs_on = e1000e_twin_irqs_on,
	.lines_enable = e1000e_twin_lines_enable,
	.fill_posted = e1000e_twin_fill_posted,
	.check_rx_ring = e1000e_twin_check_rx_ring,
	.fill_rx_holes = e1000e_twin_fill_rx_holes,
	.log_state = e1000e_twin_log_state,
	.reset = e1000e_twin_reset,
	.swap_tx_ring = e1000e_twin_swap_tx_ring,
};
