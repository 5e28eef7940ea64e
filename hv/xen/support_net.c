/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy's "hv" bindings for NAPI, the transmit queue, byte queue
 * limits, spinlocks and small device helpers.  They act on dom0's own
 * structures, in place, through SVM (vm_access.c), with the semantics of
 * Linux 6.1's implementations; the layouts come from twin_offsets.h.
 * Where Linux would wake dom0's networking (schedule a qdisc), an upcall
 * asks dom0 to.
 */
#include <xen/lib.h>
#include <xen/sched.h>

#include "twin.h"

/* bool napi_schedule_prep(struct napi_struct *n) */
bool twin_hv_napi_schedule_prep(uint64_t n)
{
    uint64_t va = n + VM_NAPI_STATE, val = vm_rd64(va), new;

    do {
        if ( val & VM_NAPIF_DISABLE )
            return false;
        new = val | VM_NAPIF_SCHED;
        if ( val & VM_NAPIF_SCHED )
            new |= VM_NAPIF_MISSED;
    } while ( !vm_cmpxchg(va, 8, &val, new) && !svm_disabled );

    return !svm_disabled && !(val & VM_NAPIF_SCHED);
}

/* void __napi_schedule(struct napi_struct *n): poll from Xen's softirq */
void twin_hv___napi_schedule(uint64_t n)
{
    if ( n != twin.a.napi )
    {
        svm_disable();    /* not the NAPI instance we were given */
        return;
    }
    twin_schedule_poll();
}

/* bool napi_complete_done(struct napi_struct *n, int work_done) */
bool twin_hv_napi_complete_done(uint64_t n, int work_done)
{
    uint64_t va = n + VM_NAPI_STATE, val = vm_rd64(va), new;

    if ( val & (VM_NAPIF_NPSVC | VM_NAPIF_IN_BUSY_POLL) )
        return false;
    do {
        new = val & ~(VM_NAPIF_MISSED | VM_NAPIF_SCHED |
                      VM_NAPIF_PREFER_BUSY_POLL);
        /* missed a schedule while polling: stay scheduled, poll again */
        if ( val & VM_NAPIF_MISSED )
            new |= VM_NAPIF_SCHED;
    } while ( !vm_cmpxchg(va, 8, &val, new) && !svm_disabled );
    if ( svm_disabled )
        return false;
    if ( val & VM_NAPIF_MISSED )
    {
        twin_hv___napi_schedule(n);
        return false;
    }

    return true;
}

static bool test_and_clear_bit_vm(uint64_t va, unsigned int bit)
{
    uint64_t val = vm_rd64(va);

    while ( !vm_cmpxchg(va, 8, &val, val & ~(1ULL << bit)) && !svm_disabled )
        ;

    return !svm_disabled && (val & (1ULL << bit));
}

/* void netif_tx_wake_queue(struct netdev_queue *dev_queue) */
void twin_hv_netif_tx_wake_queue(uint64_t q)
{
    if ( test_and_clear_bit_vm(q + VM_TXQ_STATE, VM_TXQ_DRV_XOFF_BIT) )
    {
        twin_upcall_post(TWIN_UC_SCHEDULE_TX, &q, 1);
        twin_vif_schedule_tx();     /* guests' frames wait for the queue too */
    }
}

/* void netif_schedule_queue(struct netdev_queue *txq) */
void twin_hv_netif_schedule_queue(uint64_t q)
{
    twin_upcall_post(TWIN_UC_SCHEDULE_TX, &q, 1);
    twin_vif_schedule_tx();
}

#define POSDIFF(a, b)   ((int)((a) - (b)) > 0 ? (a) - (b) : 0)

/*
 * void dql_completed(struct dql *dql, unsigned int count): the limit
 * adaptation of lib/dynamic_queue_limits.c.  The limit grows when the
 * queue ran dry while over the limit (the device was starved), and
 * shrinks by the least slack seen over slack_hold_time otherwise.
 */
void twin_hv_dql_completed(uint64_t dql, unsigned int count)
{
#define DQL(f)          (dql + VM_DQL_##f)
    unsigned int queued = vm_rd32(DQL(NUM_QUEUED));
    unsigned int done = vm_rd32(DQL(NUM_COMPLETED));
    unsigned int limit = vm_rd32(DQL(LIMIT));
    unsigned int prev_ovlimit = vm_rd32(DQL(PREV_OVLIMIT));
    unsigned int prev_queued = vm_rd32(DQL(PREV_NUM_QUEUED));
    unsigned int completed = done + count;
    unsigned int ovlimit = POSDIFF(queued - done, limit);
    unsigned int inprogress = queued - completed;
    unsigned int prev_inprogress = prev_queued - done;
    bool all_prev_completed = (int)(completed - prev_queued) >= 0;
    unsigned long now = vm_rd64(twin.a.jiffies);

    if ( count > queued - done )
    {
        svm_disable();    /* Linux BUG()s: completing more than sent */
        return;
    }
    if ( (ovlimit && !inprogress) || (prev_ovlimit && all_prev_completed) )
    {
        limit += POSDIFF(completed, prev_queued) + prev_ovlimit;
        vm_wr64(DQL(SLACK_START_TIME), now);
        vm_wr32(DQL(LOWEST_SLACK), ~0U);
    }
    else if ( inprogress && prev_inprogress && !all_prev_completed )
    {
        unsigned int slack, last_objs, lowest;

        slack = POSDIFF(limit + prev_ovlimit, 2 * (completed - done));
        last_objs = prev_ovlimit ?
            POSDIFF(vm_rd32(DQL(PREV_LAST_OBJ_CNT)), prev_ovlimit) : 0;
        if ( last_objs > slack )
            slack = last_objs;
        lowest = vm_rd32(DQL(LOWEST_SLACK));
        if ( slack < lowest )
            vm_wr32(DQL(LOWEST_SLACK), lowest = slack);
        if ( (long)(now - (vm_rd64(DQL(SLACK_START_TIME)) +
                           vm_rd32(DQL(SLACK_HOLD_TIME)))) > 0 )
        {
            limit = POSDIFF(limit, lowest);
            vm_wr64(DQL(SLACK_START_TIME), now);
            vm_wr32(DQL(LOWEST_SLACK), ~0U);
        }
    }

    if ( limit < vm_rd32(DQL(MIN_LIMIT)) )
        limit = vm_rd32(DQL(MIN_LIMIT));
    if ( limit > vm_rd32(DQL(MAX_LIMIT)) )
        limit = vm_rd32(DQL(MAX_LIMIT));
    if ( limit != vm_rd32(DQL(LIMIT)) )
    {
        vm_wr32(DQL(LIMIT), limit);
        ovlimit = 0;
    }
    vm_wr32(DQL(ADJ_LIMIT), limit + completed);
    vm_wr32(DQL(PREV_OVLIMIT), ovlimit);
    vm_wr32(DQL(PREV_LAST_OBJ_CNT), vm_rd32(DQL(LAST_OBJ_CNT)));
    vm_wr32(DQL(NUM_COMPLETED), completed);
    vm_wr32(DQL(PREV_NUM_QUEUED), queued);
#undef DQL
}

/*
 * unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock): the
 * qspinlock's uncontended fast path (locked byte 0 -> 1), spinning a
 * bounded time: dom0 may hold the lock and be descheduled, and Xen must
 * not wait for it.  Giving up disables the instance.  (e1000's fast path
 * only takes a lock on fibre adapters' TBI workaround.)
 */
unsigned long twin_hv__raw_spin_lock_irqsave(uint64_t lock)
{
    unsigned int spins;

    for ( spins = 0; spins < 1000000 && !svm_disabled; spins++ )
    {
        uint64_t old = 0;

        if ( vm_cmpxchg(lock, 4, &old, 1) )
            return 0;
        cpu_relax();
    }
    svm_disable();

    return 0;
}

void twin_hv__raw_spin_unlock_irqrestore(uint64_t lock, unsigned long flags)
{
    smp_mb();
    vm_wr8(lock, 0);
}

/* const char *dev_driver_string(const struct device *dev) */
uint64_t twin_hv_dev_driver_string(uint64_t dev)
{
    uint64_t drv = vm_rd64(dev + VM_DEVICE_DRIVER);

    return drv ? vm_rd64(drv + VM_DRIVER_NAME) : 0;
}

/* bool is_vmalloc_addr(const void *x) */
bool twin_hv_is_vmalloc_addr(uint64_t x)
{
    return x >= twin.a.vmalloc_start && x < twin.a.vmalloc_end;
}
