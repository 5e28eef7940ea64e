/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The skbs the instance let go of lately (freed, or handed to dom0's
 * stack), until one enters it again (dom0's transmit, a guest's, an
 * allocation from the pools).  Freeing one of them, or handing one on, is
 * the driver's bug: run in dom0 it is a double free in dom0's allocator or
 * a use after free (tdh faults: tx_double_free_skb and rx_double_free_skb
 * crashed dom0 in mm/slub.c).
 * Caught here, the instance stops and dom0's driver takes over.
 *
 * The last FREED_MAX frees are remembered (an older double free passes),
 * in an open-addressing table so that a free costs a few probes, not a
 * scan: the transmit path frees an skb a frame.  Under twin.lock.
 */
#include <xen/lib.h>
#include <xen/string.h>

#include "twin.h"

#define FREED_MAX       1024u
#define FREED_SLOTS     (4 * FREED_MAX)     /* a power of 2 */

static uint64_t table[FREED_SLOTS];         /* 0: empty */
static uint64_t fifo[FREED_MAX];            /* in order of freeing */
static unsigned int fifo_next;

static unsigned int home(uint64_t skb)
{
    return (skb * 0x9e3779b97f4a7c15ULL) >> 52 & (FREED_SLOTS - 1);
}

static int find(uint64_t skb)
{
    unsigned int i;

    for ( i = home(skb); table[i]; i = (i + 1) & (FREED_SLOTS - 1) )
        if ( table[i] == skb )
            return i;

    return -1;
}

/* Backward-shift deletion keeps every entry reachable from its home. */
static void forget_slot(unsigned int i)
{
    unsigned int j = i, k;

    table[i] = 0;
    for ( ;; )
    {
        j = (j + 1) & (FREED_SLOTS - 1);
        if ( !table[j] )
            return;
        k = home(table[j]);
        /* table[j] stays if its home lies cyclically in (i, j] */
        if ( i <= j ? (i < k && k <= j) : (i < k || k <= j) )
            continue;
        table[i] = table[j];
        table[j] = 0;
        i = j;
    }
}

void twin_skb_freed_reset(void)
{
    memset(table, 0, sizeof(table));
    memset(fifo, 0, sizeof(fifo));
    fifo_next = 0;
}

/* The instance frees @skb: false when it had freed it already. */
bool twin_skb_free(uint64_t skb)
{
    unsigned int i;
    int old;

    if ( find(skb) >= 0 )
        return false;
    /* the oldest is forgotten (if it is still there) */
    if ( fifo[fifo_next] && (old = find(fifo[fifo_next])) >= 0 )
        forget_slot(old);
    fifo[fifo_next] = skb;
    fifo_next = (fifo_next + 1) % FREED_MAX;
    for ( i = home(skb); table[i]; i = (i + 1) & (FREED_SLOTS - 1) )
        ;
    table[i] = skb;

    return true;
}

/* @skb enters the instance (again): it is a live skb from now on. */
void twin_skb_enters(uint64_t skb)
{
    int i = skb ? find(skb) : -1;

    if ( i >= 0 )
        forget_slot(i);
}
