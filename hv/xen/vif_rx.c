/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames the instance received, demultiplexed in Xen by destination MAC:
 * a guest's own go into the buffers it posted on its RX ring (a grant copy
 * on dom0's behalf, a response, a notification at the end of the poll),
 * and the pool skb is reused at once (pool.c); broadcast and multicast go
 * to every served guest and to dom0; anything else to dom0, as before.
 *
 * A guest that has no buffer posted when its frame arrives (it had not
 * run yet to repost them) gets it a little later: the frame waits, with
 * its pool skb, in the vif's hold (VIF_RX_HOLD frames, VIF_RX_HOLD_MS at
 * most, as netback's internal queue and drain timeout do), and Xen asks
 * the guest to notify as soon as it posts a buffer.  A guest that posts
 * none loses its frames (rx_dropped_no_buffer): the NIC, the pool and the
 * other receivers never wait for it beyond that bound.
 *
 * Only linear, untagged frames go to guests: a frame the NIC stripped a
 * VLAN tag from, or a jumbo frame in fragments, goes to dom0 (whose bridge
 * forwards nothing to a vif Xen serves).
 */
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <xen/xmalloc.h>

#include "twin.h"
#include "vif.h"

#define CHECKSUM_UNNECESSARY    1

static bool vlan_tag_present(uint64_t skb)
{
    return vm_rd8(skb + VM_SKB_VLAN_PRESENT_OFFSET) & (1 << VM_SKB_VLAN_PRESENT_BIT);
}

/* The Ethernet frame in skb (after eth_type_trans); false: not for guests. */
bool twin_vif_rx_frame(uint64_t skb, struct twin_rx_frame *f)
{
    uint64_t head = vm_rd64(skb + VM_SKB_HEAD), data = vm_rd64(skb + VM_SKB_DATA);
    uint8_t sum = vm_rd8(skb + twin.a.ip_summed_offset) >> twin.a.ip_summed_shift & 3;

    f->va = head + vm_rd16(skb + VM_SKB_MAC_HEADER);
    f->len = vm_rd32(skb + VM_SKB_LEN) + (data - f->va);
    f->validated = sum == CHECKSUM_UNNECESSARY;

    return !svm_disabled && !vm_rd32(skb + VM_SKB_DATA_LEN) && !vlan_tag_present(skb) &&
           data >= f->va && data - f->va <= 64 && f->len <= VIF_ETH_FRAME_MAX;
}

/* Posted buffers there are, or -1: the guest broke the ring. */
static int posted(struct twin_vif *v)
{
    RING_IDX prod = ACCESS_ONCE(v->rx.sring->req_prod);

    smp_rmb();
    if ( prod - v->rx.req_cons > RING_SIZE(&v->rx) )
    {
        twin_vif_fail(v, "impossible number of RX requests");
        return -1;
    }

    return prod - v->rx.req_cons;
}

/* Whether there is a posted buffer: 0 none, -1 the guest broke the ring. */
static int buffers(struct twin_vif *v)
{
    int n = posted(v);

    return n > 0 ? 1 : n;
}

/* One frame into v's next posted buffer, which there must be. */
static void deliver(struct twin_vif *v, const struct twin_rx_frame *f)
{
    struct gnttab_copy ops[2];
    netif_rx_request_t req;
    netif_rx_response_t *rsp;
    unsigned int k = 0, done = 0;

    memcpy(&req, (const void *)RING_GET_REQUEST(&v->rx, v->rx.req_cons), sizeof(req));
    v->rx.req_cons++;

    /* the frame may cross one page boundary of dom0's buffer */
    while ( done < f->len && k < 2 )
    {
        uint64_t va = f->va + done;
        unsigned int chunk = min(f->len - done, (unsigned int)(PAGE_SIZE - (va & ~PAGE_MASK)));
        uint64_t host = svm_try_translate(va & PAGE_MASK, false);

        if ( !host || !twin_host_is_dom0_ram(va & PAGE_MASK, host) )
            break;
        memset(&ops[k], 0, sizeof(ops[k]));
        ops[k].flags = GNTCOPY_dest_gref;
        ops[k].source.u.gmfn = mfn_x(virt_to_mfn(host));
        ops[k].source.domid = DOMID_SELF;
        ops[k].source.offset = va & ~PAGE_MASK;
        ops[k].dest.u.ref = req.gref;
        ops[k].dest.domid = v->guest->domain_id;
        ops[k].dest.offset = v->rx_offset + done;
        ops[k].len = chunk;
        k++;
        done += chunk;
    }

    rsp = RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt);
    rsp->id = req.id;
    rsp->offset = v->rx_offset;
    rsp->flags = f->validated ? NETRXF_data_validated : 0;
    if ( done == f->len && twin_vif_copy(v, ops, k) )
    {
        rsp->status = f->len;
        v->c.rx_frames++;
        v->c.rx_bytes += f->len;
    }
    else
    {
        rsp->status = NETIF_RSP_ERROR;
        v->c.requests_refused++;
    }
    v->rx.rsp_prod_pvt++;
    v->notify_rx = true;
}

/*
 * Frames held for v go out while it has buffers; with expire, those held
 * too long are dropped.  Their pool skbs are reused either way.
 */
void twin_vif_rx_flush(struct twin_vif *v, bool expire)
{
    s_time_t now = NOW();

    while ( v->nr_held )
    {
        struct twin_held *h = &v->held[v->held_first];
        struct twin_rx_frame f;
        int b = buffers(v);

        if ( b < 0 )
            return;
        if ( !b && !(expire && now - h->since > MILLISECS(VIF_RX_HOLD_MS)) )
            break;
        /* a run of one flow's segments goes as one GSO packet */
        if ( b && (v->features & TWIN_VIF_RX_GSO4) && twin_vif_rx_gso(v, posted(v)) )
            continue;
        if ( b && twin_vif_rx_frame(h->p.skb, &f) )
            deliver(v, &f);
        else
            v->c.rx_dropped_no_buffer++;
        twin_pool_reuse(&h->p);
        v->held_first = (v->held_first + 1) % VIF_RX_HOLD;
        v->nr_held--;
    }
    if ( v->nr_held )
    {
        /* notify Xen as soon as a buffer is posted */
        v->rx.sring->req_event = v->rx.req_cons + 1;
        smp_mb();
    }
}

void twin_vif_rx_drop_held(struct twin_vif *v)
{
    while ( v->nr_held )
    {
        twin_pool_reuse(&v->held[v->held_first].p);
        v->c.rx_dropped_no_buffer++;
        v->held_first = (v->held_first + 1) % VIF_RX_HOLD;
        v->nr_held--;
    }
    xfree(v->held);
    v->held = NULL;
}

/*
 * A frame for v alone: delivered, held, or dropped (the skb then free).
 * A TCP segment for a guest that takes GSO packets is held until the end
 * of the poll (twin_vif_push_all()), where a run of its flow's segments
 * goes out as one packet, as GRO would have made it in dom0 for netback.
 */
static enum twin_rx unicast(struct twin_vif *v, uint64_t skb, const struct twin_rx_frame *f)
{
    struct twin_rx_seg seg;
    bool coalesce = (v->features & TWIN_VIF_RX_GSO4) && twin_vif_rx_gso_parse(f, &seg);
    struct twin_held *h;
    int b;

    if ( v->nr_held && (!coalesce || v->nr_held == VIF_RX_HOLD) )
        twin_vif_rx_flush(v, false);
    b = buffers(v);
    if ( b > 0 && !v->nr_held && !coalesce )
    {
        deliver(v, f);
        return TWIN_RX_GUESTS;
    }
    if ( b < 0 || v->failed )
        return TWIN_RX_GUESTS;
    if ( !v->held )
        v->held = xmalloc_array(struct twin_held, VIF_RX_HOLD);
    h = v->held ? &v->held[(v->held_first + v->nr_held) % VIF_RX_HOLD] : NULL;
    if ( v->nr_held < VIF_RX_HOLD && h && twin_pool_keep(skb, &h->p) )
    {
        h->since = NOW();
        if ( coalesce )
            h->seg = seg;
        else
            h->seg.tcp = false;
        v->nr_held++;
        if ( !coalesce )
            twin_vif_rx_flush(v, false);    /* sets req_event */
        return TWIN_RX_HELD;
    }
    v->c.rx_dropped_no_buffer++;

    return TWIN_RX_GUESTS;
}

/* From napi_gro_receive's binding: where the frame goes. */
enum twin_rx twin_vif_rx(uint64_t skb)
{
    struct twin_rx_frame f;
    uint8_t dst[6];
    unsigned int i;

    if ( !twin_vif_rx_frame(skb, &f) )
        return TWIN_RX_DOM0;
    vm_copy_in(dst, f.va, 6);
    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
    {
        struct twin_vif *v = &twin_vifs[i];

        if ( !v->active || v->failed )
            continue;
        if ( !(dst[0] & 1) && !memcmp(dst, v->mac, 6) )
            return unicast(v, skb, &f);
        /*
         * broadcast, multicast: every guest that has a buffer, and dom0;
         * a guest with none loses it (counted), nobody waits for it
         */
        if ( dst[0] & 1 )
        {
            int b = buffers(v);

            if ( b > 0 )
                deliver(v, &f);
            else if ( !b )
                v->c.rx_dropped_no_buffer++;
        }
    }

    return TWIN_RX_DOM0;
}
