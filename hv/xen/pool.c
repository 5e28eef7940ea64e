/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive pool: memory the instance allocates comes from dom0, which
 * fills two supply rings in the shared area and refills them as Xen
 * consumes them (the instance cannot allocate dom0 memory itself).
 *
 *  - Receive buffers: a page fragment of the e1000's fragment size and
 *    the skb dom0 built around it with build_skb().  The instance asks for
 *    a fragment (netdev_alloc_frag) when it refills the RX ring and, once
 *    the NIC filled it, for an skb around it (napi_build_skb); the second
 *    request gets the skb dom0 prepared, found by the fragment's address.
 *    Fragments handed out and not yet built are "outstanding"; at detach
 *    their skbs go back to dom0 as shells (freed without their head, which
 *    the RX ring still owns).
 *    A driver that allocates whole skbs instead (e1000e) gets those
 *    (TWIN_RX_SKBS, twin_pool_skb).
 *  - Small skbs for copybreak (napi_alloc_skb), used as they are.
 *
 * Every address dom0 supplies is checked to be a dom0 kernel address;
 * everything done with it later goes through SVM anyway.
 *
 * While guests are served, a frame that went to guests only leaves its
 * skb with Xen: the skb is put back as dom0 made it (a copy taken when it
 * was handed out) and reused, with its fragment, without an upcall
 * (twin_pool_recycle).  At detach those go back to dom0 whole.
 */
#include <xen/lib.h>
#include <xen/xmalloc.h>

#include "twin.h"
#include "vif.h"

struct twin_frag {
    uint64_t frag;              /* 0: free slot */
    uint64_t skb;
};

#define NR_FRAG_BITS    11
#define NR_FRAG_SLOTS   (1u << NR_FRAG_BITS)  /* twice the supply ring */

/* The last skb handed out of each kind, as dom0 made it. */
static struct twin_pool_skb built, small_handed;

/* Reusable entries: fragments with their skb, small skbs. */
static struct twin_frag recycled_frags[NR_FRAG_SLOTS];
static unsigned int nr_recycled_frags;
static uint64_t recycled_smalls[TWIN_SMALL_SLOTS];
static unsigned int nr_recycled_smalls;

/* Keep a copy of skb as dom0 made it, when a guest may get its frame. */
static void remember(struct twin_pool_skb *h, uint64_t skb, uint64_t frag)
{
    h->skb = 0;
    if ( !twin_vif_count() || !vm_copy_in(h->snap, skb, sizeof(h->snap)) )
        return;
    h->skb = skb;
    h->frag = frag;
    h->snapped = true;
}

/*
 * skb leaves Xen (dom0's stack gets it), or the poll that received it is
 * over: it can no longer be reused, and its address may come back as any
 * skb of dom0's.
 */
void twin_pool_forget(uint64_t skb)
{
    if ( !skb || built.skb == skb )
        built.skb = 0;
    if ( !skb || small_handed.skb == skb )
        small_handed.skb = 0;
}

/*
 * The instance is done with skb (its frame went to guests only, or it was
 * dropped): if it is the last one handed out, it is put back as dom0 made
 * it and reused.
 */
static struct twin_pool_skb *handed(uint64_t skb)
{
    if ( !skb )
        return NULL;

    return skb == built.skb ? &built : skb == small_handed.skb ? &small_handed : NULL;
}

/* Put p's skb back as dom0 made it, for the next allocation; false: full. */
static bool put_back(const struct twin_pool_skb *p)
{
    if ( !p->snapped ||
         (p->frag ? nr_recycled_frags >= NR_FRAG_SLOTS
                  : nr_recycled_smalls >= TWIN_SMALL_SLOTS) ||
         !vm_copy_out(p->skb, p->snap, sizeof(p->snap)) )
        return false;
    if ( p->frag )
    {
        recycled_frags[nr_recycled_frags].frag = p->frag;
        recycled_frags[nr_recycled_frags++].skb = p->skb;
    }
    else
        recycled_smalls[nr_recycled_smalls++] = p->skb;
    twin.st.rx_recycled++;

    return true;
}

bool twin_pool_recycle(uint64_t skb)
{
    struct twin_pool_skb *h = handed(skb);

    if ( !h || !put_back(h) )
        return false;
    h->skb = 0;

    return true;
}

/*
 * A guest's frame waits for its buffer (vif_rx.c): the record of skb as
 * dom0 made it moves to *out, to be reused later (twin_pool_reuse).
 */
bool twin_pool_keep(uint64_t skb, struct twin_pool_skb *out)
{
    struct twin_pool_skb *h = handed(skb);

    /*
     * A whole skb (TWIN_RX_SKBS) was handed out when the RX ring was
     * refilled, long before its frame came: there is no copy of it as dom0
     * made it, so once done with it goes back to dom0 (twin_pool_reuse).
     */
    if ( !h && skb && twin.a.rx_mode == TWIN_RX_SKBS )
    {
        out->skb = skb;
        out->frag = 0;
        out->snapped = false;
        return true;
    }
    if ( !h )
        return false;
    *out = *h;
    h->skb = 0;

    return true;
}

/* A kept skb is done with: reused, or given back to dom0 if no room. */
void twin_pool_reuse(const struct twin_pool_skb *p)
{
    if ( !put_back(p) )
        twin_upcall_post(TWIN_UC_RELEASE_RX, &p->skb, 1);
}

static bool dom0_kernel_addr(uint64_t va)
{
    return is_canonical_address(va) && (long)va < 0 &&
           !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

static unsigned int slot_of(uint64_t frag)
{
    return twin_addr_slot(frag, NR_FRAG_BITS);
}

static struct twin_frag *find(uint64_t frag)
{
    unsigned int i, s = slot_of(frag);

    for ( i = 0; i < NR_FRAG_SLOTS; i++ )
    {
        struct twin_frag *f = &twin.frags[(s + i) % NR_FRAG_SLOTS];

        if ( f->frag == frag )
            return f;
        if ( !f->frag )
            return NULL;
    }

    return NULL;
}

static bool insert(uint64_t frag, uint64_t skb)
{
    unsigned int i, s = slot_of(frag);

    if ( twin.nr_frags >= NR_FRAG_SLOTS / 2 || find(frag) )
        return false;
    for ( i = 0; i < NR_FRAG_SLOTS; i++ )
    {
        struct twin_frag *f = &twin.frags[(s + i) % NR_FRAG_SLOTS];

        if ( !f->frag )
        {
            f->frag = frag;
            f->skb = skb;
            twin.nr_frags++;
            return true;
        }
    }

    return false;
}

/*
 * Open addressing with linear probing: after making a hole, re-insert
 * every entry of the run that followed it (each may belong before it).
 */
static void erase(struct twin_frag *f)
{
    unsigned int i = f - twin.frags, n;

    f->frag = 0;
    twin.nr_frags--;
    for ( n = 1; n < NR_FRAG_SLOTS; n++ )
    {
        struct twin_frag *next = &twin.frags[(i + n) % NR_FRAG_SLOTS];
        struct twin_frag moved = *next;

        if ( !moved.frag )
            break;
        next->frag = 0;
        twin.nr_frags--;
        insert(moved.frag, moved.skb);
    }
}

/* The next receive buffer dom0 supplied, or false if there is none. */
static bool take_supply(struct twin_supply *out)
{
    struct twin_shared *sh = twin.sh;
    uint32_t cons = sh->supply.cons, prod = ACCESS_ONCE(sh->supply.prod);

    if ( prod == cons || prod - cons > TWIN_SUPPLY_SLOTS )
        return false;
    smp_rmb();                  /* the index before the entry */
    *out = sh->supplies[cons % TWIN_SUPPLY_SLOTS];
    smp_mb();                   /* the entry read before dom0 reuses it */
    sh->supply.cons = cons + 1;

    return dom0_kernel_addr(out->frag) && dom0_kernel_addr(out->skb);
}

/*
 * The instance found no buffer: dom0 must refill, and then the RX ring
 * must be refilled too, which only a poll does.  Nothing else may come
 * to trigger either (the NIC has nowhere to receive into), so dom0 is
 * notified now, and its kick schedules a poll (twin_softirq).
 */
static void pool_empty(void)
{
    twin.st.pool_empty++;
    twin.sh->xen_waiting = 1;
    twin.pool_starved = true;
    twin.notify = true;
}

uint64_t twin_pool_frag(unsigned int fragsz)
{
    struct twin_supply s;

    if ( fragsz != twin.a.frag_len || twin.a.rx_mode != TWIN_RX_FRAGS )
    {
        twin.st.pool_empty++;
        return 0;
    }
    if ( nr_recycled_frags &&
         insert(recycled_frags[nr_recycled_frags - 1].frag,
                recycled_frags[nr_recycled_frags - 1].skb) )
        return recycled_frags[--nr_recycled_frags].frag;
    do {
        if ( !take_supply(&s) )
        {
            pool_empty();
            return 0;
        }
    } while ( !insert(s.frag, s.skb) );
    twin.st.pool_supplied++;

    /* like netdev_alloc_frag(): the fragment itself; e1000 adds headroom */
    return s.frag;
}

/*
 * TWIN_RX_SKBS (e1000e): the driver allocates whole skbs for the RX ring
 * (__netdev_alloc_skb) and keeps each in its ring slot until it hands it
 * on, so an skb handed out is the ring's, not the pool's: nothing is
 * outstanding at detach.  dom0 supplies them as netdev_alloc_skb() made
 * them, for up to frag_len bytes.
 */
uint64_t twin_pool_skb(unsigned int len)
{
    struct twin_supply s;

    if ( twin.a.rx_mode != TWIN_RX_SKBS || len > twin.a.frag_len )
    {
        twin.st.pool_empty++;
        return 0;
    }
    if ( nr_recycled_frags )
    {
        nr_recycled_frags--;
        s.frag = recycled_frags[nr_recycled_frags].frag;
        s.skb = recycled_frags[nr_recycled_frags].skb;
    }
    else if ( !take_supply(&s) )
    {
        pool_empty();
        return 0;
    }
    else
        twin.st.pool_supplied++;
    remember(&built, s.skb, s.frag);

    return s.skb;
}

uint64_t twin_pool_build(uint64_t head, unsigned int frag_size)
{
    struct twin_frag *f = find(head);
    uint64_t skb;

    if ( !f || frag_size != twin.a.frag_len || twin.a.rx_mode != TWIN_RX_FRAGS )
    {
        twin.st.pool_empty++;
        return 0;
    }
    skb = f->skb;
    erase(f);
    remember(&built, skb, head);

    return skb;
}

uint64_t twin_pool_small(unsigned int len)
{
    struct twin_shared *sh = twin.sh;
    uint32_t cons = sh->small.cons, prod = ACCESS_ONCE(sh->small.prod);
    uint64_t skb;

    if ( len <= twin.a.small_len && nr_recycled_smalls )
    {
        skb = recycled_smalls[--nr_recycled_smalls];
        remember(&small_handed, skb, 0);
        return skb;
    }
    if ( len > twin.a.small_len || prod == cons ||
         prod - cons > TWIN_SMALL_SLOTS )
    {
        pool_empty();
        return 0;
    }
    smp_rmb();
    skb = sh->smalls[cons % TWIN_SMALL_SLOTS];
    smp_mb();
    sh->small.cons = cons + 1;
    if ( !dom0_kernel_addr(skb) )
        return 0;
    twin.st.pool_supplied++;
    remember(&small_handed, skb, 0);

    return skb;
}

/* The instance freed a fragment (page_frag_free): its skb goes back. */
void twin_pool_frag_freed(uint64_t addr)
{
    struct twin_frag *f = find(addr - twin.a.frag_headroom);
    uint64_t a[2];

    if ( !f )
        return;
    a[0] = f->skb;
    a[1] = TWIN_RELEASE_SHELL;
    erase(f);
    twin_upcall_post(TWIN_UC_RELEASE, a, 2);
}

/*
 * Attach: the supply ring starts with the fragments already posted in the
 * RX ring by the VM instance (flag POSTED), with the skbs dom0 built
 * around them, so the instance can receive into them.
 */
int twin_pool_attach(void)
{
    struct twin_shared *sh = twin.sh;

    /* every outstanding supply fits, the table at most half full */
    BUILD_BUG_ON(NR_FRAG_SLOTS != 2 * TWIN_SUPPLY_SLOTS);
    twin.frags = xzalloc_array(struct twin_frag, NR_FRAG_SLOTS);
    if ( !twin.frags )
        return -ENOMEM;
    twin.nr_frags = 0;
    nr_recycled_frags = nr_recycled_smalls = 0;
    built.skb = small_handed.skb = 0;
    while ( sh->supply.cons != ACCESS_ONCE(sh->supply.prod) &&
            (sh->supplies[sh->supply.cons % TWIN_SUPPLY_SLOTS].flags &
             TWIN_SUPPLY_POSTED) )
    {
        struct twin_supply s;

        if ( !take_supply(&s) || !insert(s.frag, s.skb) )
            return -EINVAL;
        twin.st.pool_supplied++;
    }

    return 0;
}

/*
 * Detach: every outstanding skb goes back to dom0 as a shell (the RX ring
 * keeps its fragment), every recycled one whole.
 */
void twin_pool_detach(void)
{
    unsigned int i;

    while ( nr_recycled_frags )
        twin_upcall_post(TWIN_UC_RELEASE_RX, &recycled_frags[--nr_recycled_frags].skb, 1);
    while ( nr_recycled_smalls )
        twin_upcall_post(TWIN_UC_RELEASE_RX, &recycled_smalls[--nr_recycled_smalls], 1);
    built.skb = small_handed.skb = 0;

    for ( i = 0; twin.frags && i < NR_FRAG_SLOTS; i++ )
    {
        uint64_t a[2] = { twin.frags[i].skb, TWIN_RELEASE_SHELL };

        if ( twin.frags[i].frag )
            twin_upcall_post(TWIN_UC_RELEASE, a, 2);
    }
    xfree(twin.frags);
    twin.frags = NULL;
    twin.nr_frags = 0;
}
