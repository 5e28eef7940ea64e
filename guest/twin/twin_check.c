// SPDX-License-Identifier: GPL-2.0
/*
 * A consistency check of the receive ring as one instance hands it to the
 * other (each driver's in its twin_DRIVER.c, with the helpers here) (at attach and after detach, and on request while the VM instance
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

bool twin_check_report(struct twin *t, const char *when, unsigned int i, const char *what,
		       u64 a, u64 b)
{
	if (t->st.check_problems++ < REPORT_MAX)
		netdev_err(t->netdev, "twin: check %s: rx[%u] %s (%#llx, %#llx)\n",
			   when, i, what, a, b);
	return false;
}

/* @dma, the bus address slot @i's buffer @data was mapped at: its own? */
bool twin_check_bus_address(struct twin *t, const char *when, unsigned int i,
			    struct device *dev, const void *data, dma_addr_t dma)
{
	u64 maddr = virt_to_machine(data).maddr;
	phys_addr_t paddr;

	if (dma == maddr)
		return true;
	paddr = PFN_PHYS(mfn_to_pfn(PFN_DOWN(dma))) | (dma & ~PAGE_MASK);
	if (pfn_valid(PFN_DOWN(paddr)) && is_swiotlb_buffer(dev, paddr)) {
		t->st.check_bounced++;
		return true;
	}
	return twin_check_report(t, when, i, "bus address is not the buffer's", dma, maddr);
}

/* @page holds @n fragments of the ring (slot @i's the first): still theirs? */
bool twin_check_page(struct twin *t, const char *when, unsigned int i, struct page *page,
		     unsigned int n)
{
	if (page_ref_count(page) < n)
		return twin_check_report(t, when, i, "page has fewer references than fragments",
					 page_ref_count(page), n);
	/* a fragment's page is the kernel's alone: mapped, it was reused */
	if (PageSlab(page) || PageAnon(page) || page_mapped(page))
		return twin_check_report(t, when, i, "page was freed and reused (slab or mapped)",
					 page->flags, page_mapcount(page));
	return true;
}

/* Check the RX ring; the caller keeps both instances off it.  True: held. */
bool twin_check_rx_ring(struct twin *t, const char *when)
{
	t->st.check_runs++;
	return t->drv->check_rx_ring(t, when);
}

/*
 * After a detach whose check found problems: the driver's repair of its
 * rings (a fresh buffer for a posted slot left without one, indices past
 * a ring restarted), then a reset of the adapter, since a frame already
 * written back into a repaired slot is lost (a fallback schedules one
 * anyway).  Returns the slots filled and rings repaired.
 */
unsigned int twin_fill_rx_holes(struct twin *t)
{
	unsigned int filled = t->drv->fill_rx_holes(t);

	if (filled) {
		netdev_warn(t->netdev, "twin: %u receive slots or ring indices repaired; resetting the adapter\n",
			    filled);
		t->drv->reset(t);
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
void twin_check_log(struct twin *t, u32 rx_ntc, u32 rx_ntu, u32 rdh, u32 rdt,
		    u32 tx_ntc, u32 tx_ntu, u32 tdh, u32 tdt, u32 ims)
{
	struct netdev_queue *q = netdev_get_tx_queue(t->netdev, 0);

	netdev_info(t->netdev, "twin: rx ntc %u ntu %u RDH %u RDT %u; tx ntc %u ntu %u TDH %u TDT %u; "
		    "IMS %#x napi %#lx txq %#lx bql inflight %u limit %u\n",
		    rx_ntc, rx_ntu, rdh, rdt, tx_ntc, tx_ntu, tdh, tdt, ims,
		    t->drv->napi(t)->state, q->state, q->dql.num_queued - q->dql.num_completed,
		    q->dql.limit);
}

/* Now, with the VM instance running the ring: its poll is paused for it. */
long twin_check_now(struct twin *t)
{
	long rc;

	rtnl_lock();
	mutex_lock(&t->lock);
	if (!t->adapter || t->attached || !netif_running(t->netdev) || t->drv->is_down(t)) {
		rc = -ENOTCONN;
	} else {
		if (!READ_ONCE(check_ms))
			t->drv->log_state(t);
		napi_disable(t->drv->napi(t));
		rc = twin_check_rx_ring(t, "on request") ? 0 : -EIO;
		napi_enable(t->drv->napi(t));
		/*
		 * A poll that napi_disable() cut short left the NIC's
		 * interrupts masked, and one that came meanwhile found NAPI
		 * disabled: poll once, which unmasks them when done.
		 */
		local_bh_disable();
		napi_schedule(t->drv->napi(t));
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
