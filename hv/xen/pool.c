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
 *  - Small skbs for copybreak (napi_alloc_skb), used as they are.
 *
 * Every address dom0 supplies is checked to be a dom0 kernel address;
 * everything done with it later goes through SVM anyway.
 */
#include <xen/lib.h>
#include <xen/xmalloc.h>

#include "twin.h"

struct twin_frag {
    uint64_t frag;              /* 0: free slot */
    uint64_t skb;
};

#define NR_FRAG_SLOTS   (2 * TWIN_SUPPLY_SLOTS)   /* a power of two */

static bool dom0_kernel_addr(uint64_t va)
{
    return is_canonical_address(va) && (long)va < 0 &&
           !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

static unsigned int slot_of(uint64_t frag)
{
    return (frag >> 6) * 0x9e3779b1U % NR_FRAG_SLOTS;
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

    if ( fragsz != twin.a.frag_len )
    {
        twin.st.pool_empty++;
        return 0;
    }
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

uint64_t twin_pool_build(uint64_t head, unsigned int frag_size)
{
    struct twin_frag *f = find(head);
    uint64_t skb;

    if ( !f || frag_size != twin.a.frag_len )
    {
        twin.st.pool_empty++;
        return 0;
    }
    skb = f->skb;
    erase(f);

    return skb;
}

uint64_t twin_pool_small(unsigned int len)
{
    struct twin_shared *sh = twin.sh;
    uint32_t cons = sh->small.cons, prod = ACCESS_ONCE(sh->small.prod);
    uint64_t skb;

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

    twin.frags = xzalloc_array(struct twin_frag, NR_FRAG_SLOTS);
    if ( !twin.frags )
        return -ENOMEM;
    twin.nr_frags = 0;
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

/* Detach: every outstanding skb goes back to dom0 as a shell. */
void twin_pool_detach(void)
{
    unsigned int i;

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
