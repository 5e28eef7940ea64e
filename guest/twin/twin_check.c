// SPDX-License-Identifier: GPL-2.0
/*
 * A consistency check of the receive ring as one instance hands it to the
 * other (at attach and after detach, and on request while the VM instance
 * runs): every buffer the NIC may write into must still be a buffer the
 * ring owns, at the bus address the NIC was given.
 *
 *  - bus address: a posted descriptor holds its buffer's dma, and that is
 *    the buffer's machine address (or a swiotlb bounce slot of dom0's,
 *    counted apart: Xen's instance cannot sync those);
 *  - ownership: each fragment holds one reference on its page, so a page
 *    with fewer references than the ring has fragments on it was freed
 *    under the NIC (it goes back to the allocator, and received frames
 *    land in whatever it becomes next), and so was one that became a
 *    slab page or is mapped into a process;
 *  - no fragment is in the ring twice.
 *
 * Problems are counted in the module's status and the first few printed.
 * Besides attach and detach, `twinctl check` asks for one, and the
 * check_ms parameter runs one periodically while dom0's driver runs (a
 * buffer freed under the NIC after a detach shows up there).
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/swiotlb.h>
#include <asm/xen/page.h>

#include "twin.h"

#define REPORT_MAX	8

static bool report(struct twin *t, const char *when, unsigned int i, const char *what,
		   u64 a, u64 b)
{
	if (t->st.check_problems++ < REPORT_MAX)
		netdev_err(t->netdev, "twin: check %s: rx[%u] %s (%#llx, %#llx)\n",
			   when, i, what, a, b);
	return false;
}

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
	u64 maddr = virt_to_machine(b->rxbuf.data).maddr;
	phys_addr_t paddr;

	if (posted(ring, i) && le64_to_cpu(desc->buffer_addr) != b->dma)
		return report(t, when, i, "descriptor and buffer disagree",
			      le64_to_cpu(desc->buffer_addr), b->dma);
	if (b->dma == maddr)
		return true;
	paddr = PFN_PHYS(mfn_to_pfn(PFN_DOWN(b->dma))) | (b->dma & ~PAGE_MASK);
	if (pfn_valid(PFN_DOWN(paddr)) && is_swiotlb_buffer(&t->adapter->pdev->dev, paddr)) {
		t->st.check_bounced++;
		return true;
	}
	return report(t, when, i, "bus address is not the buffer's", b->dma, maddr);
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

/* Check the RX ring; the caller keeps both instances off it.  True: held. */
bool twin_check_rx_ring(struct twin *t, const char *when)
{
	struct e1000_rx_ring *ring = &t->adapter->rx_ring[0];
	unsigned int i, n, before = t->st.check_problems;
	bool first, dup;

	t->st.check_runs++;
	if (!indices_in_rings(t->adapter))
		report(t, when, ring->next_to_clean, "ring index past the ring's end",
		       ring->next_to_use, t->adapter->tx_ring[0].next_to_clean);
	for (i = 0; i < ring->count; i++) {
		u8 *data = ring->buffer_info[i].rxbuf.data;
		struct page *page;

		if (!data) {
			if (posted(ring, i))
				report(t, when, i, "posted without a buffer", 0, 0);
			continue;
		}
		if (!virt_addr_valid(data)) {
			report(t, when, i, "buffer outside the direct map", (u64)data, 0);
			continue;
		}
		check_dma(t, when, ring, i);
		page = virt_to_head_page(data);
		n = frags_on_page(ring, i, page, &first, &dup);
		if (dup)
			report(t, when, i, "buffer is in the ring twice", (u64)data, 0);
		if (!first)
			continue;
		if (page_ref_count(page) < n)
			report(t, when, i, "page has fewer references than fragments",
			       page_ref_count(page), n);
		/* a fragment's page is the kernel's alone: mapped, it was reused */
		else if (PageSlab(page) || PageAnon(page) || page_mapped(page))
			report(t, when, i, "page was freed and reused (slab or mapped)",
			       page->flags, page_mapcount(page));
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
 * waits there for a reset of the adapter, scheduled here (a fallback
 * schedules one anyway).  Returns the slots filled and rings repaired.
 */
unsigned int twin_fill_rx_holes(struct twin *t)
{
	struct e1000_adapter *adapter = t->adapter;
	struct e1000_rx_ring *ring = &adapter->rx_ring[0];
	unsigned int i, filled = 0;

	/*
	 * An index past a ring: both of that ring's start over at 0, with
	 * nothing posted or pending and no receive descriptor done (the NIC's
	 * registers are the reset's to set again), so that dom0's poll and
	 * the reset's cleaning stay inside buffer_info[].
	 */
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
	if (filled) {
		netdev_warn(t->netdev, "twin: %u receive slots or ring indices repaired; resetting the adapter\n",
			    filled);
		schedule_work(&adapter->reset_task);
	}
	return filled;
}

/*
 * Periodic checks: the work is queued only while check_ms is set, so an
 * unset parameter costs nothing; setting it (sysfs) starts the work.
 */
static unsigned int check_ms;
static struct twin *checked;		/* the work's twin, once started */
static DEFINE_MUTEX(check_lock);	/* checked against the setter */

static int set_check_ms(const char *val, const struct kernel_param *kp)
{
	int rc = param_set_uint(val, kp);

	mutex_lock(&check_lock);
	if (!rc && checked && check_ms)
		mod_delayed_work(system_wq, &checked->check, msecs_to_jiffies(check_ms));
	mutex_unlock(&check_lock);
	return rc;
}

static const struct kernel_param_ops check_ms_ops = {
	.set = set_check_ms,
	.get = param_get_uint,
};
module_param_cb(check_ms, &check_ms_ops, &check_ms, 0644);
MODULE_PARM_DESC(check_ms, "check the RX ring every check_ms ms while dom0's driver runs it (0: never)");

/* One line of the rings' and queue's state, for whoever reads dmesg. */
static void log_state(struct twin *t)
{
	struct e1000_adapter *adapter = t->adapter;
	struct e1000_hw *hw = &adapter->hw;
	struct e1000_rx_ring *rx = &adapter->rx_ring[0];
	struct e1000_tx_ring *tx = &adapter->tx_ring[0];
	struct netdev_queue *q = netdev_get_tx_queue(t->netdev, 0);

	netdev_info(t->netdev, "twin: rx ntc %u ntu %u RDH %u RDT %u; tx ntc %u ntu %u TDH %u TDT %u; "
		    "IMS %#x napi %#lx txq %#lx bql inflight %u limit %u\n",
		    rx->next_to_clean, rx->next_to_use, er32(RDH), er32(RDT),
		    tx->next_to_clean, tx->next_to_use, er32(TDH), er32(TDT), er32(IMS),
		    adapter->napi.state, q->state, q->dql.num_queued - q->dql.num_completed,
		    q->dql.limit);
}

/* Now, with the VM instance running the ring: its poll is paused for it. */
long twin_check_now(struct twin *t)
{
	struct e1000_adapter *adapter;
	long rc;

	rtnl_lock();
	mutex_lock(&t->lock);
	adapter = t->adapter;
	if (!adapter || t->attached || !netif_running(t->netdev) ||
	    test_bit(__E1000_DOWN, &adapter->flags)) {
		rc = -ENOTCONN;
	} else {
		if (!READ_ONCE(check_ms))
			log_state(t);
		napi_disable(&adapter->napi);
		rc = twin_check_rx_ring(t, "on request") ? 0 : -EIO;
		napi_enable(&adapter->napi);
		/*
		 * A poll that napi_disable() cut short left the NIC's
		 * interrupts masked, and one that came meanwhile found NAPI
		 * disabled: poll once, which unmasks them when done.
		 */
		local_bh_disable();
		napi_schedule(&adapter->napi);
		local_bh_enable();
	}
	mutex_unlock(&t->lock);
	rtnl_unlock();
	return rc;
}

static void check_work(struct work_struct *work)
{
	struct twin *t = container_of(work, struct twin, check.work);
	unsigned int ms;

	if (!READ_ONCE(check_ms))
		return;
	twin_check_now(t);
	ms = READ_ONCE(check_ms);
	if (ms)
		schedule_delayed_work(&t->check, msecs_to_jiffies(ms));
}

void twin_check_start(struct twin *t)
{
	INIT_DELAYED_WORK(&t->check, check_work);
	mutex_lock(&check_lock);
	checked = t;
	if (check_ms)
		schedule_delayed_work(&t->check, msecs_to_jiffies(check_ms));
	mutex_unlock(&check_lock);
}

void twin_check_stop(struct twin *t)
{
	mutex_lock(&check_lock);
	checked = NULL;
	mutex_unlock(&check_lock);
	cancel_delayed_work_sync(&t->check);
}
