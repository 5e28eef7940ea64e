// SPDX-License-Identifier: GPL-2.0
/*
 * The twin module's e1000 (twin_drv.h): Debian's e1000 with
 * e1000-twin-hooks.patch, an 82540EM in the testbed.  One interrupt line
 * (e1000_intr), receive buffers are page fragments the driver builds skbs
 * around once filled (TWIN_RX_FRAGS), legacy descriptors throughout.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/swiotlb.h>
#include <xen/events.h>
#include <asm/xen/page.h>

#include "e1000/e1000.h"
#include "twin.h"

/* the handlers of hv/payload/e1000.entries, in its order */
enum { E1000_INTR };

static struct e1000_adapter *adapter_of(struct twin *t)
{
	return t->adapter;
}

static struct napi_struct *e1000_twin_napi(struct twin *t)
{
	return &adapter_of(t)->napi;
}

static struct pci_dev *e1000_twin_pdev(struct twin *t)
{
	return adapter_of(t)->pdev;
}

static bool e1000_twin_is_down(struct twin *t)
{
	return test_bit(__E1000_DOWN, &adapter_of(t)->flags);
}

static void e1000_twin_geometry(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);

	t->frag_headroom = NET_SKB_PAD + NET_IP_ALIGN;	/* e1000_main.c's E1000_HEADROOM */
	t->frag_len = SKB_DATA_ALIGN(adapter->rx_buffer_len + t->frag_headroom) +
		      SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	t->small_len = 256;
	t->rx_mode = TWIN_RX_FRAGS;
}

static int e1000_twin_fill_attach(struct twin *t, struct twin_attach *a)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct pci_dev *pdev = adapter->pdev;

	a->adapter = (unsigned long)adapter;
	a->napi = (unsigned long)&adapter->napi;
	a->bar_maddr = pci_resource_start(pdev, BAR_0);
	a->bar_size = PAGE_ALIGN(pci_resource_len(pdev, BAR_0));
	a->nr_irqs = 1;
	a->pirq[0] = xen_pirq_from_irq(pdev->irq);
	a->handler[0] = E1000_INTR;
	a->rx_next_to_use = (unsigned long)&adapter->rx_ring[0].next_to_use;
	a->rx_index_bytes = sizeof(adapter->rx_ring[0].next_to_use);
	return 0;
}

static void e1000_twin_irqs_off(struct twin *t)
{
	struct e1000_hw *hw = &adapter_of(t)->hw;

	ew32(IMC, ~0);
	E1000_WRITE_FLUSH();
}

static void e1000_twin_irqs_on(struct twin *t)
{
	struct e1000_hw *hw = &adapter_of(t)->hw;

	ew32(IMS, IMS_ENABLE_MASK);
	E1000_WRITE_FLUSH();
}

static void e1000_twin_lines_enable(struct twin *t, bool enable)
{
	if (enable)
		enable_irq(adapter_of(t)->pdev->irq);
	else
		disable_irq(adapter_of(t)->pdev->irq);
}

/*
 * The fragments the VM instance already posted in the RX ring: Xen's
 * instance will receive into them, so it needs their skbs too.
 */
static int e1000_twin_fill_posted(struct twin *t)
{
	struct e1000_rx_ring *ring = &adapter_of(t)->rx_ring[0];
	unsigned int i;
	int rc;

	for (i = 0; i < ring->count; i++) {
		u8 *data = ring->buffer_info[i].rxbuf.data;

		if (!data)
			continue;
		rc = twin_ring_supply_posted(t, data - t->frag_headroom);
		if (rc)
			return rc;
	}
	return 0;
}

/* --- checks of the rings (twin_check.c) ------------------------------ */

static bool posted(const struct e1000_rx_ring *ring, unsigned int i)
{
	unsigned int ntc = ring->next_to_clean, ntu = ring->next_to_use;

	return ntc <= ntu ? i >= ntc && i < ntu : i >= ntc || i < ntu;
}

static bool check_dma(struct twin *t, const char *when, struct e1000_rx_ring *ring,
		      unsigned int i)
{
	const struct e1000_rx_buffer *b = &ring->buffer_info[i];
	struct e1000_rx_desc *desc = E1000_RX_DESC(*ring, i);

	if (posted(ring, i) && le64_to_cpu(desc->buffer_addr) != b->dma)
		return twin_check_report(t, when, i, "descriptor and buffer disagree",
					 le64_to_cpu(desc->buffer_addr), b->dma);
	return twin_check_bus_address(t, when, i, &adapter_of(t)->pdev->dev,
				      b->rxbuf.data, b->dma);
}

/* Fragments of the ring on @page, @i's, and whether @i's is the first. */
static unsigned int frags_on_page(const struct e1000_rx_ring *ring, unsigned int i,
				  struct page *page, bool *first, bool *dup)
{
	unsigned int j, n = 0;

	*first = true;
	*dup = false;
	for (j = 0; j < ring->count; j++) {
		u8 *data = ring->buffer_info[j].rxbuf.data;

		if (!data || virt_to_head_page(data) != page)
			continue;
		n++;
		if (j < i)
			*first = false;
		if (j != i && data == ring->buffer_info[i].rxbuf.data)
			*dup = true;
	}
	return n;
}

/*
 * The indices dom0's driver will follow into buffer_info[] (a vmalloc'd
 * array of count entries): a buggy instance can leave them anywhere (tdh
 * faults: a random mutant left one past the ring, and dom0's refill faulted
 * on the page after the array).
 */
static bool indices_in_rings(const struct e1000_adapter *adapter)
{
	const struct e1000_rx_ring *rx = &adapter->rx_ring[0];
	const struct e1000_tx_ring *tx = &adapter->tx_ring[0];

	return rx->next_to_use < rx->count && rx->next_to_clean < rx->count &&
	       tx->next_to_use < tx->count && tx->next_to_clean < tx->count;
}

static bool e1000_twin_check_rx_ring(struct twin *t, const char *when)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_rx_ring *ring = &adapter->rx_ring[0];
	unsigned int i, n, before = t->st.check_problems;
	bool first, dup;

	if (!indices_in_rings(adapter))
		twin_check_report(t, when, ring->next_to_clean, "ring index past the ring's end",
				  ring->next_to_use, adapter->tx_ring[0].next_to_clean);
	for (i = 0; i < ring->count; i++) {
		u8 *data = ring->buffer_info[i].rxbuf.data;
		struct page *page;

		if (!data) {
			if (posted(ring, i))
				twin_check_report(t, when, i, "posted without a buffer", 0, 0);
			continue;
		}
		if (!virt_addr_valid(data)) {
			twin_check_report(t, when, i, "buffer outside the direct map", (u64)data, 0);
			continue;
		}
		check_dma(t, when, ring, i);
		page = virt_to_head_page(data);
		n = frags_on_page(ring, i, page, &first, &dup);
		if (dup)
			twin_check_report(t, when, i, "buffer is in the ring twice", (u64)data, 0);
		if (first)
			twin_check_page(t, when, i, page, n);
	}
	return t->st.check_problems == before;
}

/*
 * After a detach whose check found problems: a posted slot without a
 * buffer (the instance took its fragment for a frame and stopped before
 * the refill, or a buggy instance wrote over the ring's bookkeeping) gets
 * a fresh one, so that neither the NIC nor dom0's driver meets a NULL
 * buffer there (tdh faults: rx_length_plus_4k and tx_ring_wrap_off_by_one
 * left one, and dom0's clean copied from it).  A frame already written
 * back into the slot is lost: its status is cleared, and dom0's driver
 * waits there for a reset of the adapter, which the caller schedules.
 * An index past a ring: both of that ring's start over at 0, with
 * nothing posted or pending and no receive descriptor done (the NIC's
 * registers are the reset's to set again), so that dom0's poll and the
 * reset's cleaning stay inside buffer_info[].
 */
static unsigned int e1000_twin_fill_rx_holes(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_rx_ring *ring = &adapter->rx_ring[0];
	unsigned int i, filled = 0;

	if (!indices_in_rings(adapter)) {
		struct e1000_tx_ring *tx = &adapter->tx_ring[0];

		if (ring->next_to_use >= ring->count || ring->next_to_clean >= ring->count) {
			ring->next_to_use = ring->next_to_clean = 0;
			for (i = 0; i < ring->count; i++)
				E1000_RX_DESC(*ring, i)->status = 0;
		}
		if (tx->next_to_use >= tx->count || tx->next_to_clean >= tx->count)
			tx->next_to_use = tx->next_to_clean = 0;
		filled++;
	}
	for (i = 0; i < ring->count; i++) {
		struct e1000_rx_buffer *b = &ring->buffer_info[i];
		struct e1000_rx_desc *desc = E1000_RX_DESC(*ring, i);
		void *frag;
		dma_addr_t dma;

		if (b->rxbuf.data || !posted(ring, i))
			continue;
		frag = __netdev_alloc_frag_align(t->frag_len, ~0u);
		if (!frag)
			continue;
		dma = dma_map_single(&adapter->pdev->dev, frag + t->frag_headroom,
				     adapter->rx_buffer_len, DMA_FROM_DEVICE);
		if (dma_mapping_error(&adapter->pdev->dev, dma)) {
			skb_free_frag(frag);
			continue;
		}
		b->rxbuf.data = frag + t->frag_headroom;
		b->dma = dma;
		desc->buffer_addr = cpu_to_le64(dma);
		desc->status = 0;
		filled++;
	}
	return filled;
}

static void e1000_twin_log_state(struct twin *t)
{
	struct e1000_adapter *adapter = adapter_of(t);
	struct e1000_hw *hw = &adapter->hw;
	struct e1000_rx_ring *rx = &adapter->rx_ring[0];
	struct e1000_tx_ring *tx = &adapter->tx_ring[0];

	twin_check_log(t, rx->next_to_clean, rx->next_to_use, er32(RDH), er32(RDT),
		       tx->next_to_clean, tx->next_to_use, er32(TDH), er32(TDT), er32(IMS));
}

static void e1000_twin_reset(struct twin *t)
{
	schedule_work(&adapter_of(t)->reset_task);
}

static void *e1000_twin_swap_tx_ring(struct twin *t, bool ring, void *bad)
{
	struct e1000_adapter *adapter = adapter_of(t);

	if (ring)
		return xchg(&adapter->tx_ring->desc, bad);
	return xchg(&adapter->tx_ring, (struct e1000_tx_ring *)bad);
}

/* --- the hooks of e1000-twin-hooks.patch ------------------------------- */

static void e1000_twin_quiesce(struct e1000_adapter *adapter)
{
	twin_hook_quiesce(adapter);
}

static void e1000_twin_resume(struct e1000_adapter *adapter)
{
	twin_hook_resume(adapter);
}

static const struct e1000_twin_ops hooks = {
	.quiesce = e1000_twin_quiesce,
	.resume = e1000_twin_resume,
};

/* e1000.ko's hook pointer, found when e1000 is loaded (and kept loaded) */
static const struct e1000_twin_ops **hook_slot;

static int e1000_twin_hooks_set(bool install)
{
	if (install && !hook_slot) {
		hook_slot = symbol_get(e1000_twin_ops);
		if (!hook_slot)
			return -ENOENT;
		WRITE_ONCE(*hook_slot, &hooks);
	} else if (!install && hook_slot) {
		WRITE_ONCE(*hook_slot, NULL);
		symbol_put(e1000_twin_ops);
		hook_slot = NULL;
	}
	return 0;
}

const struct twin_driver twin_e1000_driver = {
	.name = "e1000",
	.hooks_set = e1000_twin_hooks_set,
	.napi = e1000_twin_napi,
	.pdev = e1000_twin_pdev,
	.is_down = e1000_twin_is_down,
	.geometry = e1000_twin_geometry,
	.fill_attach = e1000_twin_fill_attach,
	.irqs_off = e1000_twin_irqs_off,
	.irqs_on = e1000_twin_irqs_on,
	.lines_enable = e1000_twin_lines_enable,
	.fill_posted = e1000_twin_fill_posted,
	.check_rx_ring = e1000_twin_check_rx_ring,
	.fill_rx_holes = e1000_twin_fill_rx_holes,
	.log_state = e1000_twin_log_state,
	.reset = e1000_twin_reset,
	.swap_tx_ring = e1000_twin_swap_tx_ring,
};
