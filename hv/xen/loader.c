/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a derived instance: it arrives as a livepatch payload (Xen's own
 * loader relocates it and links it against Xen's symbols), built by
 * hv/payload.mk from twinc's object, SVM's trampolines and a small glue
 * whose apply action registers the instance here and whose revert action
 * unregisters it (refused while it is attached).
 *
 * A payload is a TwinDrivers instance if it has a .twin.instance section.
 * Such a payload may only link against the support interface below: the
 * SVM runtime's entry points and the policy's "hv" bindings, which the
 * payload build renames twin_hv_<name>.  The livepatch loader asks
 * twin_livepatch_symbol_ok() for every undefined symbol (hv/patches), so
 * an instance that names anything else in Xen is refused at upload; and a
 * payload that is not an instance may not reach the interface.
 */
#include <xen/lib.h>
#include <xen/livepatch_payload.h>
#include <xen/param.h>
#include <xen/string.h>

#include "twin.h"

static const char *const twin_interface[] = {
    /* SVM runtime, called by svm_entry.S and twinc's probes */
    "__svm_tlbp", "__svm_hits", "__twin_vm_percpu_base", "svm_translate",
    "__twin_rsp", "__twin_rs_end", "twin_return_refused", "__twin_call_sp",
    "__twin_stack_min",
    "svm_miss_done",
    "svm_write_bounced", "svm_wfix_missing", "svm_rep_stos", "svm_rep_movs",
    "twin_bug", "twin_upcall", "twin_denied", "twin_dispatch_refused",
    /* registration, from the payload's hooks */
    "twin_register", "twin_unregister", "twin_revert_check",
    /* the policies' hv bindings (hv/derive/e1000.policy) */
    "twin_hv_dma_map_page_attrs", "twin_hv_dma_unmap_page_attrs",
    "twin_hv_dma_sync_single_for_cpu", "twin_hv___napi_alloc_skb",
    "twin_hv_napi_build_skb", "twin_hv___netdev_alloc_frag_align",
    "twin_hv_alloc_pages", "twin_hv_skb_put", "twin_hv_skb_trim",
    "twin_hv____pskb_trim", "twin_hv___pskb_pull_tail", "twin_hv___skb_pad",
    "twin_hv_pskb_expand_head", "twin_hv_skb_copy_bits", "twin_hv_memcpy",
    "twin_hv_csum_ipv6_magic", "twin_hv_eth_type_trans",
    "twin_hv_is_vmalloc_addr", "twin_hv_dev_driver_string",
    "twin_hv_napi_gro_receive", "twin_hv_napi_gro_frags",
    "twin_hv_napi_get_frags", "twin_hv___napi_schedule",
    "twin_hv_napi_schedule_prep", "twin_hv_napi_complete_done",
    "twin_hv_dql_completed", "twin_hv_netif_tx_wake_queue",
    "twin_hv_netif_schedule_queue", "twin_hv__raw_spin_lock_irqsave",
    "twin_hv__raw_spin_unlock_irqrestore", "twin_hv_napi_consume_skb",
    "twin_hv_consume_skb", "twin_hv___dev_kfree_skb_any",
    /* e1000e's (hv/derive/e1000e.policy) */
    "twin_hv___netdev_alloc_skb", "twin_hv_dma_sync_single_for_device",
    "twin_hv___dev_kfree_skb_irq",
};

static bool in_interface(const char *name)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(twin_interface); i++ )
        if ( !strcmp(twin_interface[i], name) )
            return true;

    return false;
}

/*
 * The livepatch loader's question for each undefined symbol of a payload
 * (hv/patches/0002): may it be resolved against Xen?
 */
bool twin_livepatch_symbol_ok(const char *payload, bool is_instance,
                              const char *name)
{
    bool ok = in_interface(name);

    if ( is_instance && !ok )
        printk(XENLOG_ERR "twin: %s: %s is outside the TwinDrivers support interface; refused\n",
               payload, name);
    else if ( !is_instance && ok )
    {
        printk(XENLOG_ERR "twin: %s: %s belongs to the TwinDrivers support interface, which only instances may use; refused\n",
               payload, name);
        return false;
    }

    return !is_instance || ok;
}

bool twin_in_text(unsigned long rip)
{
    return rip >= twin.text_start && rip < twin.text_end;
}

/* Whether an unsafe test build (twin_desc.h) may be registered at all. */
static bool __read_mostly opt_unsafe_tests;
boolean_param("twin-unsafe-tests", opt_unsafe_tests);

static bool in_payload_text(const struct payload *p, const void *fn)
{
    unsigned long a = (unsigned long)fn, s = (unsigned long)p->text_addr;

    return a >= s && a < s + p->text_size;
}

static bool intrs_in_text(const struct payload *p, const struct twin_desc *desc)
{
    unsigned int i;

    for ( i = 0; i < desc->nr_intrs; i++ )
        if ( !in_payload_text(p, desc->intr[i]) )
            return false;

    return true;
}

/*
 * The payload's apply action (every CPU rendezvoused): check the
 * descriptor, take the instance.
 */
int twin_register(void *payload, const struct twin_desc *desc)
{
    const struct payload *p = payload;
    int rc = -EINVAL;

    spin_lock(&twin.lock);
    if ( twin.desc )
    {
        printk(XENLOG_ERR "twin: an instance is already loaded\n");
        rc = -EBUSY;
    }
    else if ( desc->magic == TWIN_DESC_MAGIC_UNSAFE && !opt_unsafe_tests )
        printk(XENLOG_ERR "twin: %s is an unsafe test build (SVM does not check Xen's addresses); "
               "boot Xen with twin-unsafe-tests to load it\n", p->name);
    else if ( (desc->magic != TWIN_DESC_MAGIC && desc->magic != TWIN_DESC_MAGIC_UNSAFE) ||
              desc->version != TWIN_INTERFACE_VERSION )
        printk(XENLOG_ERR "twin: %s: not a TwinDrivers instance of interface version %u\n",
               p->name, TWIN_INTERFACE_VERSION);
    else if ( !desc->nr_intrs || desc->nr_intrs > TWIN_MAX_INTRS ||
              !memchr(desc->driver, 0, sizeof(desc->driver)) || !desc->driver[0] )
        printk(XENLOG_ERR "twin: %s: no driver name or %u interrupt handlers\n",
               p->name, desc->nr_intrs);
    else if ( !in_payload_text(p, desc->xmit) ||
              !intrs_in_text(p, desc) ||
              !in_payload_text(p, desc->poll) ||
              !in_payload_text(p, desc->test_fault) ||
              !in_payload_text(p, desc->test_spin) )
        printk(XENLOG_ERR "twin: %s: entry points outside the payload's text\n",
               p->name);
    else
    {
        twin.desc = desc;
        twin.text_start = (unsigned long)p->text_addr;
        twin.text_end = twin.text_start + p->text_size;
        twin.ro_start = (unsigned long)p->ro_addr;
        twin.ro_end = twin.ro_start + p->ro_size;
        twin.unsafe = desc->magic == TWIN_DESC_MAGIC_UNSAFE;
        if ( twin.unsafe )
            printk(XENLOG_WARNING "twin: %s is an UNSAFE test build: SVM hands it Xen's own "
                   "addresses unchecked\n", p->name);
        printk(XENLOG_INFO "twin: instance %s of %s loaded: text %#lx-%#lx, rodata %#lx-%#lx\n",
               p->name, desc->driver, twin.text_start, twin.text_end, twin.ro_start,
               twin.ro_end);
        rc = 0;
    }
    spin_unlock(&twin.lock);

    return rc;
}

/* The payload's pre-revert hook: refuse early, with a reason. */
int twin_revert_check(void *payload, const struct twin_desc *desc)
{
    const struct payload *p = payload;

    if ( twin.desc == desc && twin.attached )
    {
        printk(XENLOG_ERR "twin: %s is attached; detach it before unloading\n",
               p->name);
        return -EBUSY;
    }

    return 0;
}

/* The payload's revert action (every CPU rendezvoused). */
int twin_unregister(void *payload, const struct twin_desc *desc)
{
    const struct payload *p = payload;
    int rc = 0;

    spin_lock(&twin.lock);
    if ( twin.desc != desc )
        rc = -ENOENT;
    else if ( twin.attached )
    {
        printk(XENLOG_ERR "twin: %s is attached; detach it before unloading\n",
               p->name);
        rc = -EBUSY;
    }
    else
    {
        twin.desc = NULL;
        twin.text_start = twin.text_end = 0;
        twin.ro_start = twin.ro_end = 0;
        twin.unsafe = false;
        printk(XENLOG_INFO "twin: instance %s unloaded\n", p->name);
    }
    spin_unlock(&twin.lock);

    return rc;
}
