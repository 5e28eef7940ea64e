/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twin_op, the driver VM's hypercall: attach, detach, transmit, kick,
 * status.  Only the hardware domain (dom0, a PV domain) may call it, and
 * every value it passes is checked here, where it enters.
 */
#include <xen/lib.h>
#include <xen/event.h>
#include <xen/guest_access.h>
#include <xen/hypercall.h>
#include <xen/iocap.h>
#include <xen/irq.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/vmap.h>
#include <asm/io.h>

#include "twin.h"
#include "vif.h"

void twin_watchdog_start(void);

static bool dom0_kernel_addr(uint64_t va)
{
    return is_canonical_address(va) && (long)va < 0 &&
           !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

static void cf_check evtchn_from_dom0(struct vcpu *v, unsigned int port)
{
    twin_kick();
}

static void unmap_shared(void)
{
    unsigned int i;

    if ( twin.sh )
        vunmap(twin.sh);
    twin.sh = NULL;
    for ( i = 0; i < TWIN_SHARED_PAGES; i++ )
        if ( !mfn_eq(twin.sh_mfns[i], INVALID_MFN) )
            put_page_and_type(mfn_to_page(twin.sh_mfns[i]));
    for ( i = 0; i < TWIN_SHARED_PAGES; i++ )
        twin.sh_mfns[i] = INVALID_MFN;
}

/* dom0's shared area: writable pages of its own, held while attached. */
static int map_shared(void)
{
    unsigned int i;

    for ( i = 0; i < TWIN_SHARED_PAGES; i++ )
        twin.sh_mfns[i] = INVALID_MFN;
    for ( i = 0; i < TWIN_SHARED_PAGES; i++ )
    {
        mfn_t mfn;

        if ( twin_vm_walk(twin.a.shared + i * PAGE_SIZE, true, &mfn) ||
             !mfn_valid(mfn) ||
             !get_page_and_type(mfn_to_page(mfn), twin.dom,
                                PGT_writable_page) )
            return -EFAULT;
        twin.sh_mfns[i] = mfn;
    }
    twin.sh = vmap(twin.sh_mfns, TWIN_SHARED_PAGES);
    if ( !twin.sh )
        return -ENOMEM;
    if ( twin.sh->magic != TWIN_SHARED_MAGIC ||
         twin.sh->version != TWIN_INTERFACE_VERSION )
        return -EINVAL;

    return 0;
}

static int check_attach(const struct twin_attach *a, struct domain *d)
{
    unsigned int i;
    struct pirq *pirq;

    if ( a->version != TWIN_INTERFACE_VERSION || !a->nr_cpus ||
         a->nr_cpus > TWIN_MAX_CPUS )
        return -EINVAL;
    if ( !dom0_kernel_addr(a->adapter) || !dom0_kernel_addr(a->netdev) ||
         !dom0_kernel_addr(a->napi) || !dom0_kernel_addr(a->jiffies) ||
         !dom0_kernel_addr(a->shared) || (a->shared & ~PAGE_MASK) ||
         !dom0_kernel_addr(a->page_offset_base) ||
         !dom0_kernel_addr(a->vmemmap_base) )
        return -EFAULT;
    for ( i = 0; i < a->nr_cpus; i++ )
        if ( a->percpu_offset[i] & (PAGE_SIZE - 1) )
            return -EINVAL;
    if ( !a->sizeof_page || a->sizeof_page > PAGE_SIZE || !a->frag_len ||
         a->frag_len > 4 * PAGE_SIZE || a->frag_headroom >= a->frag_len )
        return -EINVAL;
    /* the guests' path: its queue, per-CPU area and skb layout facts */
    if ( !dom0_kernel_addr(a->txq) || !dom0_kernel_addr(a->guest_xmit_more) ||
         a->ip_summed_offset >= VM_SKB_SIZEOF || a->ip_summed_shift > 6 ||
         a->tx_headroom + a->tx_head_room > PAGE_SIZE )
        return -EINVAL;
    /* the BAR: I/O memory dom0 may access, not RAM */
    if ( (a->bar_maddr | a->bar_size) & ~PAGE_MASK || !a->bar_size ||
         a->bar_size > MB(16) ||
         !iomem_access_permitted(d, paddr_to_pfn(a->bar_maddr),
                                 paddr_to_pfn(a->bar_maddr + a->bar_size) - 1) )
        return -EPERM;
    for ( i = 0; i < a->bar_size >> PAGE_SHIFT; i++ )
    {
        mfn_t m = maddr_to_mfn(a->bar_maddr) ;

        m = mfn_add(m, i);
        if ( mfn_valid(m) && page_get_owner(mfn_to_page(m)) != dom_io )
            return -EPERM;
    }
    /* the interrupts: dom0's pirqs, bound, each once */
    if ( !a->nr_irqs || a->nr_irqs > TWIN_MAX_IRQS )
        return -EINVAL;
    for ( i = 0; i < a->nr_irqs; i++ )
    {
        unsigned int j;

        pirq = pirq_info(d, a->pirq[i]);
        if ( !pirq || domain_pirq_to_irq(d, a->pirq[i]) <= 0 )
            return -EINVAL;
        for ( j = 0; j < i; j++ )
            if ( a->pirq[j] == a->pirq[i] )
                return -EINVAL;
    }
    if ( a->rx_mode != TWIN_RX_FRAGS && a->rx_mode != TWIN_RX_SKBS )
        return -EINVAL;
    if ( a->rx_next_to_use &&
         (!dom0_kernel_addr(a->rx_next_to_use) ||
          (a->rx_index_bytes != 2 && a->rx_index_bytes != 4)) )
        return -EINVAL;

    return 0;
}

/* The payload is the driver's dom0 runs the NIC with; under twin.lock. */
static int check_driver(const struct twin_attach *a)
{
    unsigned int i;

    if ( strncmp(a->driver, twin.desc->driver, sizeof(a->driver)) )
        return -ENXIO;          /* the loaded payload is another driver's */
    for ( i = 0; i < a->nr_irqs; i++ )
        if ( a->handler[i] >= twin.desc->nr_intrs )
            return -EINVAL;

    return 0;
}

static long attach(struct twin_attach *a)
{
    struct domain *d = current->domain;
    long rc;
    int port;

    rc = check_attach(a, d);
    if ( rc )
        return rc;

    spin_lock(&twin.lock);
    rc = -ENOENT;
    if ( !twin.desc )
        goto out;
    rc = -EBUSY;
    if ( twin.attached )
        goto out;
    rc = check_driver(a);
    if ( rc )
        goto out;

    twin.dom = d;
    twin.a = *a;
    twin.bar_mfn = paddr_to_pfn(a->bar_maddr);
    twin.bar_pages = a->bar_size >> PAGE_SHIFT;
    twin.disabled = false;
    twin.irq_pending = 0;
    twin.poll_pending = twin.notify = false;
    /* the walk's root: a pinned L4 page table of dom0's */
    rc = -EINVAL;
    if ( !mfn_valid(_mfn(a->pgd_mfn)) ||
         page_get_owner(mfn_to_page(_mfn(a->pgd_mfn))) != d ||
         (mfn_to_page(_mfn(a->pgd_mfn))->u.inuse.type_info &
          (PGT_type_mask | PGT_pinned)) != (PGT_l4_page_table | PGT_pinned) )
        goto out;
    rc = -ENOMEM;
    twin.bar = ioremap(a->bar_maddr, a->bar_size);
    if ( !twin.bar )
        goto out;
    rc = map_shared();
    if ( rc )
        goto out_unmap;
    rc = twin_dma_record_attach();
    if ( rc )
        goto out_unmap;
    /* the rings' registers: the tails Xen mediates from now on */
    rc = twin_desc_guard_attach();
    if ( rc )
        goto out_unmap;
    twin_dma_mark();
    twin.mirror_base = a->shared + offsetof(struct twin_shared, mirror);
    rc = -E2BIG;
    if ( twin.ro_end - twin.ro_start > TWIN_MIRROR_BYTES )
        goto out_unmap;
    memcpy(twin.sh->mirror, (void *)twin.ro_start, twin.ro_end - twin.ro_start);

    port = alloc_unbound_xen_event_channel(d, 0, d->domain_id,
                                           evtchn_from_dom0);
    rc = port;
    if ( port < 0 )
        goto out_unmap;
    twin.evtchn = port;
    a->evtchn = port;

    twin.attached = true;       /* the SVM walk accepts dom0 from now on */
    twin_svm_attach();
    twin_skb_freed_reset();
    rc = twin_pool_attach();
    if ( rc )
    {
        twin.attached = false;
        twin_pool_detach();
        twin_svm_detach();
        free_xen_event_channel(d, port);
        goto out_unmap;
    }
    twin.st.attaches++;
    twin_watchdog_start();
    printk(XENLOG_INFO "twin: attached to d%d's %s (%u pirqs from %u, BAR %#"PRIx64"+%#"PRIx64")\n",
           d->domain_id, twin.desc->driver, a->nr_irqs, a->pirq[0],
           a->bar_maddr, a->bar_size);
    spin_unlock(&twin.lock);

    return 0;

 out_unmap:
    unmap_shared();
    iounmap(twin.bar);
    twin.bar = NULL;
 out:
    spin_unlock(&twin.lock);

    return rc;
}

/* The totals: since boot, across attachments (svm_stats restart at each). */
static uint64_t svm_hits_base, svm_misses_base, svm_fills_base;
static uint64_t svm_refusals_base, svm_crossings_base, svm_bounces_base;

static void fold_svm_stats(void)
{
    svm_hits_base += __svm_hits;
    __svm_hits = 0;
    svm_misses_base += svm_stats.misses;
    svm_fills_base += svm_stats.fills;
    svm_refusals_base += svm_stats.refusals;
    svm_crossings_base += svm_stats.crossings;
    svm_bounces_base += svm_stats.bounces;
    memset(&svm_stats, 0, sizeof(svm_stats));
}

static long detach(struct twin_detach *out)
{
    spin_lock(&twin.lock);
    if ( !twin.attached )
    {
        spin_unlock(&twin.lock);
        return -ENODEV;
    }
    twin_quiesce(out);
    /* what the instance left beyond the tails, before dom0's driver sees it */
    twin_desc_guard_detach();
    if ( !twin.disabled )
        twin_dma_mark();
    twin_vif_detach_all(TWIN_VIF_DIS_INSTANCE);
    twin.attached = false;
    twin_txpool_release();
    twin_pool_detach();
    twin_upcall_flush();
    twin_svm_detach();
    fold_svm_stats();
    free_xen_event_channel(twin.dom, twin.evtchn);
    unmap_shared();
    iounmap(twin.bar);
    twin.bar = NULL;
    twin.st.detaches++;
    printk(XENLOG_INFO "twin: detached from d%d%s\n", twin.dom->domain_id,
           out->napi_scheduled ? " (NAPI left scheduled: dom0 polls)" : "");
    spin_unlock(&twin.lock);

    return 0;
}

static void status(struct twin_status *s)
{
    spin_lock(&twin.lock);
    *s = twin.st;
    s->version = TWIN_INTERFACE_VERSION;
    s->loaded = !!twin.desc;
    s->attached = twin.attached;
    /* the derived code's probes (twinc --count-hits) and the support code's */
    s->svm_hits = svm_hits_base + __svm_hits + twin_c_hits;
    s->svm_misses = svm_misses_base + svm_stats.misses;
    s->svm_fills = svm_fills_base + svm_stats.fills;
    s->svm_refusals = svm_refusals_base + svm_stats.refusals;
    s->svm_crossings = svm_crossings_base + svm_stats.crossings;
    s->svm_bounces = svm_bounces_base + svm_stats.bounces;
    s->pinned_pages = twin_pinned_pages();
    s->writable_pins = twin_writable_pins();
    s->pool_outstanding = twin.nr_frags;
    twin_vif_sum(s);
    spin_unlock(&twin.lock);
}

long do_twin_op(unsigned int cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct domain *d = current->domain;
    long rc;

    if ( !is_hardware_domain(d) || !is_pv_domain(d) )
        return -EPERM;

    switch ( cmd )
    {
    case TWIN_OP_ATTACH:
    {
        struct twin_attach a;

        if ( copy_from_guest(&a, arg, 1) )
            return -EFAULT;
        rc = attach(&a);
        if ( !rc && copy_to_guest(arg, &a, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_DETACH:
    {
        struct twin_detach out = { 0 };

        rc = detach(&out);
        if ( !rc && copy_to_guest(arg, &out, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_XMIT:
        if ( !dom0_kernel_addr((unsigned long)arg.p) )
            return -EFAULT;
        return twin_xmit((unsigned long)arg.p);

    case TWIN_OP_KICK:
        twin_kick();
        return 0;

    case TWIN_OP_SELFTEST:
        return twin_selftest((unsigned long)arg.p);

    case TWIN_OP_VIF_ATTACH:
    {
        struct twin_vif_attach a;

        if ( copy_from_guest(&a, arg, 1) )
            return -EFAULT;
        rc = twin_vif_attach(&a);
        if ( !rc && copy_to_guest(arg, &a, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_VIF_DETACH:
    {
        struct twin_vif_detach d;

        if ( copy_from_guest(&d, arg, 1) )
            return -EFAULT;
        rc = twin_vif_detach(&d);
        if ( !rc && copy_to_guest(arg, &d, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_VIF_STATUS:
    {
        struct twin_vif_status s;

        if ( copy_from_guest(&s, arg, 1) )
            return -EFAULT;
        rc = twin_vif_status(&s);
        if ( !rc && copy_to_guest(arg, &s, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_SVM_PROBE:
    {
        struct twin_svm_probe p;

        if ( copy_from_guest(&p, arg, 1) )
            return -EFAULT;
        if ( !dom0_kernel_addr(p.va) )
            return -EFAULT;
        rc = twin_svm_probe(&p);
        if ( !rc && copy_to_guest(arg, &p, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_DMA_FRAMES:
    {
        struct twin_dma_frames q;

        if ( copy_from_guest(&q, arg, 1) )
            return -EFAULT;
        if ( q.max_runs && !dom0_kernel_addr(q.runs) )
            return -EFAULT;
        rc = twin_dma_frames(&q);
        if ( (!rc || rc == -ENOSPC) && copy_to_guest(arg, &q, 1) )
            rc = -EFAULT;
        return rc;
    }

    case TWIN_OP_STATUS:
    {
        struct twin_status s;

        status(&s);
        return copy_to_guest(arg, &s, 1) ? -EFAULT : 0;
    }
    }

    return -EOPNOTSUPP;
}
