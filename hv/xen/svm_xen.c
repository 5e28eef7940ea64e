/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SVM's environment inside Xen (hv/svm/svm_port.h): what a driver-VM
 * virtual address may be translated to.
 *
 * The walk starts at dom0's init_mm.pgd, whose frame dom0 names at attach
 * and which Xen checks is a pinned L4 page table of dom0's: every kernel
 * mapping the driver uses (direct map, vmalloc, modules, per-CPU areas) is
 * reachable from it.  A PV guest's page tables hold machine frames, so the
 * walk reads them directly; each level's frame must be a page table of
 * dom0's, and the final frame must be owned by dom0 or lie in the e1000's
 * MMIO BAR.  Anything else - Xen's own slots of the address space, a
 * frame of another domain (a grant mapping), an unmapped address - is
 * refused.  Two ranges of Xen's own are identity mapped: the running
 * CPU's stack (GCC passes pointers to locals) and the instance's
 * read-only data (indexed tables are translated too).
 *
 * Invalidation: a cached translation holds a reference on its frame
 * (svm_pt_pin), so a page dom0 frees cannot be reused by another domain
 * while the TLB points at it; at worst the instance sees a stale dom0
 * page, never someone else's.  A writable translation also holds a
 * writable type reference, so the frame stays dom0's ordinary writable
 * memory while the instance can write it: Xen refuses to make it a page
 * table or a descriptor table.  When dom0 asks for that (it freed the page
 * and reuses it as a page table while the TLB still caches it), Xen's
 * _get_page_type() calls twin_page_retype() (hv/patches/0010), which
 * drops the TLB's entries for the frame, between two entries into the
 * instance, and the type change goes ahead.  The mappings the fast path
 * uses (rings, buffer_info arrays, the adapter) only change while the
 * e1000 is down, and going down quiesces the instance, which flushes the
 * TLB.  Stack pages are cached only for the entry that used them: they
 * are flushed when it returns, so no CPU reaches another CPU's stack.
 */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/domain_page.h>
#include <xen/smp.h>
#include <asm/page.h>
#include <asm/current.h>

#include "twin.h"

#define NR_STACK_SLOTS (STACK_SIZE / PAGE_SIZE)

static uint64_t pinned;
static uint64_t wpinned;         /* of those, with a writable type reference */
static uint64_t stack_pages[NR_STACK_SLOTS];
static unsigned int nr_stack_pages;

static bool is_pt_of(mfn_t mfn, const struct domain *d, unsigned long type)
{
    const struct page_info *pg;

    if ( !mfn_valid(mfn) )
        return false;
    pg = mfn_to_page(mfn);

    return page_get_owner(pg) == d &&
           (pg->u.inuse.type_info & PGT_type_mask) == type;
}

static intpte_t read_entry(mfn_t table, unsigned int idx)
{
    const intpte_t *t = map_domain_page(table);
    intpte_t e = ACCESS_ONCE(t[idx]);

    unmap_domain_page(t);

    return e;
}

/*
 * The machine frame dom0's page tables map at @va, whoever owns it: 0,
 * -EFAULT (not mapped, or outside dom0's part of the address space),
 * -EPERM (a write to a read-only mapping) or -EACCES (a page table that is
 * not dom0's, a superpage).  Callers check the frame's owner.
 */
int twin_vm_walk_any(uint64_t va, bool write, mfn_t *out)
{
    static const unsigned long types[] = {
        PGT_l4_page_table, PGT_l3_page_table, PGT_l2_page_table,
        PGT_l1_page_table,
    };
    struct domain *d = twin.dom;
    mfn_t mfn = _mfn(twin.a.pgd_mfn);
    unsigned int level;

    if ( !is_canonical_address(va) || (long)va >= 0 ||
         (va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END) )
        return -EFAULT;

    for ( level = 0; level < 4; level++ )
    {
        unsigned int shift = L4_PAGETABLE_SHIFT - level * PAGETABLE_ORDER;
        intpte_t e;

        if ( !is_pt_of(mfn, d, types[level]) )
            return -EACCES;
        e = read_entry(mfn, (va >> shift) & (L1_PAGETABLE_ENTRIES - 1));
        if ( !(e & _PAGE_PRESENT) )
            return -EFAULT;
        if ( write && !(e & _PAGE_RW) )
            return -EPERM;
        /* PV guests map no superpages: refuse rather than guess */
        if ( level && level < 3 && (e & _PAGE_PSE) )
            return -EACCES;
        mfn = _mfn((e & PADDR_MASK & PAGE_MASK) >> PAGE_SHIFT);
    }
    *out = mfn;

    return 0;
}

/*
 * The machine frame behind dom0 virtual address @va, as twin_vm_walk_any(),
 * and -EACCES for a frame that is neither dom0's nor its e1000's BAR.
 */
int twin_vm_walk(uint64_t va, bool write, mfn_t *out)
{
    struct domain *d = twin.dom;
    mfn_t mfn;
    int rc = twin_vm_walk_any(va, write, &mfn);

    if ( rc )
        return rc;
    if ( mfn_x(mfn) - twin.bar_mfn < twin.bar_pages )
    {
        *out = mfn;
        return 0;
    }
    if ( !mfn_valid(mfn) || page_get_owner(mfn_to_page(mfn)) != d ||
         !arch_mfns_in_directmap(mfn_x(mfn), 1) )
        return -EACCES;
    *out = mfn;

    return 0;
}

/*
 * The running CPU's primary stack: the instance runs on it, below its
 * entry's frame (twin_call's saved registers and return address, and
 * Xen's frames above them, are never reachable through SVM).
 */
uint64_t twin_primary_stack_bottom(void)
{
    return (unsigned long)stack_base[smp_processor_id()] + STACK_SIZE -
           PRIMARY_STACK_SIZE;
}

static bool on_this_stack(uint64_t va)
{
    return va - twin_primary_stack_bottom() < PRIMARY_STACK_SIZE;
}

/* The lowest stack address the instance may not reach: its entry's frame. */
static uint64_t stack_limit(void)
{
    uint64_t sp = twin_entry_sp();

    /* below it twin_call pushed the zeroes of the stack arguments, which
     * the instance may reach, and its return address (the shadow return
     * stack guards that) */
    return sp;
}

bool svm_pt_instance_stack(u64 va)
{
    return on_this_stack(va);
}

bool svm_pt_access_ok(u64 va, unsigned size, bool write)
{
    return on_this_stack(va) && va + size <= stack_limit() && va + size > va;
}

static u64 stack_lookup(u64 vpage)
{
    uint64_t limit = stack_limit();

    if ( vpage + PAGE_SIZE <= limit )
        return vpage;                   /* only the instance's frames */
    if ( vpage < limit )
        return vpage | SVM_PT_EXACT;    /* the instance's, then Xen's */

    return 0;
}

/* An unsafe test build's view of Xen's own slots: as they are (twin_desc.h). */
static bool unsafe_identity(u64 vpage)
{
    return twin.unsafe && vpage >= HYPERVISOR_VIRT_START && vpage < HYPERVISOR_VIRT_END;
}

/*
 * A host address in Xen's mapping of the BAR whose page's writes Xen
 * emulates (desc_guard.c: the ring registers' pages and page 0).
 */
static bool bar_emulated(u64 host)
{
    unsigned long off = host - (unsigned long)twin.bar;

    return twin.bar && off < (twin.bar_pages << PAGE_SHIFT) &&
           twin_desc_guard_page(off >> PAGE_SHIFT);
}

u64 svm_pt_lookup(u64 vpage, bool write)
{
    const struct svm_tlb_entry *e =
        &__svm_tlbp[(vpage >> PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];
    mfn_t mfn;
    u64 host;

    if ( on_this_stack(vpage) )
        return stack_lookup(vpage);
    if ( vpage >= twin.ro_start && vpage < twin.ro_end )
        return write ? 0 : vpage;
    if ( unsafe_identity(vpage) )
        return vpage;
    if ( !twin.attached )
        return 0;
    /*
     * A write to an emulated BAR page the TLB caches for reads (svm.c
     * caches it at the first write): no walk.  The read entry proves dom0
     * maps the BAR page there; what reaches the device is the
     * emulation's to decide, whatever dom0's mapping allows.
     */
    if ( write && e->tag == vpage && bar_emulated(e->host) )
        return e->host | SVM_PT_EMULATE;
    if ( twin_vm_walk(vpage, write, &mfn) )
        return 0;
    if ( mfn_x(mfn) - twin.bar_mfn < twin.bar_pages )
    {
        host = (unsigned long)twin.bar +
               ((mfn_x(mfn) - twin.bar_mfn) << PAGE_SHIFT);

        return host | (write && bar_emulated(host) ? SVM_PT_EMULATE : 0);
    }

    return (unsigned long)mfn_to_virt(mfn_x(mfn));
}

static bool is_ram(u64 vpage, u64 host)
{
    return !on_this_stack(vpage) && !unsafe_identity(vpage) &&
           !(vpage >= twin.ro_start && vpage < twin.ro_end) &&
           !(host - (unsigned long)twin.bar < (twin.bar_pages << PAGE_SHIFT));
}

/* A translation of dom0's RAM (not its BAR, not Xen's identity ranges). */
bool twin_host_is_dom0_ram(u64 vpage, u64 host)
{
    return is_ram(vpage, host);
}

bool svm_pt_pin(u64 vpage, u64 host, bool writable)
{
    struct page_info *pg;

    if ( on_this_stack(vpage) )
    {
        unsigned int i;

        /* refilled after an eviction: already on the list */
        for ( i = 0; i < nr_stack_pages; i++ )
            if ( stack_pages[i] == vpage )
                return true;
        if ( nr_stack_pages == NR_STACK_SLOTS )
            return false;
        stack_pages[nr_stack_pages++] = vpage;
        return true;
    }
    if ( !is_ram(vpage, host) )
        return true;
    pg = virt_to_page((void *)(unsigned long)host);
    if ( !get_page(pg, twin.dom) )
        return false;
    if ( writable && !get_page_type(pg, PGT_writable_page) )
    {
        put_page(pg);
        return false;
    }
    pinned++;
    wpinned += writable;

    return true;
}

void svm_pt_release(u64 vpage, u64 host, bool writable)
{
    struct page_info *pg;

    if ( !is_ram(vpage, host) )
        return;
    pg = virt_to_page((void *)(unsigned long)host);
    if ( writable )
        put_page_type(pg);
    put_page(pg);
    pinned--;
    wpinned -= writable;
}

/*
 * From Xen's _get_page_type() (hv/patches/0010): @pg holds a writable type
 * reference and is asked for another type, the @retries-th time for this
 * request.  If the TLB's writable entries hold it, drop them (waiting for a
 * running entry to end) and say so: the caller looks again.  An entry on
 * another CPU may refill the frame before it does (it may read any page of
 * dom0's): the caller asks again while entries are dropped, at most
 * TWIN_RETYPE_TRIES times.  Never called with twin.lock held: the instance
 * only asks for writable types.
 */
#define TWIN_RETYPE_TRIES 8

bool twin_page_retype(struct page_info *pg, unsigned int retries)
{
    static unsigned int warned;
    unsigned int dropped = 0;

    if ( !ACCESS_ONCE(wpinned) || page_get_owner(pg) != twin.dom ||
         !arch_mfns_in_directmap(mfn_x(page_to_mfn(pg)), 1) )
        return false;
    if ( retries < TWIN_RETYPE_TRIES )
    {
        spin_lock(&twin.lock);
        if ( wpinned )
            dropped = svm_flush_host((unsigned long)page_to_virt(pg));
        if ( dropped )
            twin.st.svm_retype_flushes++;
        spin_unlock(&twin.lock);
    }
    /*
     * Refused with the TLB's help asked for: dom0's own type change fails,
     * which it does not expect.  Say why, a few times.
     */
    if ( !dropped && warned < 16 )
    {
        warned++;
        printk(XENLOG_WARNING "twin: mfn %" PRI_mfn " stays writable (type %" PRtype_info
               ") after %u drops of the TLB's entries\n",
               mfn_x(page_to_mfn(pg)), pg->u.inuse.type_info, retries);
    }

    return dropped;
}

/* End of an entry into the instance: forget this CPU's stack pages. */
void twin_svm_entry_done(void)
{
    while ( nr_stack_pages )
        svm_flush_page(stack_pages[--nr_stack_pages]);
}

uint64_t twin_pinned_pages(void)
{
    return pinned;
}

uint64_t twin_writable_pins(void)
{
    return wpinned;
}

/*
 * Does the TLB cache @va's page writable, with the writable type reference
 * that goes with it on the frame?  (TWIN_OP_SVM_PROBE; under twin.lock.)
 */
bool twin_frame_writable_pinned(uint64_t va)
{
    uint64_t page = va & PAGE_MASK;
    const struct svm_tlb_entry *e =
        &__svm_tlbp[(page >> PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];
    const struct page_info *pg;

    if ( e->tag != page || e->wtag != page || !is_ram(page, e->host) )
        return false;
    pg = virt_to_page((void *)(unsigned long)e->host);

    return (pg->u.inuse.type_info & PGT_type_mask) == PGT_writable_page &&
           (pg->u.inuse.type_info & PGT_count_mask);
}

void twin_svm_attach(void)
{
    svm_init();
    nr_stack_pages = 0;
}

void twin_svm_detach(void)
{
    svm_flush();
    nr_stack_pages = 0;
    twin.st.svm_flushes++;
}
