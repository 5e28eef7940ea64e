/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's vif, handed to Xen by dom0's netback (TWIN_OP_VIF_ATTACH) and
 * given back (TWIN_OP_VIF_DETACH).
 *
 * netback has mapped the frontend's two shared rings (grant mappings in
 * dom0's address space) and bound an event channel or two to it; it stops
 * its own processing of the vif, waits until every request it consumed
 * has its response, and passes the rings' addresses, the ring indices and
 * its ends of the channels.  Xen finds the guest's ring frames behind
 * netback's mappings, holds them, maps them, and makes dom0's ends of the
 * channels Xen-consumed (hv/patches/0007): the guest's notifications then
 * run vif_notified() in its own EVTCHNOP_send, and Xen notifies the guest
 * on them.  Giving the vif back undoes all of it and returns the indices
 * netback resumes from.
 *
 * A vif Xen stops serving on its own (the frontend broke the protocol, the
 * instance stopped) is marked failed and dom0 is asked to take it back
 * (TWIN_UC_VIF_FAILED): netback then serves it again, and for a broken
 * frontend finds the same fault and disables the vif itself.
 */
#include <xen/lib.h>
#include <xen/domain_page.h>
#include <xen/event.h>
#include <xen/grant_table.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/softirq.h>

#include "twin.h"
#include "vif.h"

struct twin_vif twin_vifs[TWIN_MAX_VIFS];
static uint64_t ring_mappings, xen_ports;

static bool dom0_kernel_addr(uint64_t va)
{
    return is_canonical_address(va) && (long)va < 0 &&
           !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

static struct twin_vif *vif_of_port(evtchn_port_t port)
{
    unsigned int i;

    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        if ( twin_vifs[i].active &&
             (twin_vifs[i].tx_port == port || twin_vifs[i].rx_port == port) )
            return &twin_vifs[i];

    return NULL;
}

unsigned int twin_vif_count(void)
{
    unsigned int i, n = 0;

    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        n += twin_vifs[i].active && !twin_vifs[i].failed;

    return n;
}

/*
 * The guest notified dom0's end of one of the vif's channels: in the
 * guest's own hypercall (evtchn_send() calls Xen consumers without its
 * locks held).  New transmit requests are served right here.
 */
static void cf_check vif_notified(struct vcpu *v, unsigned int port)
{
    struct twin_vif *vif;

    spin_lock(&twin.lock);
    vif = vif_of_port(port);
    if ( vif && !vif->failed )
    {
        vif->c.notifications_in++;
        if ( port == vif->tx_port )
            twin_vif_tx(vif, TWIN_VIF_TX_BUDGET);
        if ( port == vif->rx_port )     /* buffers posted: held frames go */
            twin_vif_rx_flush(vif, false);
        twin_vif_push(vif);
    }
    twin_upcall_flush();
    spin_unlock(&twin.lock);
}

/* Responses posted since the last push: publish them, notify if asked. */
void twin_vif_push(struct twin_vif *v)
{
    bool tx = false, rx = false;

    if ( v->notify_tx )
    {
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->tx, tx);
        v->notify_tx = false;
    }
    if ( v->notify_rx )
    {
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->rx, rx);
        v->notify_rx = false;
    }
    if ( tx || (rx && v->rx_port == v->tx_port) )
    {
        notify_via_xen_event_channel(twin.dom, v->tx_port);
        v->c.notifications_out++;
    }
    if ( rx && v->rx_port != v->tx_port )
    {
        notify_via_xen_event_channel(twin.dom, v->rx_port);
        v->c.notifications_out++;
    }
}

/* After a poll or a softirq: held frames that can go, or waited too long. */
void twin_vif_push_all(void)
{
    unsigned int i;

    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        if ( twin_vifs[i].active )
        {
            if ( twin_vifs[i].nr_held && !twin_vifs[i].failed )
                twin_vif_rx_flush(&twin_vifs[i], true);
            twin_vif_push(&twin_vifs[i]);
        }
}

/*
 * Stop serving v and ask dom0 to take it back.  The rings stay mapped and
 * the channels Xen's until dom0's VIF_DETACH: that is where netback gets
 * the indices to resume from.
 */
void twin_vif_fail(struct twin_vif *v, const char *why)
{
    uint64_t a[2] = { v->id, 0 };

    if ( v->failed )
        return;
    if ( !strcmp(why, "instance") )
        v->reason = TWIN_VIF_DIS_INSTANCE;
    else
    {
        v->reason = TWIN_VIF_DIS_PROTOCOL;
        v->c.fatal++;
        printk(XENLOG_G_WARNING "twin: d%d's vif %u: %s; giving it back to netback\n",
               v->guest->domain_id, v->id, why);
    }
    v->failed = true;
    v->tx_waiting = false;
    twin_vif_rx_drop_held(v);
    a[1] = v->reason;
    twin_vif_push(v);
    twin_upcall_post(TWIN_UC_VIF_FAILED, a, 2);
}

bool twin_vif_copy(struct twin_vif *v, struct gnttab_copy *ops, unsigned int n)
{
    unsigned int i;
    bool ok = true;

    gnttab_copy_for(twin.dom, ops, n);
    v->c.grant_copies += n;
    for ( i = 0; i < n; i++ )
        if ( ops[i].status != GNTST_okay )
        {
            v->c.grant_copy_errors++;
            ok = false;
        }

    return ok;
}

/* A shared ring page: the guest's frame behind netback's mapping of it. */
static int map_ring(uint64_t va, struct domain *guest, struct page_info **pg,
                    void **ring)
{
    mfn_t mfn;
    int rc;

    if ( !dom0_kernel_addr(va) || (va & ~PAGE_MASK) )
        return -EINVAL;
    rc = twin_vm_walk_any(va, true, &mfn);
    if ( rc )
        return rc;
    if ( !mfn_valid(mfn) )
        return -EACCES;
    *pg = mfn_to_page(mfn);
    /* the frontend's ordinary memory, as netback's grant mapping says */
    if ( !get_page_and_type(*pg, guest, PGT_writable_page) )
        return -EACCES;
    *ring = map_domain_page_global(mfn);
    if ( !*ring )
    {
        put_page_and_type(*pg);
        return -ENOMEM;
    }
    ring_mappings++;

    return 0;
}

static void unmap_ring(struct page_info *pg, void *ring)
{
    if ( !pg )
        return;
    unmap_domain_page_global(ring);
    put_page_and_type(pg);
    ring_mappings--;
}

/* The guests' counters since boot: those of vifs detached since, kept. */
static struct twin_vif_counters gone;   /* of vifs detached since */

static void add(struct twin_vif_counters *to, const struct twin_vif_counters *c)
{
    to->tx_frames += c->tx_frames;
    to->tx_bytes += c->tx_bytes;
    to->tx_gso += c->tx_gso;
    to->tx_dropped += c->tx_dropped;
    to->rx_frames += c->rx_frames;
    to->rx_bytes += c->rx_bytes;
    to->rx_dropped_no_buffer += c->rx_dropped_no_buffer;
    to->requests_refused += c->requests_refused;
    to->grant_copies += c->grant_copies;
    to->grant_copy_errors += c->grant_copy_errors;
    to->notifications_in += c->notifications_in;
    to->notifications_out += c->notifications_out;
    to->fatal += c->fatal;
    to->rx_gso += c->rx_gso;
}

static void release(struct twin_vif *v)
{
    twin_vif_rx_drop_held(v);       /* counted before the counters go */
    add(&gone, &v->c);
    if ( v->tx_port )
    {
        evtchn_attach_xen_consumer(twin.dom, v->tx_port, v->guest, NULL);
        xen_ports--;
    }
    if ( v->rx_port && v->rx_port != v->tx_port )
    {
        evtchn_attach_xen_consumer(twin.dom, v->rx_port, v->guest, NULL);
        xen_ports--;
    }
    unmap_ring(v->tx_pg, v->tx.sring);
    unmap_ring(v->rx_pg, v->rx.sring);
    if ( v->guest )
        put_domain(v->guest);
    memset(v, 0, sizeof(*v));
}

static int check_attach(const struct twin_vif_attach *a)
{
    const struct twin_vif_ring *r = &a->ring;
    static const uint8_t zero[6];

    if ( a->features & ~(TWIN_VIF_SG | TWIN_VIF_CSUM | TWIN_VIF_CSUM6 |
                         TWIN_VIF_GSO4 | TWIN_VIF_GSO6 | TWIN_VIF_RX_GSO4) )
        return -EOPNOTSUPP;
    /* netfront asks for a headroom only with XDP, which Xen does not serve */
    if ( a->rx_offset )
        return -EOPNOTSUPP;
    if ( (a->mac[0] & 1) || !memcmp(a->mac, zero, 6) )
        return -EINVAL;
    /* netback hands over a quiet vif: every request has its response */
    if ( r->tx_req_cons != r->tx_rsp_prod || r->rx_req_cons != r->rx_rsp_prod )
        return -EBUSY;

    return 0;
}

long twin_vif_attach(struct twin_vif_attach *a)
{
    struct twin_vif *v = NULL;
    struct domain *guest;
    evtchn_port_t tx_port, rx_port;
    void *tx, *rx;
    unsigned int i;
    long rc;

    rc = check_attach(a);
    if ( rc )
        return rc;
    guest = get_domain_by_id(a->domid);
    if ( !guest )
        return -ESRCH;

    spin_lock(&twin.lock);
    rc = -ENODEV;
    if ( !twin.attached || twin.disabled || !twin.desc )
        goto out_put;
    rc = -EINVAL;
    if ( guest == twin.dom || guest->is_dying )
        goto out_put;
    /* dom0's ends of the frontend's channels, as Xen knows them */
    tx_port = evtchn_interdomain_peer(guest, a->tx_port, twin.dom);
    rx_port = evtchn_interdomain_peer(guest, a->rx_port, twin.dom);
    if ( !tx_port || !rx_port )
        goto out_put;
    rc = -EEXIST;
    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        if ( twin_vifs[i].active &&
             (!memcmp(twin_vifs[i].mac, a->mac, 6) ||
              twin_vifs[i].tx_port == tx_port) )
            goto out_put;
    rc = -ENOSPC;
    for ( i = 0; i < TWIN_MAX_VIFS && !v; i++ )
        if ( !twin_vifs[i].active )
            v = &twin_vifs[i];
    if ( !v )
        goto out_put;
    rc = twin_txpool_take();
    if ( rc )
        goto out_put;

    memset(v, 0, sizeof(*v));
    v->id = v - twin_vifs;
    v->guest = guest;
    memcpy(v->mac, a->mac, 6);
    v->features = a->features;
    v->rx_offset = a->rx_offset;
    rc = map_ring(a->tx_sring, guest, &v->tx_pg, &tx);
    if ( rc )
        goto out_release;
    BACK_RING_ATTACH(&v->tx, (netif_tx_sring_t *)tx, a->ring.tx_rsp_prod, PAGE_SIZE);
    rc = map_ring(a->rx_sring, guest, &v->rx_pg, &rx);
    if ( rc )
        goto out_release;
    BACK_RING_ATTACH(&v->rx, (netif_rx_sring_t *)rx, a->ring.rx_rsp_prod, PAGE_SIZE);

    rc = evtchn_attach_xen_consumer(twin.dom, tx_port, guest, vif_notified);
    if ( rc )
        goto out_release;
    v->tx_port = tx_port;
    xen_ports++;
    if ( rx_port != tx_port )
    {
        rc = evtchn_attach_xen_consumer(twin.dom, rx_port, guest, vif_notified);
        if ( rc )
            goto out_release;
        xen_ports++;
    }
    v->rx_port = rx_port;

    v->active = true;
    a->vif = v->id;
    twin.st.vif_attaches++;
    printk(XENLOG_INFO "twin: serving d%d's vif %u (MAC %02x:%02x:%02x:%02x:%02x:%02x, features %#x)\n",
           guest->domain_id, v->id, v->mac[0], v->mac[1], v->mac[2], v->mac[3],
           v->mac[4], v->mac[5], v->features);
    /* what the frontend queued while netback was handing over */
    twin_vif_tx(v, TWIN_VIF_TX_BUDGET);
    twin_vif_push(v);
    twin_upcall_flush();
    spin_unlock(&twin.lock);

    return 0;

 out_release:
    release(v);     /* drops the guest's reference */
    spin_unlock(&twin.lock);
    return rc;

 out_put:
    spin_unlock(&twin.lock);
    put_domain(guest);
    return rc;
}

static void detach_one(struct twin_vif *v, struct twin_vif_detach *d)
{
    twin_vif_push(v);
    d->reason = v->reason;
    d->ring.tx_req_cons = v->tx.req_cons;
    d->ring.tx_rsp_prod = v->tx.rsp_prod_pvt;
    d->ring.rx_req_cons = v->rx.req_cons;
    d->ring.rx_rsp_prod = v->rx.rsp_prod_pvt;
    twin.st.vif_detaches++;
    printk(XENLOG_INFO "twin: d%d's vif %u back to netback (TX %u, RX %u)\n",
           v->guest->domain_id, v->id, d->ring.tx_req_cons, d->ring.rx_req_cons);
    release(v);
}

long twin_vif_detach(struct twin_vif_detach *d)
{
    long rc = -ENOENT;

    if ( d->vif >= TWIN_MAX_VIFS )
        return -EINVAL;
    spin_lock(&twin.lock);
    if ( twin_vifs[d->vif].active )
    {
        detach_one(&twin_vifs[d->vif], d);
        rc = 0;
    }
    spin_unlock(&twin.lock);

    return rc;
}

/*
 * The NIC is detached while vifs remain: dom0 detaches its vifs first, so
 * this is a dom0 that did not; release them so nothing leaks (netback
 * then resumes from its own, stale, indices).  Under twin.lock.
 */
void twin_vif_detach_all(unsigned int reason)
{
    struct twin_vif_detach d;
    unsigned int i;

    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        if ( twin_vifs[i].active )
        {
            printk(XENLOG_WARNING "twin: vif %u still attached at the NIC's detach\n", i);
            twin_vifs[i].reason = reason;
            detach_one(&twin_vifs[i], &d);
        }
}

/* The instance stopped: no vif can be served any more. */
void twin_vif_fail_all(void)
{
    unsigned int i;

    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        if ( twin_vifs[i].active )
            twin_vif_fail(&twin_vifs[i], "instance");
}

long twin_vif_status(struct twin_vif_status *s)
{
    const struct twin_vif *v;

    if ( s->vif >= TWIN_MAX_VIFS )
        return -EINVAL;
    spin_lock(&twin.lock);
    v = &twin_vifs[s->vif];
    s->active = v->active;
    s->domid = v->active ? v->guest->domain_id : DOMID_INVALID;
    s->reason = v->reason;
    s->c = v->c;
    spin_unlock(&twin.lock);

    return 0;
}

/* twin_status: the guests' counters since boot, and what is held now. */
void twin_vif_sum(struct twin_status *s)
{
    unsigned int i;

    s->guest = gone;
    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
        if ( twin_vifs[i].active )
            add(&s->guest, &twin_vifs[i].c);
    s->vifs = twin_vif_count();
    s->ring_mappings = ring_mappings;
    s->xen_ports = xen_ports;
    s->txpool_size = twin_txpool_size();
    s->txpool_outstanding = twin_txpool_outstanding();
}
