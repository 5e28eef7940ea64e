// SPDX-License-Identifier: GPL-2.0
/*
 * The twin module: registers dom0's NIC (its e1000 or e1000e adapter) with
 * Xen so that Xen's hypervisor instance of the driver's fast path runs it,
 * and hands the fast path back to the driver (the VM instance) on detach,
 * on down and reset (the driver's hook patch calls us), and whenever the
 * instance disables itself.  What is the driver's is behind t->drv
 * (twin_drv.h).
 *
 * While attached: Xen takes the NIC's interrupts and polls its rings;
 * dom0's transmit path reaches the instance through twin_start_xmit (a
 * hypercall); what the instance hands back (received skbs, frees, log
 * lines) arrives on the upcall ring (twin_ring.c).  Guests' vifs can then
 * be handed to Xen too (twin_vif.c); they go back to netback before the
 * NIC goes back to dom0's driver.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "twin.h"

struct twin twin;

static ulong init_top_pgt_addr;
module_param_named(init_top_pgt, init_top_pgt_addr, ulong, 0600);
MODULE_PARM_DESC(init_top_pgt, "address of init_top_pgt (twinctl passes it from /proc/kallsyms)");

long twin_hypercall(unsigned int cmd, void *arg)
{
	return _hypercall2(long, twin_op, cmd, arg);
}

/* dom0's own transmit path while attached: one hypercall per skb. */
static netdev_tx_t twin_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	long rc;

	/*
	 * Short frames are padded here, in dom0, where skb surgery is cheap
	 * and always possible (a clone cannot be padded in place from Xen).
	 */
	if (eth_skb_pad(skb))
		return NETDEV_TX_OK;
	if (twin.drv->xmit_prepare && twin.drv->xmit_prepare(&twin, skb)) {
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	if (unlikely(twin.corrupt_kind))
		rc = twin_fault_xmit(&twin, skb);
	else
		rc = twin_hypercall(TWIN_OP_XMIT, skb);
	if (rc == NETDEV_TX_OK)
		return NETDEV_TX_OK;
	if (rc == NETDEV_TX_BUSY) {
		/* Xen's upcall ring is full: wait for our drain to wake us */
		twin.st.xmit_busy++;
		twin.queue_stopped = true;
		netif_stop_queue(dev);
		napi_schedule(&twin.napi);
		return NETDEV_TX_BUSY;
	}
	/*
	 * -EIO: the instance disabled itself during this frame.  Whether it
	 * queued the skb, freed it (the free is on the upcall ring) or
	 * neither is unknown: never free it here; at worst it leaks.
	 */
	schedule_work(&twin.fallback);
	return NETDEV_TX_OK;
}

static int fill_attach(struct twin *t, struct twin_attach *a)
{
	unsigned int cpu;
	int rc;

	memset(a, 0, sizeof(*a));
	a->version = TWIN_INTERFACE_VERSION;
	strscpy(a->driver, t->drv->name, sizeof(a->driver));
	rc = t->drv->fill_attach(t, a);
	if (rc)
		return rc;
	a->netdev = (unsigned long)t->netdev;
	a->shared = (unsigned long)t->sh;
	a->pgd_mfn = virt_to_mfn((void *)init_top_pgt_addr);
	for_each_possible_cpu(cpu) {
		if (cpu >= TWIN_MAX_CPUS)
			break;
		a->percpu_offset[cpu] = per_cpu_offset(cpu);
		a->nr_cpus = cpu + 1;
	}
	a->page_offset_base = page_offset_base;
	a->vmemmap_base = vmemmap_base;
	a->vmalloc_start = VMALLOC_START;
	a->vmalloc_end = VMALLOC_END;
	a->jiffies = (unsigned long)&jiffies;
	a->sizeof_page = sizeof(struct page);
	a->rx_mode = t->rx_mode;
	a->frag_len = t->frag_len;
	a->frag_headroom = t->frag_headroom;
	a->small_len = t->small_len;
	return twin_guest_attach_fields(t, a);
}

/*
 * Hand the fast path to Xen.  The VM instance is stopped first (no
 * transmit, no interrupt, no poll), so exactly one instance touches the
 * rings at a time.  Under rtnl and t->lock.
 */
static int __twin_attach(struct twin *t)
{
	const struct twin_driver *drv = t->drv;
	struct net_device *netdev = t->netdev;
	struct twin_attach a;
	long rc;

	if (t->attached)
		return 0;
	if (!netif_running(netdev) || drv->is_down(t))
		return -ENETDOWN;
	if (!init_top_pgt_addr)
		return -EINVAL;
	drv->geometry(t);
	rc = twin_ring_init(t);
	if (rc)
		return rc;

	netif_tx_disable(netdev);
	drv->irqs_off(t);
	drv->lines_enable(t, false);
	napi_disable(drv->napi(t));

	twin_check_rx_ring(t, "at attach");
	if (drv->post_refilled)
		drv->post_refilled(t);
	rc = drv->fill_posted(t);
	if (!rc) {
		twin_ring_refill(t, GFP_KERNEL);
		rc = fill_attach(t, &a);
	}
	if (!rc)
		rc = twin_hypercall(TWIN_OP_ATTACH, &a);
	if (!rc) {
		rc = twin_ring_bind(t, a.evtchn);
		if (rc) {
			struct twin_detach d;

			twin_hypercall(TWIN_OP_DETACH, &d);
		}
	}
	napi_enable(drv->napi(t));	/* idle: the instance schedules it now */
	if (rc) {
		twin_ring_drain_all(t);
		twin_ring_free_supply(t);
		drv->lines_enable(t, true);
		drv->irqs_on(t);
		netif_tx_wake_all_queues(netdev);
		netdev_err(netdev, "twin: attach failed (%ld)\n", rc);
		return rc;
	}

	t->orig_ops = netdev->netdev_ops;
	t->ops = *t->orig_ops;
	t->ops.ndo_start_xmit = twin_start_xmit;
	WRITE_ONCE(netdev->netdev_ops, &t->ops);
	t->attached = true;
	t->wanted = true;
	t->st.attached = 1;
	t->st.wanted = 1;
	drv->irqs_on(t);
	netif_tx_wake_all_queues(netdev);
	netdev_info(netdev, "twin: the hypervisor instance runs the fast path\n");
	return 0;
}

/* Hand the fast path back to the VM instance.  Under rtnl and t->lock. */
static int __twin_detach(struct twin *t)
{
	const struct twin_driver *drv = t->drv;
	struct net_device *netdev = t->netdev;
	struct twin_detach d = { 0 };
	long rc;

	if (!t->attached)
		return 0;
	/* guests back to netback first: their frames need the instance */
	twin_vif_detach_all(t);
	netif_tx_disable(netdev);
	drv->irqs_off(t);
	rc = twin_hypercall(TWIN_OP_DETACH, &d);
	if (rc)
		netdev_err(netdev, "twin: detach hypercall failed (%ld)\n", rc);
	twin_ring_unbind(t);
	twin_ring_drain_all(t);		/* the transmit pool comes back here */
	twin_ring_free_supply(t);
	twin_txpool_free(t);
	if (!twin_check_rx_ring(t, "after detach"))
		twin_fill_rx_holes(t);
	WRITE_ONCE(netdev->netdev_ops, t->orig_ops);
	t->attached = false;
	t->st.attached = 0;
	t->queue_stopped = false;

	/*
	 * The instance left a poll pending (it was disabled in the middle of
	 * one, or had just scheduled it): ours does it, and re-enables the
	 * NIC's interrupts at its end.  Asked of dom0's own memory: Xen's
	 * answer comes through SVM, which a disabled instance no longer reads.
	 */
	if (d.napi_scheduled || test_bit(NAPI_STATE_SCHED, &drv->napi(t)->state)) {
		local_bh_disable();
		__napi_schedule(drv->napi(t));
		local_bh_enable();
	} else {
		drv->irqs_on(t);
	}
	drv->lines_enable(t, true);
	netif_tx_wake_all_queues(netdev);
	netdev_info(netdev, "twin: the VM instance runs the fast path again\n");
	return 0;
}

/*
 * The instance disabled itself (an SVM refusal, a fault, the watchdog):
 * take the device back and reset it, as a transmit timeout would, since
 * the instance may have stopped between two ring updates.  No re-attach.
 */
void twin_fallback_work(struct work_struct *work)
{
	struct twin *t = container_of(work, struct twin, fallback);

	rtnl_lock();
	mutex_lock(&t->lock);
	if (t->attached) {
		t->wanted = false;
		t->st.wanted = 0;
		t->st.fallbacks++;
		t->st.last_disable = t->disable_reason;
		__twin_detach(t);
		netdev_warn(t->netdev, "twin: the instance stopped (reason %u); resetting the adapter\n",
			    t->disable_reason);
		t->drv->reset(t);
	}
	mutex_unlock(&t->lock);
	rtnl_unlock();
}

/* The driver's hooks: down and reset quiesce, up and open resume. */
void twin_hook_quiesce(void *adapter)
{
	if (!adapter || adapter != READ_ONCE(twin.adapter))
		return;
	mutex_lock(&twin.lock);
	__twin_detach(&twin);
	mutex_unlock(&twin.lock);
}

void twin_hook_resume(void *adapter)
{
	if (!adapter || adapter != READ_ONCE(twin.adapter))
		return;
	mutex_lock(&twin.lock);
	if (twin.wanted)
		__twin_attach(&twin);
	mutex_unlock(&twin.lock);
}

static const struct twin_driver *const drivers[] = {
	&twin_e1000_driver,
	&twin_e1000e_driver,
};

/*
 * The NIC going away (unbound from its driver, the module removed): its
 * down already quiesced the instance; forget the device too, so that
 * nothing here points at the freed adapter (the status check, the resume
 * hook, a later attach that would find "another" e1000 busy).  Found by
 * tdh faults' vm:unbind-e1000.
 */
static int twin_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event != NETDEV_UNREGISTER || dev != twin.netdev)
		return NOTIFY_DONE;
	mutex_lock(&twin.lock);
	__twin_detach(&twin);
	twin.wanted = false;
	twin.st.wanted = 0;
	twin.netdev = NULL;
	twin.adapter = NULL;
	mutex_unlock(&twin.lock);
	netdev_info(dev, "twin: the NIC went away; forgotten\n");
	return NOTIFY_OK;
}

static struct notifier_block twin_netdev_nb = {
	.notifier_call = twin_netdev_event,
};

/* The driver of @dev among those the module knows, if any. */
static const struct twin_driver *driver_of(struct net_device *dev)
{
	struct device *parent = dev->dev.parent;
	unsigned int i;

	for (i = 0; parent && parent->driver && i < ARRAY_SIZE(drivers); i++)
		if (!strcmp(parent->driver->name, drivers[i]->name))
			return drivers[i];
	return NULL;
}

static long ioc_attach(void __user *arg)
{
	struct twin_ioc_attach req;
	const struct twin_driver *drv;
	struct net_device *dev;
	long rc;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	req.ifname[sizeof(req.ifname) - 1] = '\0';
	rtnl_lock();
	dev = __dev_get_by_name(&init_net, req.ifname);
	if (!dev) {
		rc = -ENODEV;
	} else if (!(drv = driver_of(dev))) {
		rc = -EOPNOTSUPP;
	} else if (twin.netdev && twin.netdev != dev) {
		rc = -EBUSY;
	} else {
		mutex_lock(&twin.lock);
		/* its hooks first: a reset must find us before the instance runs */
		rc = drv->hooks_set(true);
		if (!rc) {
			twin.netdev = dev;
			twin.drv = drv;
			twin.adapter = netdev_priv(dev);
			rc = __twin_attach(&twin);
		}
		mutex_unlock(&twin.lock);
	}
	rtnl_unlock();
	return rc;
}

static long ioc_detach(void)
{
	rtnl_lock();
	mutex_lock(&twin.lock);
	twin.wanted = false;
	twin.st.wanted = 0;
	if (twin.netdev)
		__twin_detach(&twin);
	mutex_unlock(&twin.lock);
	rtnl_unlock();
	return 0;
}

static long ioc_vif(unsigned int cmd, void __user *arg)
{
	struct twin_ioc_vif req;
	long rc;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	req.ifname[sizeof(req.ifname) - 1] = '\0';
	if (cmd == TWIN_IOC_VIF_STATUS) {
		rc = twin_vif_status(&twin, &req);
		if (!rc && copy_to_user(arg, &req, sizeof(req)))
			rc = -EFAULT;
		return rc;
	}
	rtnl_lock();
	mutex_lock(&twin.lock);
	if (cmd == TWIN_IOC_VIF_ATTACH)
		rc = twin_vif_attach(&twin, req.ifname);
	else
		rc = twin_vif_detach(&twin, req.ifname);
	mutex_unlock(&twin.lock);
	rtnl_unlock();
	return rc;
}

static long ioc_status(void __user *arg)
{
	struct twin_ioc_status s;
	long rc;

	memset(&s, 0, sizeof(s));
	rc = twin_hypercall(TWIN_OP_STATUS, &s.xen);
	if (rc)
		return rc;
	s.dom0 = twin.st;
	return copy_to_user(arg, &s, sizeof(s)) ? -EFAULT : 0;
}

/* Xen copies the runs into a kernel buffer: the hypercall takes dom0 kernel addresses. */
static long ioc_dma_frames(void __user *arg)
{
	struct twin_dma_frames q;
	void __user *runs;
	uint64_t *buf = NULL;
	long rc;

	if (copy_from_user(&q, arg, sizeof(q)))
		return -EFAULT;
	if (q.max_runs > TWIN_DMA_MAX_RUNS)
		return -EINVAL;
	runs = u64_to_user_ptr(q.runs);
	if (q.max_runs) {
		buf = kvmalloc_array(q.max_runs, 2 * sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	q.runs = (uintptr_t)buf;
	rc = twin_hypercall(TWIN_OP_DMA_FRAMES, &q);
	q.runs = (uintptr_t)runs;
	if (!rc && q.nr_runs &&
	    copy_to_user(runs, buf, q.nr_runs * 2 * sizeof(*buf)))
		rc = -EFAULT;
	if ((!rc || rc == -ENOSPC) && copy_to_user(arg, &q, sizeof(q)))
		rc = -EFAULT;
	kvfree(buf);
	return rc;
}

static long twin_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct twin_ioc_corrupt c;
	long rc;

	switch (cmd) {
	case TWIN_IOC_ATTACH:
		return ioc_attach((void __user *)arg);
	case TWIN_IOC_DETACH:
		return ioc_detach();
	case TWIN_IOC_STATUS:
		return ioc_status((void __user *)arg);
	case TWIN_IOC_SELFTEST:
		mutex_lock(&twin.lock);
		rc = !twin.attached ? -ENOTCONN :
		     arg == TWIN_SELFTEST_RETYPE ? twin_selftest_retype() :
		     twin_hypercall(TWIN_OP_SELFTEST, (void *)arg);
		mutex_unlock(&twin.lock);
		return rc;
	case TWIN_IOC_CHECK:
		return twin_check_now(&twin);
	case TWIN_IOC_DMA_FRAMES:
		return ioc_dma_frames((void __user *)arg);
	case TWIN_IOC_VIF_ATTACH:
	case TWIN_IOC_VIF_DETACH:
	case TWIN_IOC_VIF_STATUS:
		return ioc_vif(cmd, (void __user *)arg);
	case TWIN_IOC_CORRUPT:
		if (copy_from_user(&c, (void __user *)arg, sizeof(c)))
			return -EFAULT;
		mutex_lock(&twin.lock);
		rc = twin.attached ? twin_fault_arm(&twin, &c) : -ENOTCONN;
		mutex_unlock(&twin.lock);
		return rc;
	}
	return -ENOTTY;
}

static const struct file_operations twin_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = twin_ioctl,
};

static struct miscdevice twin_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "twin",
	.fops = &twin_fops,
};

static int __init twin_init(void)
{
	struct twin_status s;
	int rc;

	if (!xen_initial_domain())
		return -ENODEV;
	/* Is there a TwinDrivers runtime in this Xen at all? */
	rc = twin_hypercall(TWIN_OP_STATUS, &s);
	if (rc) {
		pr_err("twin: this Xen has no TwinDrivers runtime (twin_op: %d)\n", rc);
		return -ENODEV;
	}
	mutex_init(&twin.lock);
	INIT_WORK(&twin.fallback, twin_fallback_work);
	rc = register_netdevice_notifier(&twin_netdev_nb);
	if (rc)
		return rc;
	rc = misc_register(&twin_misc);
	if (rc) {
		unregister_netdevice_notifier(&twin_netdev_nb);
		return rc;
	}
	twin_vif_init(&twin);
	twin_check_start(&twin);
	return 0;
}

static void __exit twin_exit(void)
{
	unsigned int i;

	rtnl_lock();
	mutex_lock(&twin.lock);
	twin.wanted = false;
	if (twin.netdev)
		__twin_detach(&twin);
	for (i = 0; i < ARRAY_SIZE(drivers); i++)
		drivers[i]->hooks_set(false);
	mutex_unlock(&twin.lock);
	rtnl_unlock();
	unregister_netdevice_notifier(&twin_netdev_nb);
	twin_vif_exit(&twin);
	cancel_work_sync(&twin.fallback);
	twin_check_stop(&twin);
	misc_deregister(&twin_misc);
	twin_ring_exit(&twin);
}

module_init(twin_init);
module_exit(twin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TwinDrivers: dom0's side of the e1000 and e1000e hypervisor instances");
