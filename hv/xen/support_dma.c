/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA mapping for the instance, consistent with what dom0's swiotlb-xen
 * would do: a PV dom0 programs devices with machine addresses (and with
 * an IOMMU, dom0's frames are mapped 1:1 for its devices), so a buffer's
 * bus address is its machine address, provided the buffer is machine
 * contiguous.  swiotlb-xen bounces a buffer that is not; Xen has no bounce
 * pool of dom0's, so such a mapping fails (the driver drops the frame or
 * retries the buffer later) and is counted.
 *
 * A buffer the NIC writes (receive) must be dom0's own RAM.  A buffer it
 * only reads (transmit) may also be another domain's frame that dom0's
 * page tables map: netback's zero-copy transmit puts a guest's granted
 * page, grant-mapped into dom0, in the skbs it forwards, which dom0's own
 * driver would send as they are.  The instance never reads or writes such
 * a frame itself (SVM refuses it, and it is not cached in the TLB); the
 * NIC only reads what dom0 was given to read.
 *
 * A buffer the NIC reads must also lie in the frame being sent: a
 * transmit entry's skb, its linear data [data, tail) or one of its
 * fragments.  Without this the instance could hand the NIC any page of
 * dom0's to send, and the NIC checksums what it read, so the peer takes
 * the bytes as the stream's (tdh faults: one fragment too many mapped,
 * swifi:tx_frags_off_by_one, reached the peer as corrupted data).  A
 * mapping outside it fails and the instance is disabled after the entry
 * (TWIN_DIS_DMA); e1000 and e1000e map only in transmit for the NIC to
 * read, so one elsewhere fails the same way.
 *
 * The frames are found through the SVM TLB (svm_try_translate: filled on
 * a miss, but a page that is not dom0's is an error of the mapping, not a
 * refusal of an access).  Unmapping and syncing have nothing to undo: no
 * bounce, coherent x86.
 */
#include <xen/lib.h>
#include <xen/mm.h>

#include "twin.h"

#define DMA_MAPPING_ERROR   (~0ULL)
#define DMA_FROM_DEVICE     2

/*
 * A frame of another domain's that dom0's page tables map at va (a grant
 * mapping), for the NIC to read: found by the walk alone, never cached.
 */
static bool foreign_mapped(uint64_t va, mfn_t *mfn)
{
    const struct domain *owner;

    if ( twin_vm_walk_any(va, false, mfn) || !mfn_valid(*mfn) )
        return false;
    owner = page_get_owner(mfn_to_page(*mfn));

    return owner && owner != twin.dom && owner != dom_xen && owner != dom_io &&
           !is_idle_domain(owner);
}

/* The e1000's bus address for [va, va + size) of dom0's memory. */
static uint64_t map_range(uint64_t va, uint64_t size, bool device_writes)
{
    uint64_t first = 0, page, end = va + size;
    mfn_t mfn, prev = INVALID_MFN;

    twin.st.dma_maps++;
    if ( !size || end < va )
        goto fail;
    for ( page = va & PAGE_MASK; page < end; page += PAGE_SIZE )
    {
        /* through the TLB: the instance has usually just touched it */
        uint64_t host = svm_try_translate(page, device_writes);

        if ( host && twin_host_is_dom0_ram(page, host) )
            mfn = maddr_to_mfn(virt_to_maddr((void *)(unsigned long)host));
        else if ( device_writes || !foreign_mapped(page, &mfn) )
            goto fail;
        if ( page == (va & PAGE_MASK) )
            first = mfn_to_maddr(mfn) | (va & ~PAGE_MASK);
        else if ( mfn_x(mfn) != mfn_x(prev) + 1 )
            goto fail;
        prev = mfn;
    }
    /* the device may use these frames now (dma_record.c), and a
     * descriptor may name these bytes (desc_guard.c) */
    twin_dma_allow(maddr_to_mfn(first), PFN_UP(end) - PFN_DOWN(va));
    twin_desc_guard_mapped(first, size, device_writes);

    return first;

 fail:
    twin.st.dma_map_errors++;
    return DMA_MAPPING_ERROR;
}

/* dom0's direct-map address of a struct page (vmemmap), or 0. */
static uint64_t page_va(uint64_t page)
{
    uint64_t idx = page - twin.a.vmemmap_base;

    if ( idx % twin.a.sizeof_page )
        return 0;

    return twin.a.page_offset_base + (idx / twin.a.sizeof_page << PAGE_SHIFT);
}

/* [va, va + size) within the frame the running transmit sends? */
static bool in_xmit_frame(uint64_t va, uint64_t size)
{
    uint64_t skb = twin.xmit_skb, head, data, tail, shinfo, frag, start, end;
    const uint8_t *p;
    unsigned int i, nr;

    if ( !skb || !(p = vm_ptr(skb, VM_SKB_SIZEOF, false)) )
        return false;
    head = *(const uint64_t *)(p + VM_SKB_HEAD);
    data = *(const uint64_t *)(p + VM_SKB_DATA);
    tail = head + *(const uint32_t *)(p + VM_SKB_TAIL);
    shinfo = head + *(const uint32_t *)(p + VM_SKB_END);
    if ( va >= data && va <= tail && size <= tail - va )
        return true;
    nr = vm_rd8(shinfo + VM_SHINFO_NR_FRAGS);
    for ( i = 0; i < nr && i < VM_MAX_SKB_FRAGS; i++ )
    {
        frag = shinfo + VM_SHINFO_FRAGS + i * VM_SKB_FRAG_SIZEOF;
        start = page_va(vm_rd64(frag + VM_SKB_FRAG_PAGE));
        if ( !start )
            continue;
        start += vm_rd32(frag + VM_SKB_FRAG_OFFSET);
        end = start + vm_rd32(frag + VM_SKB_FRAG_LEN);
        if ( va >= start && va <= end && size <= end - va )
            return true;
    }

    return false;
}

/*
 * dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page,
 *     size_t offset, size_t size, enum dma_data_direction dir,
 *     unsigned long attrs)
 */
uint64_t twin_hv_dma_map_page_attrs(uint64_t dev, uint64_t page,
                                    uint64_t offset, uint64_t size, int dir,
                                    unsigned long attrs)
{
    uint64_t va = page_va(page);

    if ( !va )
    {
        twin.st.dma_map_errors++;
        return DMA_MAPPING_ERROR;
    }
    va += offset;
    if ( dir != DMA_FROM_DEVICE && !in_xmit_frame(va, size) )
    {
        twin.st.dma_map_errors++;
        twin_refuse(TWIN_DIS_DMA, va);
        return DMA_MAPPING_ERROR;
    }

    return map_range(va, size, dir == DMA_FROM_DEVICE);
}

void twin_hv_dma_unmap_page_attrs(uint64_t dev, uint64_t addr, uint64_t size,
                                  int dir, unsigned long attrs)
{
    twin_desc_guard_unmapped(addr, dir == DMA_FROM_DEVICE);
}

void twin_hv_dma_sync_single_for_cpu(uint64_t dev, uint64_t addr,
                                     uint64_t size, int dir)
{
}

/* dom0's buffers are coherent for the NIC: nothing to sync either way */
void twin_hv_dma_sync_single_for_device(uint64_t dev, uint64_t addr,
                                        uint64_t size, int dir)
{
}
