/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Upcalls: work the instance hands to the driver VM, and the C hooks that
 * svm_entry.S calls for the policy's upcall, deny and BUG bindings and for
 * refused indirect calls.
 *
 * The ring lives in dom0's shared area; Xen is its only producer, under
 * twin.lock.  dom0 may scribble on the consumer index: a value that makes
 * the ring look full only stops the producer, it cannot make Xen write
 * outside the ring.  One notification (Xen's event channel to dom0) per
 * batch: twin_upcall_flush() at the end of each entry.
 */
#include <xen/lib.h>
#include <xen/event.h>
#include <xen/smp.h>

#include "twin.h"

unsigned int twin_upcall_room(void)
{
    const struct twin_shared *sh = twin.sh;
    uint32_t used = sh->upcall.prod - ACCESS_ONCE(sh->upcall.cons);

    return used > TWIN_UPCALL_SLOTS ? 0 : TWIN_UPCALL_SLOTS - used;
}

bool twin_upcall_post(uint32_t id, const uint64_t *args, unsigned int n)
{
    struct twin_shared *sh = twin.sh;
    struct twin_upcall *u;
    uint32_t prod;
    unsigned int i;

    if ( !sh || !twin_upcall_room() )
    {
        twin.st.upcalls_dropped++;
        return false;
    }
    prod = sh->upcall.prod;
    u = &sh->upcalls[prod % TWIN_UPCALL_SLOTS];
    u->id = id;
    u->cpu = smp_processor_id();
    for ( i = 0; i < TWIN_UPCALL_ARGS; i++ )
        u->arg[i] = i < n ? args[i] : 0;
    smp_wmb();                  /* the entry before the index */
    sh->upcall.prod = prod + 1;
    twin.notify = true;
    twin.st.upcalls++;

    return true;
}

void twin_upcall_flush(void)
{
    if ( !twin.notify || !twin.sh )
        return;
    twin.notify = false;
    notify_via_xen_event_channel(twin.dom, twin.evtchn);
}

/*
 * An argument pointing into the instance's read-only data (a format
 * string, a string constant) is only meaningful to dom0 in the mirror
 * of that data that attach copied into the shared area.
 */
uint64_t twin_upcall_translate(uint64_t arg)
{
    if ( arg >= twin.ro_start && arg < twin.ro_end &&
         arg - twin.ro_start < TWIN_MIRROR_BYTES )
        return twin.mirror_base + (arg - twin.ro_start);

    return arg;
}

/*
 * The policy's "upcall" bindings (svm_entry.S's __twin_upcall): the six
 * register arguments and, for varargs callees, eight words of the caller's
 * stack.  The call returns 0 at once; dom0 runs it later.
 */
long twin_upcall(long id, long *regs, long *stack)
{
    uint64_t a[TWIN_UPCALL_ARGS];
    unsigned int i;

    if ( id < 0 || id >= TWIN_UC_INTERNAL )
    {
        twin.st.denied++;
        svm_disable();
        return 0;
    }
    for ( i = 0; i < 6; i++ )
        a[i] = twin_upcall_translate(regs[i]);
    for ( i = 6; i < TWIN_UPCALL_ARGS; i++ )
        a[i] = twin_upcall_translate(stack[i - 6]);
    if ( id == twin.desc->uc_page_frag_free )
        twin_pool_frag_freed(a[0]);
    twin_upcall_post(id, a, TWIN_UPCALL_ARGS);

    return 0;
}

/* A "deny" binding was called: the instance must not go on. */
long twin_denied(long id)
{
    twin.st.denied++;
    printk(XENLOG_WARNING "twin: call to denied function #%ld refused\n", id);
    twin_abort(TWIN_DIS_DENIED, id);

    return 0;
}

/* An indirect call to anything but the dispatch table's functions. */
long twin_dispatch_refused(u64 target)
{
    printk(XENLOG_WARNING "twin: indirect call to %#"PRIx64" refused\n",
           target);
    twin_abort(TWIN_DIS_DISPATCH, target);

    return 0;
}

/*
 * __twin_rs_fail: a return or tail call found another address in its
 * slot than the shadow return stack holds (a driver pointer wrote it), or
 * the calls nested deeper than the shadow stack or the CPU's stack allow.
 */
void twin_return_refused(u64 found, u64 expected)
{
    const char *why = svm_rs_refusal(expected);

    if ( why )
        printk(XENLOG_WARNING "twin: %s (%#"PRIx64")\n", why, found);
    else
        printk(XENLOG_WARNING "twin: return to %#"PRIx64" refused (the shadow stack holds %#"PRIx64")\n",
               found, expected);
    twin_abort(TWIN_DIS_RETURN, found);
}

/* BUG()/WARN() in the derived code (info: line | flags << 16). */
void twin_bug(u64 info, u64 where)
{
    unsigned int line = info & 0xffff, flags = info >> 16;

    if ( flags & 1 )            /* BUGFLAG_WARNING */
    {
        twin.st.warns++;
        printk(XENLOG_WARNING "twin: WARN in the %s instance (line %u, %#"PRIx64")\n",
               twin.desc->driver, line, where);
        return;
    }
    twin.st.bugs++;
    printk(XENLOG_ERR "twin: BUG in the instance (e1000_main.c:%u, %#"PRIx64")\n",
           line, where);
    twin_abort(TWIN_DIS_BUG, where);
}
