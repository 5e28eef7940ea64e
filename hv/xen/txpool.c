/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transmit pool: skbs of dom0's into which Xen copies what guests
 * send.  dom0 supplies them once (the txpool ring of the shared area,
 * before its first VIF_ATTACH): each an alloc_skb() with a linear area and
 * TWIN_TX_FRAG_PAGES pages for fragments, each page holding a reference
 * for the fragment it may become (hv/xen/public/twin.h).  Xen takes them
 * all, remembers each skb as dom0 made it, and from then on reuses them
 * without dom0: when the instance frees one (napi_consume_skb and kin,
 * support_skb.c), the skb is put back as it was and is free again.
 *
 * At the NIC's detach each goes back to dom0 (TWIN_UC_RELEASE_TX) saying
 * how many fragments it carries and whether the NIC's ring still holds it:
 * then dom0's own driver frees it when it cleans the ring, and dom0 keeps
 * only the pool's references of its pages to drop.
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/softirq.h>
#include <xen/xmalloc.h>

#include "twin.h"
#include "vif.h"

static struct twin_txslot *slots;
static unsigned int nr_slots, nr_busy;

unsigned int twin_txpool_size(void)
{
    return nr_slots;
}

unsigned int twin_txpool_outstanding(void)
{
    return nr_busy;
}

bool twin_txpool_empty(void)
{
    return nr_busy == nr_slots;
}

static bool dom0_kernel_addr(uint64_t va)
{
    return is_canonical_address(va) && (long)va < 0 &&
           !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

/* The machine frame of a dom0 page, which must be its ordinary RAM. */
static bool frame_of(uint64_t va, mfn_t *mfn)
{
    uint64_t host = svm_try_translate(va & PAGE_MASK, true);

    if ( !host || !twin_host_is_dom0_ram(va & PAGE_MASK, host) )
        return false;
    *mfn = virt_to_mfn(host);

    return true;
}

/* One supplied skb into s: its layout checked, its frames found. */
static bool take_one(const struct twin_txbuf *b, struct twin_txslot *s)
{
    uint64_t head, end;
    unsigned int i;

    if ( !dom0_kernel_addr(b->skb) )
        return false;
    memset(s, 0, sizeof(*s));
    s->skb = b->skb;
    if ( !vm_copy_in(s->snap, s->skb, sizeof(s->snap)) )
        return false;
    memcpy(&head, s->snap + VM_SKB_HEAD, 8);
    memcpy(&s->data, s->snap + VM_SKB_DATA, 8);
    end = *(const uint32_t *)(s->snap + VM_SKB_END);
    s->room = twin.a.tx_head_room;
    /* a fresh skb: nothing in it, the room inside its head, in one page */
    if ( *(const uint32_t *)(s->snap + VM_SKB_LEN) || s->data != head + twin.a.tx_headroom ||
         twin.a.tx_headroom + s->room > end ||
         (s->data & PAGE_MASK) != ((s->data + s->room - 1) & PAGE_MASK) ||
         !frame_of(s->data, &s->data_mfn) )
        return false;
    for ( i = 0; i < TWIN_TX_FRAG_PAGES; i++ )
    {
        uint64_t idx = b->pages[i] - twin.a.vmemmap_base;

        if ( idx % twin.a.sizeof_page )
            return false;
        s->page[i] = b->pages[i];
        if ( !frame_of(twin.a.page_offset_base +
                       (idx / twin.a.sizeof_page << PAGE_SHIFT), &s->page_mfn[i]) )
            return false;
    }

    return true;
}

/*
 * At the first vif's attach: everything dom0 put in the txpool ring.  An
 * entry that does not check out is refused (and dom0 gets it back).
 */
int twin_txpool_take(void)
{
    struct twin_shared *sh = twin.sh;
    uint32_t cons = sh->txpool.cons, prod = ACCESS_ONCE(sh->txpool.prod);

    BUILD_BUG_ON(TWIN_TX_FRAG_PAGES > VM_MAX_SKB_FRAGS);
    if ( slots )
        return 0;
    if ( prod == cons || prod - cons > TWIN_TXPOOL_SLOTS || !twin.a.tx_head_room )
        return -ENOBUFS;
    slots = xzalloc_array(struct twin_txslot, prod - cons);
    if ( !slots )
        return -ENOMEM;
    smp_rmb();
    for ( nr_slots = 0; cons != prod; cons++ )
    {
        struct twin_txbuf b = sh->txbufs[cons % TWIN_TXPOOL_SLOTS];

        if ( take_one(&b, &slots[nr_slots]) )
        {
            nr_slots++;
            continue;
        }
        printk(XENLOG_WARNING "twin: transmit pool entry %u refused\n", cons);
        {
            uint64_t a[3] = { b.skb, 0, 0 };

            twin_upcall_post(TWIN_UC_RELEASE_TX, a, 3);
        }
    }
    smp_mb();
    sh->txpool.cons = cons;
    nr_busy = 0;
    if ( !nr_slots )
    {
        xfree(slots);
        slots = NULL;
        return -EINVAL;
    }

    return 0;
}

struct twin_txslot *twin_txpool_get(void)
{
    unsigned int i;

    for ( i = 0; i < nr_slots; i++ )
        if ( !slots[i].busy )
        {
            slots[i].busy = true;
            nr_busy++;
            return &slots[i];
        }

    return NULL;
}

/* s back as dom0 gave it: the fields, and no fragment. */
static void reset(struct twin_txslot *s)
{
    uint64_t shinfo = s->data - twin.a.tx_headroom +
                      *(const uint32_t *)(s->snap + VM_SKB_END);

    vm_copy_out(s->skb, s->snap, sizeof(s->snap));
    vm_wr8(shinfo + VM_SHINFO_NR_FRAGS, 0);
    vm_wr16(shinfo + VM_SHINFO_GSO_SIZE, 0);
    vm_wr16(shinfo + VM_SHINFO_GSO_SEGS, 0);
    vm_wr32(shinfo + VM_SHINFO_GSO_TYPE, 0);
    s->nr_frags = 0;
    s->busy = false;
    nr_busy--;
}

/* An skb of the pool that never reached the instance. */
void twin_txpool_unget(struct twin_txslot *s)
{
    reset(s);
}

/*
 * The instance freed skb: if it is the pool's, it is reused; a vif that
 * waited for a free one is served again.
 */
bool twin_txpool_put(uint64_t skb)
{
    unsigned int i;

    for ( i = 0; i < nr_slots; i++ )
        if ( slots[i].skb == skb && slots[i].busy )
        {
            reset(&slots[i]);
            twin_vif_schedule_tx();
            return true;
        }

    return false;
}

/* The NIC's detach: every skb back to dom0, those the ring holds flagged. */
void twin_txpool_release(void)
{
    unsigned int i;

    for ( i = 0; i < nr_slots; i++ )
    {
        uint64_t a[3] = { slots[i].skb, slots[i].nr_frags, slots[i].busy };

        twin_upcall_post(TWIN_UC_RELEASE_TX, a, 3);
    }
    xfree(slots);
    slots = NULL;
    nr_slots = nr_busy = 0;
}
