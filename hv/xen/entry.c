/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the hypervisor instance.
 *
 * Entry points: the NIC's interrupts (intercepted on their way to dom0,
 * run from TWIN_SOFTIRQ), NAPI polls (TWIN_SOFTIRQ, budget 64 per poll),
 * and dom0's transmit hypercall.  One entry runs at a time (twin.lock),
 * with interrupts enabled, on the hypervisor stack of the CPU it runs on.
 *
 * An entry ends early, and the instance is disabled, when SVM refused an
 * access (the entry runs to its end on SVM's sink page first), when the
 * instance raises a CPU exception (twin_fault_fixup, from Xen's exception
 * fix-up path), when it runs longer than TWIN_WATCHDOG (checked from the
 * local APIC timer interrupt, which a per-CPU timer keeps coming), or on a
 * BUG() or a denied call (twin_abort).  Disabling tells dom0 with an
 * upcall; dom0 detaches and its own copy of the driver takes over.
 */
#include <xen/lib.h>
#include <xen/event.h>
#include <xen/init.h>
#include <xen/irq.h>
#include <xen/percpu.h>
#include <xen/softirq.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <asm/current.h>

#include "twin.h"
#include "vif.h"

bool twin_hv_napi_schedule_prep(uint64_t n);

#define TWIN_ABORTED        (-14)
#define TWIN_WATCHDOG       SECONDS(1)
#define TWIN_BUDGET         64
#define NETDEV_TX_OK        0
#define NETDEV_TX_BUSY      0x10
#define IRQ_NONE            0
/* Upcall slots an entry may need: a poll frees a whole TX ring's skbs. */
#define POLL_ROOM           (256 + 2 * TWIN_BUDGET + 64)
#define XMIT_ROOM           64

struct twin_state twin = { .lock = SPIN_LOCK_UNLOCKED };

extern void twin_recover(void);
extern void noreturn twin_longjmp(unsigned long sp);

static DEFINE_PER_CPU(unsigned long, saved_sp);
static DEFINE_PER_CPU(s_time_t, entry_start);
static DEFINE_PER_CPU(unsigned int, abort_reason);
static DEFINE_PER_CPU(uint64_t, abort_where);
static DEFINE_PER_CPU(unsigned int, refused_reason);   /* twin_refuse() */
static DEFINE_PER_CPU(uint64_t, refused_where);
static DEFINE_PER_CPU(struct timer, watchdog_timer);

static bool in_entry(void)
{
    return this_cpu(entry_start) != 0;
}

unsigned long twin_entry_sp(void)
{
    return in_entry() ? this_cpu(saved_sp) : 0;
}

/*
 * The driver VM's per-CPU area an entry sees ("percpu ... vm"): the
 * calling dom0 vCPU's, vCPU 0's from Xen's own contexts.
 */
static uint64_t dom0_percpu_base(void)
{
    const struct vcpu *v = current;
    unsigned int cpu = 0;

    if ( v->domain == twin.dom && v->vcpu_id < twin.a.nr_cpus )
        cpu = v->vcpu_id;

    return twin.a.percpu_offset[cpu];
}

/* Mark the instance disabled and tell dom0; called under twin.lock. */
void twin_disable(unsigned int reason, uint64_t where)
{
    uint64_t a[2] = { reason, where };

    if ( twin.disabled )
        return;
    twin.disabled = true;
    twin_dma_mark();
    twin.st.disables++;
    twin.st.disabled_reason = reason;
    twin.st.disabled_where = where;
    printk(XENLOG_WARNING "twin: instance disabled (reason %u, %#"PRIx64"); dom0's driver takes over\n",
           reason, where);
    twin_upcall_post(TWIN_UC_DISABLED, a, 2);
    twin_vif_fail_all();
}

/*
 * From the support code: one effect the instance asked for was refused
 * (not done), the entry runs to its end so that the driver's own state
 * stays consistent for dom0's driver, and then the instance is disabled.
 * Leaving at once would stop it between two of its ring updates, which
 * dom0's driver then meets half done (tdh faults: a double free caught
 * mid TX clean left dom0's queue accounting to BUG).
 */
void twin_refuse(unsigned int reason, uint64_t where)
{
    if ( !in_entry() || this_cpu(refused_reason) != TWIN_DIS_NONE )
        return;
    this_cpu(refused_reason) = reason;
    this_cpu(refused_where) = where;
}

/*
 * Why an entry is left early: a refusal earlier in the entry is the cause
 * of what follows (the instance ran on from the sink's zeroes, into a
 * bad index, a division by zero...), so it stays the reason.
 */
static void set_abort(unsigned int reason, uint64_t where)
{
    if ( svm_stats.refusals )
    {
        reason = TWIN_DIS_REFUSAL;
        where = svm_stats.last_refused;
    }
    else if ( this_cpu(refused_reason) != TWIN_DIS_NONE )
    {
        reason = this_cpu(refused_reason);
        where = this_cpu(refused_where);
    }
    this_cpu(abort_reason) = reason;
    this_cpu(abort_where) = where;
}

/* From the instance's call chain: leave the entry now. */
void twin_abort(unsigned int reason, uint64_t where)
{
    if ( !in_entry() )
        return;
    set_abort(reason, where);
    twin_longjmp(this_cpu(saved_sp));
}

/*
 * Of the primary stack (8 KB, below it a read-only page: an overflow is a
 * double fault), what the instance's frames leave to the runtime below
 * them: its trampolines and support code, svm_translate()'s logging of a
 * refusal, Xen's interrupt handlers.  The push unit of every derived
 * function checks its frame against it (__twin_stack_min).
 */
#define TWIN_STACK_RESERVE  2048

/* One entry into the instance, with that per-CPU base; under twin.lock. */
static long run_on(uint64_t percpu, void *fn, long a0, long a1)
{
    s_time_t t0 = NOW(), dt;
    u64 *rs = __twin_rsp;
    long rc;

    __twin_vm_percpu_base = percpu;
    __twin_call_sp = 0;
    __twin_stack_min = twin_primary_stack_bottom() + TWIN_STACK_RESERVE;
    this_cpu(abort_reason) = TWIN_DIS_NONE;
    this_cpu(refused_reason) = TWIN_DIS_NONE;
    this_cpu(entry_start) = t0;
    rc = twin_call(fn, a0, a1, &this_cpu(saved_sp));
    /* an aborted entry leaves its activations on the shadow stack */
    __twin_rsp = rs;
    this_cpu(entry_start) = 0;
    twin_svm_entry_done();
    dt = NOW() - t0;
    if ( dt > twin.st.entry_ns_max )
        twin.st.entry_ns_max = dt;

    if ( rc == TWIN_ABORTED && this_cpu(abort_reason) != TWIN_DIS_NONE )
        twin_disable(this_cpu(abort_reason), this_cpu(abort_where));
    else if ( this_cpu(refused_reason) != TWIN_DIS_NONE )
        twin_disable(this_cpu(refused_reason), this_cpu(refused_where));
    else if ( svm_disabled )
        twin_disable(svm_stats.refusals ? TWIN_DIS_REFUSAL : TWIN_DIS_DENIED,
                     svm_stats.last_refused);

    return rc;
}

static long run(void *fn, long a0, long a1)
{
    return run_on(dom0_percpu_base(), fn, a0, a1);
}

static bool usable(void)
{
    return twin.attached && !twin.disabled && twin.desc;
}

/* TWIN_OP_XMIT: dom0's stack hands over one of its skbs. */
long twin_xmit(uint64_t skb)
{
    long rc;

    spin_lock(&twin.lock);
    if ( !usable() )
        rc = twin.attached ? -EIO : -ENODEV;
    else if ( twin_upcall_room() < XMIT_ROOM )
    {
        twin.sh->xen_waiting = 1;
        twin.st.tx_busy++;
        rc = NETDEV_TX_BUSY;
    }
    else
    {
        twin_skb_enters(skb);
        twin.xmit_skb = skb;
        rc = run(twin.desc->xmit, skb, twin.a.netdev);
        twin.xmit_skb = 0;
        if ( twin.disabled )
            rc = -EIO;
        else if ( rc == NETDEV_TX_OK )
            twin.st.tx_frames++;
        else
            twin.st.tx_busy++;
    }
    twin_upcall_flush();
    spin_unlock(&twin.lock);

    return rc;
}

/*
 * A guest's frame in a transmit pool skb (vif_tx.c); under twin.lock.  It
 * runs as a CPU of dom0's of its own: the per-CPU area dom0 set aside for
 * the guests' path, whose softnet_data.xmit_more Xen sets (more frames
 * follow: the instance may leave the tail register for the last).
 */
long twin_guest_xmit(uint64_t skb, bool more)
{
    long rc;

    if ( !usable() )
        return -EIO;
    vm_wr8(twin.a.guest_xmit_more, more);
    twin_skb_enters(skb);
    twin.xmit_skb = skb;
    rc = run_on(twin.a.guest_percpu, twin.desc->xmit, skb, twin.a.netdev);
    twin.xmit_skb = 0;
    if ( twin.disabled )
        return -EIO;

    return rc;
}

/* Guests' transmit requests wait: serve them from the softirq. */
void twin_vif_schedule_tx(void)
{
    twin.vif_kick = true;
    raise_softirq(TWIN_SOFTIRQ);
}

/*
 * TWIN_OP_SELFTEST: one entry into the payload's own test code, which
 * faults, spins, has its return address overwritten or aims a copy at
 * the runtime's frames; the recovery must bring it back and disable the
 * instance, exactly as for the derived code.
 */
long twin_selftest(unsigned long kind)
{
    void (*fn)(void);
    long rc;

    spin_lock(&twin.lock);
    fn = !usable() ? NULL :
         kind == TWIN_SELFTEST_FAULT ? twin.desc->test_fault :
         kind == TWIN_SELFTEST_SPIN ? twin.desc->test_spin :
         kind == TWIN_SELFTEST_RETURN ? twin.desc->test_return :
         kind == TWIN_SELFTEST_FRAME ? twin.desc->test_frame : NULL;
    if ( !fn )
        rc = usable() ? -EINVAL : -ENODEV;
    else if ( !twin_in_text((unsigned long)fn) )
        rc = -EINVAL;
    else
    {
        /* aborted, or ran on to its end on the sink after a refusal */
        rc = run(fn, 0, 0);
        rc = rc == TWIN_ABORTED || twin.disabled ? 0 : -EIO;
    }
    twin_upcall_flush();
    spin_unlock(&twin.lock);

    return rc;
}

/*
 * TWIN_OP_SVM_PROBE: an access of the instance's to dom0's @va, made from
 * outside an entry (no entry runs: twin.lock), for the tests of the TLB's
 * invalidation.
 */
long twin_svm_probe(struct twin_svm_probe *p)
{
    long rc = -ENODEV;

    spin_lock(&twin.lock);
    if ( usable() )
    {
        p->translated = !!svm_try_translate(p->va, p->write);
        p->typed = twin_frame_writable_pinned(p->va);
        rc = 0;
    }
    spin_unlock(&twin.lock);

    return rc;
}

/*
 * From do_IRQ_guest(), for each domain the interrupt is bound to (the
 * line is masked or its EOI pending, as for a guest): the NIC's go to
 * the instance instead of to dom0.  twin_softirq() then EOIs it the way
 * dom0's PHYSDEVOP_eoi would, or forwards it if the instance has stopped.
 */
bool twin_pirq_intercept(struct domain *d, struct pirq *pirq)
{
    unsigned int v;

    if ( !twin.attached || twin.disabled || d != twin.dom )
        return false;
    for ( v = 0; v < twin.a.nr_irqs; v++ )
        if ( pirq->pirq == twin.a.pirq[v] )
            break;
    if ( v == twin.a.nr_irqs )
        return false;
    twin.pirq[v] = pirq;
    smp_wmb();                  /* the pointer before the bit */
    set_bit(v, &twin.irq_pending);
    raise_softirq(TWIN_SOFTIRQ);

    return true;
}

void twin_schedule_poll(void)
{
    twin.poll_pending = true;
    raise_softirq(TWIN_SOFTIRQ);
}

static void cf_check repoll(void *unused)
{
    raise_softirq(TWIN_SOFTIRQ);
}

static void eoi(struct pirq *pirq)
{
    read_lock(&twin.dom->event_lock);
    pirq_guest_eoi(pirq);
    read_unlock(&twin.dom->event_lock);
}

static void cf_check twin_softirq(void)
{
    struct pirq *pirq[TWIN_MAX_IRQS] = { NULL };
    bool forward = false;
    unsigned int v;

    spin_lock(&twin.lock);
    for ( v = 0; v < twin.a.nr_irqs; v++ )
    {
        if ( !test_and_clear_bit(v, &twin.irq_pending) )
            continue;
        smp_rmb();              /* the bit before the pointer */
        pirq[v] = twin.pirq[v];
        /*
         * Each vector is the NIC's alone (twinctl refuses a shared line):
         * an interrupt the instance finds no cause for (its cause was
         * taken by an earlier run on another CPU) is just EOIed.
         */
        if ( usable() )
        {
            twin.st.interrupts++;
            if ( run(twin.desc->intr[twin.a.handler[v]], twin.a.pirq[v],
                     twin.a.netdev) == IRQ_NONE )
                twin.st.interrupts_spurious++;
        }
        else
        {
            forward = true;     /* dom0 is in charge again */
            twin.st.interrupts_forwarded++;
        }
    }
    if ( twin.kicked )
    {
        twin.kicked = false;
        /* buffers again: a poll refills the RX ring (as NAPI would) */
        if ( twin.pool_starved && usable() )
        {
            twin.pool_starved = false;
            if ( twin_hv_napi_schedule_prep(twin.a.napi) )
                twin.poll_pending = true;
        }
    }
    if ( twin.poll_pending && usable() )
    {
        if ( twin_upcall_room() < POLL_ROOM )
        {
            /* dom0 drains the ring and kicks; the timer is a fallback */
            twin.sh->xen_waiting = 1;
            twin.st.poll_deferred++;
            set_timer(&twin.repoll, NOW() + MILLISECS(1));
        }
        else
        {
            long done;

            twin.poll_pending = false;
            twin.st.polls++;
            done = run(twin.desc->poll, twin.a.napi, TWIN_BUDGET);
            twin_pool_forget(0);    /* what it received is settled */
            /* budget used up: NAPI stays scheduled, poll again soon */
            if ( done >= TWIN_BUDGET && usable() )
            {
                twin.poll_pending = true;
                set_timer(&twin.repoll, NOW() + MICROSECS(20));
            }
        }
    }
    if ( twin.vif_kick && usable() )
    {
        twin.vif_kick = false;
        twin_vif_tx_all();
    }
    twin_vif_push_all();
    twin_upcall_flush();
    spin_unlock(&twin.lock);

    for ( v = 0; v < ARRAY_SIZE(pirq); v++ )
        if ( pirq[v] && forward )
            send_guest_pirq(twin.dom, pirq[v]);
        else if ( pirq[v] )
            eoi(pirq[v]);
}

/*
 * TWIN_OP_KICK, or dom0's notification on the event channel: dom0 drained
 * the upcall ring and refilled the supply rings.  No lock here (the event
 * channel's is held on that path); the softirq acts on it.
 */
void twin_kick(void)
{
    if ( twin.sh )
        twin.sh->xen_waiting = 0;
    twin.kicked = true;
    raise_softirq(TWIN_SOFTIRQ);
}

/*
 * Detach: no entry is running (we hold the lock), none starts after; a
 * pending interrupt goes to dom0.  Reports whether the instance left
 * NAPI scheduled, in which case dom0 must poll.  Under twin.lock.
 */
bool twin_quiesce(struct twin_detach *out)
{
    struct pirq *pirq[TWIN_MAX_IRQS] = { NULL };
    unsigned int cpu, v;
    bool forwarded = false;

    for ( v = 0; v < twin.a.nr_irqs; v++ )
        if ( test_and_clear_bit(v, &twin.irq_pending) )
            pirq[v] = twin.pirq[v];
    twin.poll_pending = false;
    stop_timer(&twin.repoll);
    for_each_online_cpu ( cpu )
        stop_timer(&per_cpu(watchdog_timer, cpu));
    out->napi_scheduled = !!(vm_rd64(twin.a.napi + VM_NAPI_STATE) &
                             VM_NAPIF_SCHED);
    out->disabled_reason = twin.disabled ? twin.st.disabled_reason : 0;
    for ( v = 0; v < ARRAY_SIZE(pirq); v++ )
        if ( pirq[v] )
        {
            send_guest_pirq(twin.dom, pirq[v]);
            forwarded = true;
        }

    return forwarded;
}

/*
 * Xen's exception fix-up path (extable_fixup, hv/patches): an exception
 * raised by the instance's own code during an entry resumes at
 * twin_recover on the entry's stack, and the instance is disabled.
 */
bool twin_fault_fixup(struct cpu_user_regs *regs)
{
    if ( !in_entry() || !twin_in_text(regs->rip) )
        return false;
    twin.st.faults++;
    printk(XENLOG_ERR "twin: exception %u in the instance at %p\n",
           regs->entry_vector, _p(regs->rip));
    set_abort(TWIN_DIS_FAULT, regs->rip);
    regs->rsp = this_cpu(saved_sp);
    regs->rip = (unsigned long)twin_recover;

    return true;
}

/*
 * The local APIC timer interrupt (hv/patches): an entry that has been
 * running for TWIN_WATCHDOG is stopped where it is, if it is in the
 * instance's code (in Xen's support code it would hold Xen's state; it
 * is stopped at its next return into the instance instead).
 */
void twin_watchdog_tick(struct cpu_user_regs *regs)
{
    s_time_t t0 = this_cpu(entry_start);

    if ( !t0 )
        return;
    /*
     * The APIC timer is one-shot, re-armed by the timer softirq, which
     * cannot run while an entry does not return: re-arm it here.
     */
    reprogram_timer(NOW() + MILLISECS(100));
    if ( NOW() - t0 < TWIN_WATCHDOG || guest_mode(regs) ||
         !twin_in_text(regs->rip) )
        return;
    twin.st.watchdogs++;
    printk(XENLOG_ERR "twin: the instance ran for %"PRId64" ms, stopped at %p\n",
           (NOW() - t0) / MILLISECS(1), _p(regs->rip));
    this_cpu(abort_reason) = TWIN_DIS_WATCHDOG;
    this_cpu(abort_where) = regs->rip;
    regs->rsp = this_cpu(saved_sp);
    regs->rip = (unsigned long)twin_recover;
}

/* Keeps the local APIC timer firing on every CPU while attached. */
static void cf_check watchdog_fn(void *unused)
{
    if ( twin.attached )
        set_timer(&this_cpu(watchdog_timer), NOW() + MILLISECS(100));
}

void twin_watchdog_start(void)
{
    unsigned int cpu;

    for_each_online_cpu ( cpu )
        set_timer(&per_cpu(watchdog_timer, cpu), NOW() + MILLISECS(100));
}

static int __init cf_check twin_init(void)
{
    unsigned int cpu;

    open_softirq(TWIN_SOFTIRQ, twin_softirq);
    init_timer(&twin.repoll, repoll, NULL, 0);
    for_each_online_cpu ( cpu )
        init_timer(&per_cpu(watchdog_timer, cpu), watchdog_fn, NULL, cpu);
    printk(XENLOG_INFO "twin: TwinDrivers runtime ready (interface %u)\n",
           TWIN_INTERFACE_VERSION);

    return 0;
}
__initcall(twin_init);
