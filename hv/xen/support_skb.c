/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy's "hv" bindings for skbs and memory: dom0's skbs are read
 * and changed in place through SVM, with Linux 6.1's semantics for the
 * linear cases e1000's fast path meets.  What would need dom0's allocator
 * (expanding a head, linearizing) is not done in Xen: the call fails the
 * way Linux's does under memory pressure, the driver drops the frame, and
 * the failure is counted.  (dom0's transmit hook pads short frames before
 * handing them over, so __skb_pad normally has nothing to do.)
 * Allocations are served from dom0's pool (pool.c); receiving hands the
 * skb to dom0's stack with an upcall, or a guest's frame to the guest
 * (vif_rx.c).  Freeing an skb of a pool of Xen's (the transmit pool, a
 * receive skb whose frame went to guests) reuses it in Xen; any other goes
 * back to dom0 to free.
 */
#include <xen/lib.h>
#include <xen/string.h>

#include "twin.h"
#include "vif.h"

#define SKB_REASON_CONSUMED 0

#define SKB(f)          (skb + VM_SKB_##f)

static uint64_t skb_tail_ptr(uint64_t skb)
{
    return vm_rd64(SKB(HEAD)) + vm_rd32(SKB(TAIL));
}

/*
 * After a refusal the entry runs on against SVM's sink (svm.c): what it
 * would hand dom0 then (a free, a frame) is not the driver's, and does not
 * go.  The skb stays where it was: with its pool, or with dom0 to reclaim.
 */
static bool refused_before(void)
{
    if ( !svm_disabled )
        return false;
    twin.st.upcalls_dropped++;

    return true;
}

/*
 * What dom0 follows when it frees or receives @skb, sane: the fragments'
 * struct pages and no frag_list (neither instance builds or sends one).
 * The instance may write an skb's shared info (dom0 memory SVM allows),
 * and dom0's skb_release_data() would then follow a garbage pointer
 * (tdh faults: random mutants crashed dom0 there, on a fragment's page
 * and on frag_list).  A struct page must be in dom0's vmemmap, aligned,
 * and mapped: probed without counting a refusal, since the skb, not the
 * instance's access, is at fault.
 */
static bool shinfo_sane(uint64_t head, uint32_t end)
{
    uint64_t shinfo = head + end, page, idx;
    unsigned int i, nr = vm_rd8(shinfo + VM_SHINFO_NR_FRAGS);

    if ( nr > VM_MAX_SKB_FRAGS || vm_rd64(shinfo + VM_SHINFO_FRAG_LIST) )
        return false;
    for ( i = 0; i < nr; i++ )
    {
        page = vm_rd64(shinfo + VM_SHINFO_FRAGS + i * VM_SKB_FRAG_SIZEOF +
                       VM_SKB_FRAG_PAGE);
        idx = page - twin.a.vmemmap_base;
        if ( page < twin.a.vmemmap_base || idx % twin.a.sizeof_page ||
             (page & ~PAGE_MASK) + twin.a.sizeof_page > PAGE_SIZE ||
             !svm_try_translate(page & PAGE_MASK, false) )
            return false;
    }

    return true;
}

/* An skb the instance let go of: back to its pool, or to dom0 to free. */
static void release_skb(uint64_t skb, bool consumed)
{
    uint64_t a[2] = { skb, consumed };

    if ( twin_txpool_put(skb) || twin_pool_recycle(skb) || refused_before() )
        return;
    twin_upcall_post(TWIN_UC_FREE_SKB, a, 2);
}

static void free_skb(uint64_t skb, bool consumed)
{
    if ( !skb )
        return;
    if ( !twin_skb_free(skb) )
    {
        twin_refuse(TWIN_DIS_SKB, skb);     /* freed twice: not again */
        return;
    }
    if ( !shinfo_sane(vm_rd64(SKB(HEAD)), vm_rd32(SKB(END))) )
    {
        twin_refuse(TWIN_DIS_SKB, skb);     /* dom0 would crash freeing it */
        return;
    }
    release_skb(skb, consumed);
}

static void drop_skb(uint64_t skb)
{
    free_skb(skb, false);
}

/* void napi_consume_skb(struct sk_buff *skb, int budget) */
void twin_hv_napi_consume_skb(uint64_t skb, int budget)
{
    free_skb(skb, true);
}

/* void consume_skb(struct sk_buff *skb) */
void twin_hv_consume_skb(uint64_t skb)
{
    free_skb(skb, true);
}

/* void __dev_kfree_skb_any(struct sk_buff *skb, enum skb_free_reason reason) */
void twin_hv___dev_kfree_skb_any(uint64_t skb, int reason)
{
    free_skb(skb, reason == SKB_REASON_CONSUMED);
}

/* void __dev_kfree_skb_irq(struct sk_buff *skb, enum skb_free_reason reason) */
void twin_hv___dev_kfree_skb_irq(uint64_t skb, int reason)
{
    free_skb(skb, reason == SKB_REASON_CONSUMED);
}

/* void *skb_put(struct sk_buff *skb, unsigned int len) */
uint64_t twin_hv_skb_put(uint64_t skb, unsigned int len)
{
    uint32_t tail = vm_rd32(SKB(TAIL)), end = vm_rd32(SKB(END));

    /* Linux: SKB_LINEAR_ASSERT and skb_over_panic */
    if ( vm_rd32(SKB(DATA_LEN)) || tail + len > end || tail + len < tail )
    {
        twin_refuse(TWIN_DIS_SKB, skb);     /* the reason, whatever follows */
        svm_disable();
        return skb_tail_ptr(skb);
    }
    vm_wr32(SKB(TAIL), tail + len);
    vm_wr32(SKB(LEN), vm_rd32(SKB(LEN)) + len);

    return vm_rd64(SKB(HEAD)) + tail;
}

/* void skb_trim(struct sk_buff *skb, unsigned int len) */
void twin_hv_skb_trim(uint64_t skb, unsigned int len)
{
    if ( vm_rd32(SKB(LEN)) <= len )
        return;
    if ( vm_rd32(SKB(DATA_LEN)) )
    {
        twin.st.warns++;        /* Linux: WARN_ON, and leaves it */
        return;
    }
    vm_wr32(SKB(LEN), len);
    vm_wr32(SKB(TAIL), vm_rd64(SKB(DATA)) - vm_rd64(SKB(HEAD)) + len);
}

/* int ___pskb_trim(struct sk_buff *skb, unsigned int len): paged skbs */
int twin_hv____pskb_trim(uint64_t skb, unsigned int len)
{
    twin.st.pool_empty++;

    return -ENOMEM;
}

/*
 * void *__pskb_pull_tail(struct sk_buff *skb, int delta): e1000 calls it
 * for the 82544 only, e1000e for TSO frames whose linear part is only
 * their headers, which dom0 pulls before they reach Xen (twin_e1000e.c):
 * it reallocates a cloned head, and Xen allocates no dom0 memory.
 */
uint64_t twin_hv___pskb_pull_tail(uint64_t skb, int delta)
{
    twin.st.pool_empty++;

    return 0;
}

/* int pskb_expand_head(struct sk_buff *skb, int nhead, int ntail, gfp_t) */
int twin_hv_pskb_expand_head(uint64_t skb, int nhead, int ntail,
                             unsigned int gfp)
{
    twin.st.pool_empty++;

    return -ENOMEM;
}

static bool skb_cloned(uint64_t skb)
{
    uint64_t shinfo = vm_rd64(SKB(HEAD)) + vm_rd32(SKB(END));

    return (vm_rd8(skb + VM_SKB_CLONED_OFFSET) & VM_SKB_CLONED_MASK) &&
           (vm_rd32(shinfo + VM_SHINFO_DATAREF) & VM_SKB_DATAREF_MASK_VAL) != 1;
}

/* int __skb_pad(struct sk_buff *skb, int pad, bool free_on_error) */
int twin_hv___skb_pad(uint64_t skb, int pad, bool free_on_error)
{
    uint32_t tail = vm_rd32(SKB(TAIL)), end = vm_rd32(SKB(END));

    if ( pad >= 0 && !vm_rd32(SKB(DATA_LEN)) && !skb_cloned(skb) &&
         end - tail >= (uint32_t)pad )
    {
        vm_set(vm_rd64(SKB(DATA)) + vm_rd32(SKB(LEN)), 0, pad);
        return 0;
    }
    twin.st.pool_empty++;
    if ( free_on_error )
        drop_skb(skb);

    return -ENOMEM;
}

/*
 * The instance's memory copies: either side may be dom0 memory or the
 * instance's own stack (identity mapped in SVM), so both go through SVM,
 * in pieces through a small buffer.
 */
static bool copy_vm(uint64_t dst, uint64_t src, size_t n)
{
    uint8_t buf[64];

    while ( n )
    {
        size_t k = n < sizeof(buf) ? n : sizeof(buf);

        if ( !vm_copy_in(buf, src, k) || !vm_copy_out(dst, buf, k) )
            return false;
        dst += k;
        src += k;
        n -= k;
    }

    return true;
}

/* void *memcpy(void *dst, const void *src, size_t n) */
uint64_t twin_hv_memcpy(uint64_t dst, uint64_t src, uint64_t n)
{
    copy_vm(dst, src, n);

    return dst;
}

/* int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len) */
int twin_hv_skb_copy_bits(uint64_t skb, int offset, uint64_t to, int len)
{
    uint32_t headlen = vm_rd32(SKB(LEN)) - vm_rd32(SKB(DATA_LEN));

    if ( offset < 0 || len < 0 || (uint32_t)offset + len > headlen )
        return -EFAULT;         /* paged data: not read from Xen */

    return copy_vm(to, vm_rd64(SKB(DATA)) + offset, len) ? 0 : -EFAULT;
}

/*
 * __sum16 csum_ipv6_magic(const struct in6_addr *saddr,
 *     const struct in6_addr *daddr, __u32 len, __u8 proto, __wsum sum):
 * the one's complement sum of the IPv6 pseudo-header, folded.
 */
uint16_t twin_hv_csum_ipv6_magic(uint64_t saddr, uint64_t daddr, uint32_t len,
                                 uint8_t proto, uint32_t sum)
{
    uint32_t a[8];
    uint64_t s = sum;
    unsigned int i;

    vm_copy_in(a, saddr, 16);
    vm_copy_in(a + 4, daddr, 16);
    for ( i = 0; i < 8; i++ )
        s += a[i];
    s += __builtin_bswap32(len);
    s += __builtin_bswap32(proto);
    while ( s >> 16 )
        s = (s & 0xffff) + (s >> 16);

    return ~s & 0xffff;
}

static bool ether_equal(const uint8_t *a, const uint8_t *b)
{
    return !memcmp(a, b, 6);
}

/* __be16 eth_type_trans(struct sk_buff *skb, struct net_device *dev) */
uint16_t twin_hv_eth_type_trans(uint64_t skb, uint64_t dev)
{
    uint64_t data = vm_rd64(SKB(DATA)), head = vm_rd64(SKB(HEAD));
    uint8_t eth[VM_ETH_HLEN + 2], addr[6], bcast[6];
    uint16_t proto;
    unsigned int type = 0;

    vm_wr64(SKB(DEV), dev);
    vm_wr16(SKB(MAC_HEADER), data - head);
    vm_copy_in(eth, data, sizeof(eth));
    vm_wr32(SKB(LEN), vm_rd32(SKB(LEN)) - VM_ETH_HLEN);
    vm_wr64(SKB(DATA), data + VM_ETH_HLEN);

    vm_copy_in(addr, vm_rd64(dev + VM_NETDEV_DEV_ADDR), 6);
    if ( !ether_equal(eth, addr) )
    {
        vm_copy_in(bcast, dev + VM_NETDEV_BROADCAST, 6);
        if ( !(eth[0] & 1) )
            type = VM_PACKET_OTHERHOST;
        else if ( ether_equal(eth, bcast) )
            type = VM_PACKET_BROADCAST;
        else
            type = VM_PACKET_MULTICAST;
    }
    if ( type )
    {
        uint64_t at = skb + VM_SKB_PKT_TYPE_OFFSET;

        vm_wr8(at, (vm_rd8(at) & ~VM_SKB_PKT_TYPE_MAX) |
                   (type * (VM_SKB_PKT_TYPE_MAX & -VM_SKB_PKT_TYPE_MAX)));
    }
    if ( VM_NETDEV_DSA_PTR >= 0 && vm_rd64(dev + VM_NETDEV_DSA_PTR) )
        return __builtin_bswap16(VM_ETH_P_XDSA);

    proto = eth[12] << 8 | eth[13];
    if ( proto >= VM_ETH_P_802_3_MIN )
        return __builtin_bswap16(proto);
    /* Novell's raw 802.3 (IPX) starts with 0xffff, else it is 802.2 LLC */
    if ( eth[14] == 0xff && eth[15] == 0xff )
        return __builtin_bswap16(VM_ETH_P_802_3);

    return __builtin_bswap16(VM_ETH_P_802_2);
}

/* struct sk_buff *__napi_alloc_skb(struct napi_struct *, unsigned int, gfp_t) */
uint64_t twin_hv___napi_alloc_skb(uint64_t napi, unsigned int len,
                                  unsigned int gfp)
{
    uint64_t skb = twin_pool_small(len);

    twin_skb_enters(skb);

    return skb;
}

/* struct sk_buff *napi_build_skb(void *data, unsigned int frag_size) */
uint64_t twin_hv_napi_build_skb(uint64_t data, unsigned int frag_size)
{
    uint64_t skb = twin_pool_build(data, frag_size);

    twin_skb_enters(skb);

    return skb;
}

/*
 * struct sk_buff *__netdev_alloc_skb(struct net_device *dev, unsigned int len,
 *                                    gfp_t gfp): e1000e's receive buffers,
 * whole skbs of dom0's for the NIC's device (TWIN_RX_SKBS)
 */
uint64_t twin_hv___netdev_alloc_skb(uint64_t dev, unsigned int len,
                                    unsigned int gfp)
{
    uint64_t skb = dev == twin.a.netdev ? twin_pool_skb(len) : 0;

    twin_skb_enters(skb);

    return skb;
}

/* void *__netdev_alloc_frag_align(unsigned int fragsz, unsigned int align) */
uint64_t twin_hv___netdev_alloc_frag_align(unsigned int fragsz,
                                           unsigned int align_mask)
{
    return twin_pool_frag(fragsz);
}

/* struct page *alloc_pages(gfp_t gfp, unsigned int order): jumbo frames */
uint64_t twin_hv_alloc_pages(unsigned int gfp, unsigned int order)
{
    twin.st.pool_empty++;

    return 0;
}

/* gro_result_t napi_gro_receive(struct napi_struct *napi, struct sk_buff *) */
/*
 * What dom0's stack takes for granted of a received skb, checked before it
 * goes there: its device, and head <= data <= tail <= end with the length
 * the linear part and the fragments add up to (tdh faults: a length the
 * device lied about reached dev_gro_receive and crashed dom0).
 */
static bool deliverable(uint64_t skb)
{
    /* one translation for the whole sk_buff: a frame's cost, not seven */
    const uint8_t *p = vm_ptr(skb, VM_SKB_SIZEOF, false);
    uint64_t head, data;
    uint32_t tail, end, len, data_len;

    if ( !p )
        return false;
    head = *(const uint64_t *)(p + VM_SKB_HEAD);
    data = *(const uint64_t *)(p + VM_SKB_DATA);
    tail = *(const uint32_t *)(p + VM_SKB_TAIL);
    end = *(const uint32_t *)(p + VM_SKB_END);
    len = *(const uint32_t *)(p + VM_SKB_LEN);
    data_len = *(const uint32_t *)(p + VM_SKB_DATA_LEN);

    return *(const uint64_t *)(p + VM_SKB_DEV) == twin.a.netdev &&
           data >= head && data - head <= tail && tail <= end &&
           data_len <= len && len - data_len == tail - (data - head) &&
           shinfo_sane(head, end);
}

int twin_hv_napi_gro_receive(uint64_t napi, uint64_t skb)
{
    /* handed on: from now on not the instance's to free or hand on */
    if ( !deliverable(skb) || !twin_skb_free(skb) )
    {
        /* inconsistent, or after its free: it stays where it was (the pool) */
        twin_refuse(TWIN_DIS_SKB, skb);
        return VM_GRO_NORMAL;
    }
    if ( refused_before() )
        return VM_GRO_NORMAL;
    switch ( twin_vif_count() ? twin_vif_rx(skb) : TWIN_RX_DOM0 )
    {
    case TWIN_RX_GUESTS:            /* copied to guests: the skb is reused */
        release_skb(skb, false);
        return VM_GRO_NORMAL;
    case TWIN_RX_HELD:              /* waits for the guest's buffer */
        return VM_GRO_NORMAL;
    case TWIN_RX_DOM0:
        break;
    }
    twin_pool_forget(skb);          /* dom0's from now on */
    if ( twin_upcall_post(TWIN_UC_RECEIVE, &skb, 1) )
        twin.st.rx_frames++;

    return VM_GRO_NORMAL;
}

/* struct sk_buff *napi_get_frags(struct napi_struct *napi): jumbo frames */
uint64_t twin_hv_napi_get_frags(uint64_t napi)
{
    return 0;
}

/* gro_result_t napi_gro_frags(struct napi_struct *napi) */
int twin_hv_napi_gro_frags(uint64_t napi)
{
    return VM_GRO_NORMAL;
}
