/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Received TCP segments coalesced into GSO packets for a guest, as GRO
 * coalesces them in dom0 before netback copies them: without it the
 * guest's netfront and TCP stack handle every 1514-byte frame on its own,
 * which cost its kernel almost three times netback's instructions per KB
 * (hv/xen/README.md, "Measured: the guests' path").
 *
 * vif_rx.c holds a guest's candidate segments until the end of the poll;
 * here a run of held segments of one flow, in order, is delivered as one
 * packet: the first segment's headers with the IPv4 total length and
 * header checksum rewritten and the TCP checksum field set to the pseudo
 * header's sum (NETRXF_csum_blank, as netback passes a GRO packet), a GSO
 * extra-info slot with the segment size, and the payloads copied one
 * after the other across the guest's buffers (grant copies, as for a
 * single frame).  The rules are GRO's (net/ipv4/tcp_offload.c): every
 * TCP checksum valid (the NIC's word, or summed here as GRO sums what the
 * NIC did not check), IPv4 without options or fragments, the same
 * addresses, ports, TOS, TTL, acknowledgement, window and TCP options,
 * contiguous sequence numbers, every segment but the last of the first
 * one's size, only ACK and PSH set, a PSH or a short segment ends the run.
 */
#include <xen/lib.h>
#include <xen/sched.h>

#include "twin.h"
#include "vif.h"

#define ETH_P_IPV4      0x0800
#define IPPROTO_TCP     6
#define TCP_FLAG_PSH    0x08
#define TCP_FLAG_ACK    0x10
#define IP_HLEN         20
#define TCP_HLEN_MAX    60
#define GSO_OPS         16          /* grant copies per batch */

static unsigned int be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, unsigned int v)
{
    p[0] = v >> 8;
    p[1] = v;
}

/* A segment GRO would consider: false for anything else. */
bool twin_vif_rx_gso_parse(const struct twin_rx_frame *f, struct twin_rx_seg *s)
{
    const uint8_t *ip = s->hdr + VIF_ETH_HLEN, *tcp = ip + IP_HLEN;
    unsigned int doff;

    s->tcp = false;
    if ( f->len < VIF_ETH_HLEN + IP_HLEN + 20 )
        return false;
    s->f = *f;
    if ( !vm_copy_in(s->hdr, f->va, min_t(unsigned int, f->len, sizeof(s->hdr))) )
        return false;
    if ( be16(s->hdr + 12) != ETH_P_IPV4 || ip[0] != 0x45 ||
         (be16(ip + 6) & 0x3fff) || ip[9] != IPPROTO_TCP ||
         be16(ip + 2) != f->len - VIF_ETH_HLEN )
        return false;
    doff = (tcp[12] >> 4) * 4;
    s->hlen = VIF_ETH_HLEN + IP_HLEN + doff;
    if ( doff < 20 || s->hlen >= f->len ||
         (tcp[13] & ~(TCP_FLAG_ACK | TCP_FLAG_PSH)) || !(tcp[13] & TCP_FLAG_ACK) )
        return false;
    s->payload = f->len - s->hlen;
    s->seq = be32(tcp + 4);
    s->tcp = true;

    return true;
}

/* Could b follow a in one GRO packet, header-wise? */
static bool same_flow(const struct twin_rx_seg *a, const struct twin_rx_seg *b)
{
    const uint8_t *ia = a->hdr + VIF_ETH_HLEN, *ib = b->hdr + VIF_ETH_HLEN;
    const uint8_t *ta = ia + IP_HLEN, *tb = ib + IP_HLEN;

    return a->hlen == b->hlen && !memcmp(a->hdr, b->hdr, VIF_ETH_HLEN) &&
           ia[1] == ib[1] && ia[8] == ib[8] &&          /* TOS, TTL */
           !memcmp(ia + 12, ib + 12, 8) &&              /* addresses */
           !memcmp(ta, tb, 4) &&                        /* ports */
           !memcmp(ta + 8, tb + 8, 4) &&                /* acknowledgement */
           !memcmp(ta + 14, tb + 14, 2) &&              /* window */
           !memcmp(ta + 20, tb + 20, a->hlen - VIF_ETH_HLEN - IP_HLEN - 20);
}

static uint32_t sum16(const uint8_t *p, unsigned int n, uint32_t sum)
{
    for ( ; n > 1; n -= 2, p += 2 )
        sum += be16(p);
    return sum;
}

static unsigned int fold(uint64_t sum)
{
    while ( sum >> 16 )
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

/*
 * The ones' complement sum of [p, p + n), little-endian 16-bit words from
 * p, folded: 32 bytes per add-with-carry chain (the sum runs over every
 * byte a guest receives), then 8 at a time, the carries added back.
 */
static unsigned int csum_le(const uint8_t *p, unsigned int n)
{
    uint64_t sum = 0, w;
    unsigned int i, blocks = n / 32;

    if ( blocks )
        asm ( "1: addq 0(%[p]), %[s]\n\t"
              "adcq 8(%[p]), %[s]\n\t"
              "adcq 16(%[p]), %[s]\n\t"
              "adcq 24(%[p]), %[s]\n\t"
              "adcq $0, %[s]\n\t"
              "leaq 32(%[p]), %[p]\n\t"
              "decl %[b]\n\t"
              "jnz 1b"
              : [s] "+r" (sum), [p] "+r" (p), [b] "+r" (blocks)
              :: "cc", "memory" );
    n %= 32;
    for ( ; n >= 8; n -= 8, p += 8 )
    {
        memcpy(&w, p, 8);
        sum += w;
        sum += sum < w;
    }
    for ( i = 0; i < n; i++ )
    {
        w = (uint64_t)p[i] << (i & 1 ? 8 : 0);     /* even offset: low byte */
        sum += w;
        sum += sum < w;
    }

    return fold(sum);
}

/*
 * A segment whose checksum the NIC did not check (QEMU's e1000 reports
 * none) is checked here, as dom0's GRO checks it before merging: the
 * packet goes to the guest marked validated.  Summed in place in dom0's
 * buffer, page by page; a piece at an odd offset has its bytes swapped.
 */
static bool tcp_csum_ok(const struct twin_rx_seg *s)
{
    const uint8_t *ip = s->hdr + VIF_ETH_HLEN;
    unsigned int len = s->f.len - VIF_ETH_HLEN - IP_HLEN, done = 0, part;
    uint64_t va = s->f.va + VIF_ETH_HLEN + IP_HLEN;
    uint64_t sum;
    uint8_t pseudo[12];

    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    put_be16(pseudo + 10, len);
    sum = csum_le(pseudo, sizeof(pseudo));
    while ( done < len )
    {
        uint64_t page = (va + done) & PAGE_MASK;
        uint64_t host = svm_try_translate(page, false);
        unsigned int off = (va + done) & ~PAGE_MASK, c;

        if ( !host || !twin_host_is_dom0_ram(page, host) )
            return false;
        part = min(len - done, (unsigned int)(PAGE_SIZE - off));
        c = csum_le((const uint8_t *)(unsigned long)(host + off), part);
        sum += done & 1 ? ((c >> 8) | (c << 8)) & 0xffff : c;
        done += part;
    }

    return fold(sum) == 0xffff;
}

/* The first segment's headers made the packet's. */
static void packet_header(struct twin_rx_seg *s, unsigned int total, bool psh)
{
    uint8_t *ip = s->hdr + VIF_ETH_HLEN, *tcp = ip + IP_HLEN;
    unsigned int ip_len = total - VIF_ETH_HLEN;

    put_be16(ip + 2, ip_len);
    put_be16(ip + 10, 0);
    put_be16(ip + 10, ~fold(sum16(ip, IP_HLEN, 0)) & 0xffff);
    if ( psh )
        tcp[13] |= TCP_FLAG_PSH;
    /* CHECKSUM_PARTIAL's convention: the pseudo header's sum, not inverted */
    put_be16(tcp + 16, fold(sum16(ip + 12, 8, IPPROTO_TCP + ip_len - IP_HLEN)));
}

struct gso_copy {
    struct twin_vif *v;
    netif_rx_request_t req[VIF_RX_GSO_SLOTS + 1];   /* [1] is the extra's */
    unsigned int used[VIF_RX_GSO_SLOTS];
    unsigned int slot;              /* the data slot being filled */
    struct gnttab_copy ops[GSO_OPS];
    unsigned int nr_ops;
    bool ok;
};

static const netif_rx_request_t *data_req(const struct gso_copy *c, unsigned int k)
{
    return &c->req[k ? k + 1 : 0];
}

static void flush_ops(struct gso_copy *c)
{
    if ( c->nr_ops && !twin_vif_copy(c->v, c->ops, c->nr_ops) )
        c->ok = false;
    c->nr_ops = 0;
}

/* [va, va + len) of dom0's buffer onto the end of the guest's packet. */
static void append(struct gso_copy *c, uint64_t va, unsigned int len)
{
    unsigned int room = PAGE_SIZE - c->v->rx_offset;

    while ( len && c->ok )
    {
        unsigned int chunk;
        uint64_t host;
        struct gnttab_copy *op;

        if ( c->used[c->slot] == room )
            c->slot++;
        chunk = min(len, room - c->used[c->slot]);
        chunk = min(chunk, (unsigned int)(PAGE_SIZE - (va & ~PAGE_MASK)));
        host = svm_try_translate(va & PAGE_MASK, false);
        if ( !host || !twin_host_is_dom0_ram(va & PAGE_MASK, host) )
        {
            c->ok = false;
            return;
        }
        if ( c->nr_ops == GSO_OPS )
            flush_ops(c);
        op = &c->ops[c->nr_ops++];
        memset(op, 0, sizeof(*op));
        op->flags = GNTCOPY_dest_gref;
        op->source.u.gmfn = mfn_x(virt_to_mfn(host));
        op->source.domid = DOMID_SELF;
        op->source.offset = va & ~PAGE_MASK;
        op->dest.u.ref = data_req(c, c->slot)->gref;
        op->dest.domid = c->v->guest->domain_id;
        op->dest.offset = c->v->rx_offset + c->used[c->slot];
        op->len = chunk;
        c->used[c->slot] += chunk;
        va += chunk;
        len -= chunk;
    }
}

/* Responses for the packet: data slot 0, the GSO extra, data slots 1.. */
static void respond(struct gso_copy *c, unsigned int nr_data, unsigned int mss)
{
    struct twin_vif *v = c->v;
    netif_extra_info_t *x;
    unsigned int k;

    for ( k = 0; k < nr_data; k++ )
    {
        RING_IDX i = v->rx.rsp_prod_pvt + (k ? k + 1 : 0);
        netif_rx_response_t *rsp = RING_GET_RESPONSE(&v->rx, i);

        rsp->id = data_req(c, k)->id;
        rsp->offset = v->rx_offset;
        rsp->status = c->ok ? c->used[k] : NETIF_RSP_ERROR;
        rsp->flags = k + 1 < nr_data ? NETRXF_more_data : 0;
        if ( !k )
            rsp->flags |= NETRXF_csum_blank | NETRXF_data_validated | NETRXF_extra_info;
    }
    x = (netif_extra_info_t *)RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt + 1);
    memset(x, 0, sizeof(*x));
    x->type = XEN_NETIF_EXTRA_TYPE_GSO;
    x->u.gso.size = mss;
    x->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    v->rx.rsp_prod_pvt += nr_data + 1;
    v->notify_rx = true;
}

static const struct twin_rx_seg *held_seg(const struct twin_vif *v, unsigned int i)
{
    const struct twin_rx_seg *s = &v->held[(v->held_first + i) % VIF_RX_HOLD].seg;

    return s->tcp ? s : NULL;
}

/*
 * The run of held segments at the front of v's hold that coalesce, sent
 * as one packet into at most @posted buffers.  Returns how many held
 * frames it consumed: 0 when the run is shorter than two (vif_rx.c then
 * delivers the first frame on its own).
 */
unsigned int twin_vif_rx_gso(struct twin_vif *v, unsigned int posted)
{
    unsigned int room = PAGE_SIZE - v->rx_offset, max_total, total, n, i;
    unsigned int bytes = 0, nr_data;
    struct twin_rx_seg first;
    const struct twin_rx_seg *t;
    struct gso_copy c;
    bool psh = false;

    if ( !v->nr_held || !(t = held_seg(v, 0)) )
        return 0;
    first = *t;                     /* its headers become the packet's */
    max_total = min(VIF_RX_GSO_SLOTS * room, VIF_ETH_HLEN + (unsigned int)VIF_GSO_MAX);
    total = first.f.len;
    n = 1;
    if ( !(first.hdr[VIF_ETH_HLEN + IP_HLEN + 13] & TCP_FLAG_PSH) )
        for ( i = 1; i < v->nr_held; i++ )
        {
            t = held_seg(v, i);
            if ( !t || !same_flow(&first, t) ||
                 t->seq != first.seq + (total - first.hlen) ||
                 t->payload > first.payload || total + t->payload > max_total ||
                 DIV_ROUND_UP(total + t->payload, room) + 1 > posted ||
                 (!t->f.validated && !tcp_csum_ok(t)) )
                break;
            total += t->payload;
            n++;
            psh = t->hdr[VIF_ETH_HLEN + IP_HLEN + 13] & TCP_FLAG_PSH;
            if ( psh || t->payload < first.payload )
                break;
        }
    if ( n < 2 || (!first.f.validated && !tcp_csum_ok(&first)) )
        return 0;

    /* the packet's headers go out in the first segment's buffer */
    packet_header(&first, total, psh);
    if ( !vm_copy_out(first.f.va, first.hdr, first.hlen) )
        return 0;

    nr_data = DIV_ROUND_UP(total, room);
    memset(&c, 0, sizeof(c));
    c.v = v;
    c.ok = true;
    for ( i = 0; i < nr_data + 1; i++ )
        memcpy(&c.req[i], RING_GET_REQUEST(&v->rx, v->rx.req_cons + i), sizeof(c.req[i]));
    v->rx.req_cons += nr_data + 1;

    append(&c, first.f.va, first.f.len);
    bytes += first.f.len;
    for ( i = 1; i < n; i++ )
    {
        t = held_seg(v, i);
        append(&c, t->f.va + t->hlen, t->payload);
        bytes += t->f.len;
    }
    flush_ops(&c);
    respond(&c, nr_data, first.payload);
    if ( c.ok )
    {
        v->c.rx_frames += n;
        v->c.rx_bytes += bytes;
        v->c.rx_gso++;
    }
    else
        v->c.requests_refused++;

    for ( i = 0; i < n; i++ )
    {
        twin_pool_reuse(&v->held[v->held_first].p);
        v->held_first = (v->held_first + 1) % VIF_RX_HOLD;
        v->nr_held--;
    }

    return n;
}
