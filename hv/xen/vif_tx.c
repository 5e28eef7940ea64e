/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's transmit requests, served in Xen.
 *
 * Each packet is checked where it enters, as netback's
 * xenvif_tx_build_gops() and xenvif_count_requests() check it: the ring
 * indices, extra-info slots, the slot chain (at most 18 slots; more than
 * 20 is fatal), sizes and offsets within the page, the GSO parameters.
 * A request netback would answer with an error gets an error response;
 * one netback treats as a rogue frontend ends Xen's service of the vif
 * (twin_vif_fail): netback takes it back and disables it the same way.
 *
 * A good packet is copied with grant copies on dom0's behalf (the guest
 * granted its pages to dom0) into a transmit pool skb of dom0's: the
 * linear area first, then whole-page fragments; the skb gets the length,
 * checksum-offload and GSO fields the instance's e1000_xmit_frame reads,
 * the requests their responses (the data is copied: nothing of the
 * guest's is held), and the instance sends it.  Requests that find the
 * NIC's queue stopped or the pool empty stay in the ring until a
 * completion wakes the queue (twin_vif_tx_all, from TWIN_SOFTIRQ).
 */
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/softirq.h>

#include "twin.h"
#include "vif.h"

#define NETDEV_TX_OK        0
#define NETDEV_TX_BUSY      0x10
#define ETH_P_IP            0x0800
#define ETH_P_IPV6          0x86dd
#define ETH_P_8021Q         0x8100
#define IPPROTO_TCP         6
#define IPPROTO_UDP         17
#define CHECKSUM_PARTIAL    3
#define HDR_PEEK            128     /* header bytes read to set up offloads */
#define MAX_COPIES          48      /* 18 slots, split at the skb's pages */

struct packet {
    netif_tx_request_t slot[VIF_TX_SLOTS_FATAL];
    unsigned int nr_slots;
    unsigned int nr_extras;
    unsigned int len;               /* the whole frame */
    netif_extra_info_t gso;         /* type 0: none */
    bool mcast;                     /* a multicast filter request, no data */
};

/* The guest may rewrite the shared ring at any time: read each slot once. */
static void read_slot(const struct twin_vif *v, RING_IDX i, void *to, size_t size)
{
    const volatile void *from = RING_GET_REQUEST(&v->tx, i);

    memcpy(to, (const void *)from, size);
}

static void respond(struct twin_vif *v, uint16_t id, int16_t status)
{
    netif_tx_response_t *r = RING_GET_RESPONSE(&v->tx, v->tx.rsp_prod_pvt);

    r->id = id;
    r->status = status;
    v->tx.rsp_prod_pvt++;
    v->notify_tx = true;
}

/* Every slot of p, and a null response for each extra after the first. */
static void respond_all(struct twin_vif *v, const struct packet *p, int16_t status)
{
    unsigned int i;

    respond(v, p->slot[0].id, status);
    for ( i = 0; i < p->nr_extras; i++ )
        respond(v, 0, NETIF_RSP_NULL);
    for ( i = 1; i < p->nr_slots; i++ )
        respond(v, p->slot[i].id, status);
}

static bool queue_stopped(void)
{
    uint64_t state = vm_rd64(twin.a.txq + VM_TXQ_STATE);

    return state & ((1UL << VM_TXQ_DRV_XOFF_BIT) | (1UL << VM_TXQ_STACK_XOFF_BIT));
}

enum verdict { TX_OK, TX_DROP, TX_FATAL };

/*
 * Read one packet's slots from the ring, without consuming them.  A
 * packet whose slots are not all posted is fatal, as in netback ("Asked
 * for N slots but exceeds this limit"): a frontend pushes them together.
 */
static enum verdict read_packet(struct twin_vif *v, RING_IDX avail, struct packet *p,
                                const char **why)
{
    RING_IDX i = v->tx.req_cons;
    unsigned int remaining, n;
    bool drop = false;

    memset(p, 0, sizeof(*p));
    read_slot(v, i++, &p->slot[0], sizeof(p->slot[0]));
    avail--;
    if ( p->slot[0].flags & NETTXF_extra_info )
    {
        netif_extra_info_t x;

        do {
            if ( !avail-- )
                return *why = "missing extra info", TX_FATAL;
            read_slot(v, i++, &x, sizeof(x));
            p->nr_extras++;
            if ( !x.type || x.type >= XEN_NETIF_EXTRA_TYPE_MAX )
                return *why = "invalid extra info type", TX_FATAL;
            if ( x.type == XEN_NETIF_EXTRA_TYPE_GSO )
                p->gso = x;
            if ( x.type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ||
                 x.type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL )
                p->mcast = true;
        } while ( x.flags & XEN_NETIF_EXTRA_FLAG_MORE );
    }
    if ( p->mcast )                 /* answered alone, as netback does */
    {
        p->nr_slots = 1;
        return TX_OK;
    }
    p->len = p->slot[0].size;
    remaining = p->len;
    for ( n = 1; p->slot[n - 1].flags & NETTXF_more_data; n++ )
    {
        if ( !avail-- )
            return *why = "a packet's slots beyond the requests posted", TX_FATAL;
        if ( n >= VIF_TX_SLOTS_FATAL )
            return *why = "a packet of more than 20 slots", TX_FATAL;
        read_slot(v, i++, &p->slot[n], sizeof(p->slot[n]));
        /* a later slot larger than what is left: a >64 KiB frame, dropped */
        if ( p->slot[n].size > remaining )
            drop = true;
        else
            remaining -= p->slot[n].size;
        if ( p->slot[n].offset + p->slot[n].size > PAGE_SIZE )
            return *why = "a slot crossing its page", TX_FATAL;
    }
    p->nr_slots = n;
    p->slot[0].size = remaining;    /* the first slot's own bytes */
    if ( p->slot[0].offset + p->slot[0].size > PAGE_SIZE )
        return *why = "a slot crossing its page", TX_FATAL;
    if ( p->gso.type )
    {
        if ( !p->gso.u.gso.size )
            return *why = "GSO size zero", TX_FATAL;
        if ( p->gso.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
             p->gso.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6 )
            return *why = "bad GSO type", TX_FATAL;
    }
    if ( drop || n > VIF_TX_SLOTS_MAX || p->slot[0].size < VIF_ETH_HLEN ||
         (!p->gso.type && p->len > VIF_ETH_FRAME_MAX) )
        return TX_DROP;
    if ( (n > 1 && !(v->features & TWIN_VIF_SG)) ||
         (p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 && !(v->features & TWIN_VIF_GSO4)) ||
         (p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 && !(v->features & TWIN_VIF_GSO6)) )
        return TX_DROP;

    return TX_OK;
}

/*
 * Copy the packet's slots into s: the linear area, then whole pages as
 * fragments.  Each copy stays within one page on both sides.
 */
static bool copy_packet(struct twin_vif *v, const struct packet *p, struct twin_txslot *s,
                        unsigned int *headlen, unsigned int *frags)
{
    struct gnttab_copy ops[MAX_COPIES];
    unsigned int k = 0, i, at = 0;  /* at: bytes of the frame placed */

    if ( p->len > s->room + TWIN_TX_FRAG_PAGES * PAGE_SIZE )
        return false;
    for ( i = 0; i < p->nr_slots; i++ )
    {
        unsigned int done = 0, size = p->slot[i].size;

        while ( done < size )
        {
            struct gnttab_copy *op = &ops[k];
            unsigned int chunk = size - done, doff;
            mfn_t mfn;

            if ( at < s->room )         /* the linear area */
            {
                uint64_t d = s->data + at;

                mfn = s->data_mfn;
                doff = d & ~PAGE_MASK;
                chunk = min(chunk, s->room - at);
            }
            else                        /* fragment page (at - room) / 4096 */
            {
                unsigned int f = (at - s->room) >> PAGE_SHIFT;

                mfn = s->page_mfn[f];
                doff = (at - s->room) & ~PAGE_MASK;
                chunk = min(chunk, (unsigned int)PAGE_SIZE - doff);
            }
            if ( k == MAX_COPIES )
                return false;
            memset(op, 0, sizeof(*op));
            op->flags = GNTCOPY_source_gref;
            op->source.u.ref = p->slot[i].gref;
            op->source.domid = v->guest->domain_id;
            op->source.offset = p->slot[i].offset + done;
            op->dest.u.gmfn = mfn_x(mfn);
            op->dest.domid = DOMID_SELF;
            op->dest.offset = doff;
            op->len = chunk;
            k++;
            done += chunk;
            at += chunk;
        }
    }
    *headlen = min(at, s->room);
    *frags = at > s->room ? DIV_ROUND_UP(at - s->room, PAGE_SIZE) : 0;

    return twin_vif_copy(v, ops, k);
}

/*
 * The offload fields: protocol and header offsets from the copied
 * headers, CHECKSUM_PARTIAL for a csum_blank packet (checksum at
 * csum_start + csum_offset, the pseudo-header sum already there, as the
 * frontend's stack left it) and the GSO type and size.  false: a csum_blank
 * or GSO packet whose headers Xen does not parse (netback's
 * skb_checksum_setup() fails the same packets).
 */
static bool set_offloads(const struct twin_vif *v, const struct packet *p, uint64_t skb,
                         uint64_t data, unsigned int headlen)
{
    uint8_t h[HDR_PEEK];
    unsigned int n = min(headlen, (unsigned int)HDR_PEEK), l3 = VIF_ETH_HLEN, l4, proto;
    uint16_t type;
    uint64_t head = vm_rd64(skb + VM_SKB_HEAD);
    uint64_t shinfo = head + vm_rd32(skb + VM_SKB_END);
    bool v6;

    vm_copy_in(h, data, n);
    type = h[12] << 8 | h[13];
    if ( type == ETH_P_8021Q && n >= 18 )
    {
        type = h[16] << 8 | h[17];
        l3 = 18;
    }
    vm_wr16(skb + VM_SKB_PROTOCOL, __builtin_bswap16(type));
    vm_wr16(skb + VM_SKB_MAC_HEADER, data - head);
    vm_wr16(skb + VM_SKB_NETWORK_HEADER, data - head + l3);
    if ( !(p->slot[0].flags & NETTXF_csum_blank) && !p->gso.type )
        return true;

    v6 = type == ETH_P_IPV6;
    if ( type == ETH_P_IP && n >= l3 + 20 && (h[l3] >> 4) == 4 )
    {
        l4 = l3 + (h[l3] & 15) * 4;
        proto = h[l3 + 9];
        /* a fragment: its L4 header is not where the checksum goes */
        if ( (h[l3] & 15) < 5 || ((h[l3 + 6] & 0x3f) | h[l3 + 7]) )
            return false;
        if ( !(v->features & TWIN_VIF_CSUM) )
            return false;
    }
    else if ( v6 && n >= l3 + 40 && (h[l3] >> 4) == 6 )
    {
        l4 = l3 + 40;
        proto = h[l3 + 6];          /* extension headers: not parsed */
        if ( !(v->features & TWIN_VIF_CSUM6) )
            return false;
    }
    else
        return false;
    if ( proto != IPPROTO_TCP && (proto != IPPROTO_UDP || p->gso.type) )
        return false;
    if ( l4 + (proto == IPPROTO_TCP ? 20 : 8) > n )
        return false;

    vm_wr16(skb + VM_SKB_TRANSPORT_HEADER, data - head + l4);
    vm_wr16(skb + VM_SKB_CSUM_START, data - head + l4);
    vm_wr16(skb + VM_SKB_CSUM_OFFSET, proto == IPPROTO_TCP ? 16 : 6);
    vm_wr8(skb + twin.a.ip_summed_offset,
           (vm_rd8(skb + twin.a.ip_summed_offset) & ~(3 << twin.a.ip_summed_shift)) |
           CHECKSUM_PARTIAL << twin.a.ip_summed_shift);
    if ( p->gso.type )
    {
        unsigned int hdrlen = l4 + (h[l4 + 12] >> 4) * 4;
        unsigned int mss = p->gso.u.gso.size;

        if ( hdrlen > n || hdrlen >= p->len )
            return false;
        vm_wr16(shinfo + VM_SHINFO_GSO_SIZE, mss);
        vm_wr16(shinfo + VM_SHINFO_GSO_SEGS, DIV_ROUND_UP(p->len - hdrlen, mss));
        vm_wr32(shinfo + VM_SHINFO_GSO_TYPE,
                p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 ? VM_SKB_GSO_TCPV4
                                                               : VM_SKB_GSO_TCPV6);
    }

    return true;
}

/* The skb's lengths and fragments for what copy_packet() placed. */
static void set_lengths(const struct packet *p, struct twin_txslot *s,
                        unsigned int headlen, unsigned int frags)
{
    uint64_t skb = s->skb, head = vm_rd64(skb + VM_SKB_HEAD);
    uint64_t shinfo = head + vm_rd32(skb + VM_SKB_END);
    unsigned int f, left = p->len - headlen;

    vm_wr32(skb + VM_SKB_LEN, p->len);
    vm_wr32(skb + VM_SKB_DATA_LEN, left);
    vm_wr32(skb + VM_SKB_TAIL, s->data - head + headlen);
    vm_wr64(skb + VM_SKB_DEV, twin.a.netdev);
    for ( f = 0; f < frags; f++ )
    {
        uint64_t frag = shinfo + VM_SHINFO_FRAGS + f * VM_SKB_FRAG_SIZEOF;
        unsigned int len = min(left, (unsigned int)PAGE_SIZE);

        vm_wr64(frag + VM_SKB_FRAG_PAGE, s->page[f]);
        vm_wr32(frag + VM_SKB_FRAG_LEN, len);
        vm_wr32(frag + VM_SKB_FRAG_OFFSET, 0);
        left -= len;
    }
    vm_wr8(shinfo + VM_SHINFO_NR_FRAGS, frags);
    s->nr_frags = frags;
}

/* One packet, ring slots read but not consumed; false: stop for now. */
static bool tx_packet(struct twin_vif *v, RING_IDX avail, bool more)
{
    struct packet p;
    struct twin_txslot *s;
    const char *why = NULL;
    unsigned int headlen, frags;
    long rc;

    switch ( read_packet(v, avail, &p, &why) )
    {
    case TX_FATAL:
        twin_vif_fail(v, why);
        return false;
    case TX_DROP:
        v->tx.req_cons += p.nr_slots + p.nr_extras;
        v->c.requests_refused++;
        respond_all(v, &p, NETIF_RSP_ERROR);
        return true;
    case TX_OK:
        break;
    }
    v->tx.req_cons += p.nr_slots + p.nr_extras;
    /* multicast filter requests: every multicast frame reaches the guest */
    if ( p.mcast )
    {
        respond_all(v, &p, NETIF_RSP_OKAY);
        return true;
    }

    s = twin_txpool_get();          /* tx_run() checked there is one */
    if ( !s )
    {
        v->c.tx_dropped++;
        respond_all(v, &p, NETIF_RSP_DROPPED);
        return false;
    }
    if ( !copy_packet(v, &p, s, &headlen, &frags) )
    {
        twin_txpool_unget(s);
        v->c.requests_refused++;
        respond_all(v, &p, NETIF_RSP_ERROR);
        return true;
    }
    set_lengths(&p, s, headlen, frags);
    if ( !set_offloads(v, &p, s->skb, s->data, headlen) )
    {
        twin_txpool_unget(s);
        v->c.requests_refused++;
        respond_all(v, &p, NETIF_RSP_ERROR);
        return true;
    }
    /* the data is Xen's copy now: the guest may reuse its buffers */
    respond_all(v, &p, NETIF_RSP_OKAY);

    rc = twin_guest_xmit(s->skb, more);
    if ( rc == NETDEV_TX_OK )
    {
        v->c.tx_frames++;
        v->c.tx_bytes += p.len;
        v->c.tx_gso += !!p.gso.type;
        return true;
    }
    if ( rc == NETDEV_TX_BUSY )     /* the ring filled up: the frame is lost */
        twin_txpool_unget(s);
    /* else the instance stopped with the skb somewhere: the pool's release sorts it */
    v->c.tx_dropped++;

    return rc == NETDEV_TX_BUSY;
}

/*
 * Serve up to budget packets of v's transmit ring.  Requests stay in the
 * ring while the NIC's queue is stopped or the pool is empty; a wake-up
 * comes back through twin_vif_tx_all().
 */
void twin_vif_tx(struct twin_vif *v, unsigned int budget)
{
    v->tx_waiting = false;
    while ( !v->failed && twin.attached && !twin.disabled )
    {
        RING_IDX cons = v->tx.req_cons, prod = ACCESS_ONCE(v->tx.sring->req_prod);
        int more;

        smp_rmb();                  /* the index before the requests */
        if ( prod - cons > RING_SIZE(&v->tx) )
        {
            twin_vif_fail(v, "impossible number of requests");
            return;
        }
        if ( prod == cons )
        {
            /* nothing left: ask for a notification at the next one */
            RING_FINAL_CHECK_FOR_REQUESTS(&v->tx, more);
            if ( !more )
                return;
            continue;
        }
        if ( !budget-- || queue_stopped() || twin_txpool_empty() )
        {
            v->tx_waiting = true;
            if ( !budget )
                twin_vif_schedule_tx();
            return;
        }
        /*
         * xmit_more stays 0: a packet announced as followed by more leaves
         * the tail register to the next, and if that one is refused or
         * waits, the NIC never sends the first, its bytes stay in flight
         * for BQL and the queue stops for everyone.
         */
        if ( !tx_packet(v, prod - cons, false) )
        {
            if ( !v->failed )
                v->tx_waiting = true;
            return;
        }
    }
}

/* From TWIN_SOFTIRQ: the queue woke or the pool refilled. */
void twin_vif_tx_all(void)
{
    unsigned int i;

    for ( i = 0; i < TWIN_MAX_VIFS; i++ )
    {
        struct twin_vif *v = &twin_vifs[i];

        if ( v->active && !v->failed && v->tx_waiting )
        {
            twin_vif_tx(v, TWIN_VIF_TX_BUDGET);
            twin_vif_push(v);
        }
    }
}
