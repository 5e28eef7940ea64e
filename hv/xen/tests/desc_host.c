/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attacks' machine: what desc_guard.c takes from the rest of Xen
 * (frame owners and types, the DMA record, dom0's page-table walk,
 * twin_refuse()) over host memory, and the instance's moves.
 */
#include "desc_host.h"

#define BAR_PAGES       32                      /* 128 KB, the e1000's */
#define BAR_MFN         0xfebc0UL
#define XEN_HEAP        16                      /* its first frame */

uint8_t *host_mem;
struct page_info host_pages[HOST_FRAMES];
static struct domain xen_dom = { 0x7ff2 }, io_dom = { 0x7ff1 },
                     idle_dom = { 0x7fff }, dom0 = { 0 }, domu = { 1 };
struct domain *dom_xen = &xen_dom, *dom_io = &io_dom, *dom_idle = &idle_dom;
struct twin_state twin;

static uint8_t bar[BAR_PAGES << PAGE_SHIFT] __attribute__((aligned(4096)));
static bool in_record[HOST_FRAMES];
static unsigned int refusals;

void *alloc_xenheap_pages(unsigned int order, unsigned int memflags)
{
    unsigned long m;

    for ( m = XEN_HEAP; m < XEN_HEAP + (1UL << order); m++ )
        host_pages[m].owner = dom_xen;

    return host_mem + FRAME(XEN_HEAP);
}

void twin_refuse(unsigned int reason, uint64_t where)
{
    refusals++;
}

bool twin_dma_allowed(mfn_t mfn)
{
    return mfn_x(mfn) < HOST_FRAMES && in_record[mfn_x(mfn)];
}

/*
 * dom0's page tables: its direct map of host memory, and an ioremap of
 * the BAR (a read there could clear interrupt causes: never followed).
 */
int twin_vm_walk(uint64_t va, bool write, mfn_t *mfn)
{
    const uint64_t ioremap = 0xffffc90000000000ULL;

    if ( va - DOM0_VA(0) < FRAME(HOST_FRAMES) &&
         host_pages[(va - DOM0_VA(0)) >> PAGE_SHIFT].owner == &dom0 )
    {
        *mfn = _mfn((va - DOM0_VA(0)) >> PAGE_SHIFT);
        return 0;
    }
    if ( va - ioremap < FRAME(BAR_PAGES) )
    {
        *mfn = _mfn(BAR_MFN + ((va - ioremap) >> PAGE_SHIFT));
        return 0;
    }

    return -EFAULT;
}

void host_init(bool ext, uint32_t count)
{
    unsigned long m;

    if ( !host_mem )
        host_mem = aligned_alloc(PAGE_SIZE, FRAME(HOST_FRAMES));
    check(host_mem, "no memory");
    memset(host_mem, 0, FRAME(HOST_FRAMES));
    memset(host_pages, 0, sizeof(host_pages));
    memset(in_record, 0, sizeof(in_record));
    for ( m = 0; m < XEN_HEAP + 16; m++ )
        host_pages[m].owner = dom_xen;
    for ( m = 64; m < 200; m++ )
    {
        host_pages[m].owner = &dom0;
        host_pages[m].u.inuse.type_info = PGT_writable_page;
        in_record[m] = true;
    }
    host_pages[PFN_DOWN(DOM0_PAGE_TABLE)].u.inuse.type_info = PGT_l1_page_table;
    host_pages[PFN_DOWN(DOMU_FRAME)].owner = &domu;

    memset(bar, 0, sizeof(bar));
    memset(&twin, 0, sizeof(twin));
    twin.dom = &dom0;
    twin.bar = bar;
    twin.bar_mfn = BAR_MFN;
    twin.bar_pages = BAR_PAGES;
    twin.a.rx_index_bytes = 2;
    host_set_reg(REG_RDBAL, RX_RING);
    host_set_reg(REG_RDBAL + RING_LEN, count * 16);
    host_set_reg(REG_TDBAL, TX_RING);
    host_set_reg(REG_TDBAL + RING_LEN, count * 16);
    host_set_reg(REG_RCTL, 0);                  /* 2 KB buffers */
    host_set_reg(REG_RFCTL, ext ? 1u << 15 : 0);
    refusals = 0;
}

uint64_t *rx_desc(uint32_t i)
{
    return (uint64_t *)(host_mem + RX_RING) + 2 * i;
}

uint64_t *tx_desc(uint32_t i)
{
    return (uint64_t *)(host_mem + TX_RING) + 2 * i;
}

void host_post_rx(uint32_t from, uint32_t to)
{
    uint32_t i;

    for ( i = from; i < to; i++ )
    {
        rx_desc(i)[0] = BUF(i);
        rx_desc(i)[1] = 0;
    }
}

void host_ring(bool rx, uint32_t head, uint32_t tail)
{
    unsigned int bal = rx ? REG_RDBAL : REG_TDBAL;

    host_set_reg(bal + RING_HEAD, head);
    host_set_reg(bal + RING_TAIL, tail);
}

uint32_t host_reg(unsigned int off)
{
    return readl(bar + off);
}

void host_set_reg(unsigned int off, uint32_t v)
{
    writel(v, bar + off);
}

void host_next_to_use(uint64_t va, uint32_t v, unsigned int bytes)
{
    twin.a.rx_next_to_use = va;
    twin.a.rx_index_bytes = bytes;
    if ( va - DOM0_VA(0) < FRAME(HOST_FRAMES) )
        memcpy(host_mem + (va - DOM0_VA(0)), &v, bytes);
}

int host_attach(void)
{
    return twin_desc_guard_attach();
}

void host_detach(void)
{
    twin_desc_guard_detach();
}

bool host_write(unsigned int off, uint64_t v, unsigned int size)
{
    return svm_pt_emulate_write(0, (uintptr_t)bar + off, &v, size);
}

uint32_t host_tail(bool rx, uint32_t t)
{
    unsigned int off = (rx ? REG_RDBAL : REG_TDBAL) + RING_TAIL;

    check(host_write(off, t, 4), "a tail write was not emulated");

    return host_reg(off);
}

void host_map(uint64_t addr, uint64_t len, bool device_writes)
{
    twin_desc_guard_mapped(addr, len, device_writes);
}

void host_unmap(uint64_t addr, bool device_writes)
{
    twin_desc_guard_unmapped(addr, device_writes);
}

void host_record(uint64_t addr, bool in)
{
    if ( PFN_DOWN(addr) < HOST_FRAMES )
        in_record[PFN_DOWN(addr)] = in;
}

void host_more_dom0(unsigned long first, unsigned long n)
{
    unsigned long m;

    check(first >= 256 && first + n <= HOST_FRAMES, "frames %lu+%lu", first, n);
    for ( m = first; m < first + n; m++ )
    {
        host_pages[m].owner = &dom0;
        host_pages[m].u.inuse.type_info = PGT_writable_page;
        in_record[m] = true;
    }
}

void host_give_away(uint64_t addr)
{
    host_pages[PFN_DOWN(addr)].owner = &domu;
}

unsigned int host_refusals(void)
{
    return refusals;
}

uint64_t host_scratch(void)
{
    return FRAME(XEN_HEAP);
}
