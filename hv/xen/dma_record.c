/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record of the frames the NIC may use while the instance drives it,
 * for checking the device's DMA from outside (TWIN_OP_DMA_FRAMES; tdh
 * faults hands it to e1000-trace check).  SVM checks the instance's own
 * accesses; what the instance writes into a descriptor is an address the
 * device uses unchecked, and only a record like this one (or an IOMMU)
 * tells a buffer from any other frame.
 *
 * Allowed are the descriptor rings, the buffers they held when the
 * instance took over (dom0's driver mapped those), and every frame a DMA
 * mapping of the instance's returned (support_dma.c): dom0's pool and
 * small skbs, the transmit pool, dom0's own skbs.  Frames stay in the
 * record until the next attach, so a stale address that pointed at a
 * buffer earlier in the attachment passes: the record is per frame and
 * per attachment, not per moment.
 *
 * The ring registers are the e1000 family's for queue 0 (e1000_regs.h).
 */
#include <xen/bitops.h>
#include <xen/domain_page.h>
#include <xen/guest_access.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/xmalloc.h>
#include <asm/io.h>

#include "e1000_regs.h"

static unsigned long *allowed;      /* a bit per machine frame below nr_bits */
static unsigned long nr_bits;
static uint64_t nr_allowed, record_attach;

void twin_dma_allow(mfn_t mfn, unsigned long count)
{
    unsigned long m;

    for ( m = mfn_x(mfn); count && allowed && m < nr_bits; m++, count-- )
        if ( !test_and_set_bit(m, allowed) )
            nr_allowed++;
}

/* Is @mfn in the record (desc_guard.c: may a descriptor name it)? */
bool twin_dma_allowed(mfn_t mfn)
{
    return allowed && mfn_x(mfn) < nr_bits && test_bit(mfn_x(mfn), allowed);
}

/* [maddr, maddr + len): the frames it touches */
static void allow_bytes(uint64_t maddr, uint64_t len)
{
    if ( !len || maddr + len < maddr )
        return;
    twin_dma_allow(maddr_to_mfn(maddr),
                   PFN_UP(maddr + len) - PFN_DOWN(maddr));
}

/*
 * One ring: its frames, and the buffers its descriptors name.  The ring
 * is dom0's memory (the device registers say where dom0's driver put it).
 */
/*
 * Extended receive descriptors (e1000e) hold a buffer's address only
 * before their write-back, and only where the driver posted them: the
 * NIC's [head, tail) (desc_guard.c says why).
 */
static bool rx_posted(bool ext, uint32_t i, uint32_t head, uint32_t tail, uint32_t count,
                      uint64_t status)
{
    return !ext || (!(status & RXD_STAT_DD) &&
                    twin_ring_in_span(i, head, tail, count));
}

static void allow_ring(unsigned int bal, bool rx, uint32_t rx_bsize)
{
    uint64_t base = twin_reg(bal) | ((uint64_t)twin_reg(bal + RING_BAH) << 32);
    uint32_t len = twin_reg(bal + RING_LEN), off;
    /* the receive ring's format and where the driver posted, read once */
    bool ext = rx && (twin_reg(REG_RFCTL) & RFCTL_EXTEN);
    uint32_t head = twin_reg(bal + RING_HEAD), tail = twin_reg(bal + RING_TAIL);

    if ( !len || len > MAX_RING_BYTES || (base & (DESC_SIZE - 1)) )
        return;
    allow_bytes(base, len);
    for ( off = 0; off < len; off += DESC_SIZE )
    {
        uint64_t at = base + off, addr, ctl;
        mfn_t mfn = maddr_to_mfn(at);
        const uint64_t *d;

        if ( !mfn_valid(mfn) || page_get_owner(mfn_to_page(mfn)) != twin.dom )
            continue;
        d = map_domain_page(mfn) + (at & ~PAGE_MASK);
        addr = d[0];
        ctl = d[1];
        unmap_domain_page(d);
        if ( !addr )
            continue;
        if ( rx )
        {
            if ( rx_posted(ext, off / DESC_SIZE, head, tail, len / DESC_SIZE, ctl) )
                allow_bytes(addr, rx_bsize);
        }
        else if ( !(ctl & TXD_DEXT) )
            allow_bytes(addr, ctl & 0xffff);            /* legacy */
        else if ( ((ctl >> TXD_DTYP_SHIFT) & 0xf) == TXD_DTYP_DATA )
            allow_bytes(addr, ctl & 0xfffff);           /* extended data */
    }
}

/* At attach, with twin.bar mapped and twin.lock held. */
int twin_dma_record_attach(void)
{
    if ( !allowed )
    {
        nr_bits = max_page;
        allowed = xzalloc_array(unsigned long, BITS_TO_LONGS(nr_bits));
        if ( !allowed )
            return -ENOMEM;
    }
    else
        memset(allowed, 0, BITS_TO_LONGS(nr_bits) * sizeof(*allowed));
    nr_allowed = 0;
    record_attach = twin.st.attaches + 1;

    allow_ring(REG_RDBAL, true, twin_rx_buffer_bytes(twin_reg(REG_RCTL)));
    allow_ring(REG_TDBAL, false, 0);

    return 0;
}

/*
 * The start and the end of the instance's hold on the device, marked on
 * the device's own timeline: a write of 0 to ICS (Interrupt Cause Set),
 * which sets no cause and which e1000's driver never makes (it sets LSC or
 * RXDMT0 there).  A trace of the device's register writes shows where the
 * record stops applying: after the end, dom0's driver posts buffers of its
 * own (e1000-trace check --marks).  A fault file can time a device
 * fault by them (reg_write 0xc8=0 N: the first is the attach).  At attach,
 * at a disable and at a detach; under twin.lock.
 */
void twin_dma_mark(void)
{
    if ( twin.bar )
        writel(0, twin.bar + REG_ICS);
}

long twin_dma_frames(struct twin_dma_frames *q)
{
    XEN_GUEST_HANDLE_PARAM(uint64_t) h =
        guest_handle_from_ptr((uint64_t *)(unsigned long)q->runs, uint64_t);
    unsigned long m, end;
    unsigned int n = 0;
    bool copy = true;

    q->nr_frames = nr_allowed;
    q->attach = record_attach;
    for ( m = allowed ? find_first_bit(allowed, nr_bits) : nr_bits; m < nr_bits;
          m = find_next_bit(allowed, nr_bits, end) )
    {
        uint64_t run[2];

        end = find_next_zero_bit(allowed, nr_bits, m);
        run[0] = m;
        run[1] = end - m;
        if ( n >= q->max_runs )
            copy = false;
        if ( copy && copy_to_guest_offset(h, 2 * n, run, 2) )
            return -EFAULT;
        n++;
    }
    q->nr_runs = n;

    return copy ? 0 : -ENOSPC;
}
