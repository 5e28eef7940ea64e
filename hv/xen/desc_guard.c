/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The descriptors the instance hands the NIC, checked where they are
 * handed over: the ring tail registers.
 *
 * The instance writes DMA descriptors (buffer address, length) into dom0's
 * rings and then a tail register; the NIC then reads or writes whatever
 * machine address a descriptor names.  Without an IOMMU in strict mode
 * nothing else stands between a bad descriptor and Xen's or another
 * domain's memory.  So the instance's writes to the BAR pages that hold
 * the ring registers (and page 0, where 8254x parts alias them for 82542
 * software) are emulated: SVM caches those pages for reads only and hands
 * every write to svm_pt_emulate_write() (SVM_PT_EMULATE, hv/svm/svm_port.h).
 *
 *  - A write of RDT or TDT moves the tail only over descriptors that name
 *    what the instance mapped: a transmit descriptor's [address, + length)
 *    lies within one mapping for the NIC to read made since the last TDT
 *    write (this batch's frames), a receive descriptor's address is one a
 *    mapping for the NIC to write returned and no unmap took back (or a
 *    buffer the ring held at attach).  Each frame must also be in the DMA
 *    record (dma_record.c) and still dom0's (a transmit may also read a
 *    guest's granted frame), and for receive plain writable memory
 *    outside the rings, for as many bytes as the NIC can write into one
 *    buffer (RCTL).  The new tail must also
 *    stay behind the NIC's head: a tail moved past it would hand the NIC
 *    descriptors it already completed, whose buffers dom0's stack owns
 *    (tdh faults: rx_stale_next_to_use).  At the first bad descriptor the
 *    tail is written up to it, the write goes no further, and the
 *    instance is disabled after the entry (TWIN_DIS_DESC, twin_refuse()).
 *  - Every other register on the ring pages (bases, lengths, heads, the
 *    FIFO pointers) and the aliases on page 0 are refused as SVM refuses
 *    a wild access; so are RCTL writes that change the receive buffer
 *    size, long-packet or descriptor-type bits this check relies on, and
 *    a device reset (CTRL.RST, at CTRL or its alias), which would zero
 *    the ring registers under this check.  The rest of page 0 (interrupt
 *    cause, mask, throttling) is written as the instance asked.
 *  - At detach (after a disable too) the part of each ring the NIC does
 *    not own, [tail, head), is checked the same way and any bad
 *    descriptor pointed at Xen's scratch frames: dom0's driver, taking
 *    over, would otherwise hand the NIC what the instance left there.
 *
 * Descriptors are read through Xen's direct map of the ring (dom0 RAM,
 * checked at attach).  The instance runs under twin.lock on one CPU and
 * dom0's driver is quiesced while attached, so nothing of the driver's
 * writes a descriptor while it is checked.  What this does not stop: the
 * instance, in a later entry, rewriting a descriptor the NIC owns and has
 * not fetched yet (between head and tail).  That needs the ring pages
 * emulated too, or shadow rings (hv/xen/README.md).
 *
 * The register offsets are the e1000 family's queue 0 (82540 to 82574);
 * descriptors are 16 bytes with the buffer address in the first 8
 * (legacy and extended receive, legacy and extended transmit data).
 *
 * Extended receive descriptors (RFCTL.EXSTEN: e1000e) lose their address
 * when the NIC writes them back (the RSS hash or checksum goes there), and
 * the driver rewrites it only when it refills the slot.  So in that format
 * a descriptor names a buffer only while its DD bit is clear and it lies
 * where the driver posted: [head, tail) at attach (dom0's module hands the
 * NIC every refilled slot first).  At detach what is checked is
 * [tail, next_to_use), which dom0's driver will hand the NIC without
 * rewriting (twin_attach.rx_next_to_use; the whole [tail, head) if it is
 * unreadable), every descriptor of it whatever its DD bit says.
 *
 * hv/xen/tests attacks these rules in user space (tests/test_desc_guard.py).
 */
#include <xen/domain_page.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <asm/io.h>

#include "e1000_regs.h"

/* 82542 aliases of the ring registers (8254x manuals): refused */
#define ALIAS_RX_LO     0x0110
#define ALIAS_RX_HI     0x0130
#define ALIAS_TX_LO     0x0420
#define ALIAS_TX_HI     0x0440

#define RCTL_GUARDED    (RCTL_SBP | RCTL_LPE | RCTL_DTYP | RCTL_BSIZE | \
                         RCTL_BSEX | RCTL_SECRC)
#define MAX_VLAN_FRAME  1522                /* with LPE and SBP clear */
#define FCS_LEN         4

/* Xen's own frames a neutralised descriptor points at: 16 KB, the most
 * one receive buffer holds (BSIZE 1024 with BSEX) */
#define SCRATCH_ORDER   2
#define SCRATCH_BYTES   (PAGE_SIZE << SCRATCH_ORDER)

struct ring {
    unsigned int reg;           /* its BAL register */
    bool rx;
    uint64_t base;              /* machine address */
    const uint64_t *desc;       /* Xen's direct map of it */
    uint32_t count;             /* descriptors */
    uint32_t tail;              /* what the NIC's tail holds */
    uint32_t head;              /* the NIC's head when last read: it only
                                   moves towards the tail */
};

static struct ring rings[2] = {
    { .reg = REG_RDBAL, .rx = true },
    { .reg = REG_TDBAL, .rx = false },
};
static bool guarded;                /* the rings were found at attach */
static bool rx_ext;                 /* extended receive descriptors */
static uint32_t rctl;               /* at attach: the bits this relies on */
static uint32_t rx_bytes;           /* what the NIC writes into one buffer */
static void *scratch;
static paddr_t scratch_maddr;

/* This batch's transmit mappings, in the order made (descriptors follow it) */
#define TX_MAPS         1024
static struct {
    uint64_t addr, len;
} tx_maps[TX_MAPS];
static unsigned int nr_tx_maps, tx_cursor;

/*
 * Live receive mappings: a set of bus addresses, open addressing.  Each
 * also remembers the ring slot it was handed to the NIC at (rx_at): a
 * buffer is one slot's until it is unmapped.  e1000's refill hands a kept
 * buffer (copybreak) back to its own slot and a new one a fresh mapping,
 * so one live buffer named by two slots is a bug that lets the NIC write
 * two frames into it (tdh faults: random:2693173092 aimed a descriptor at
 * the neighbouring page, which was another slot's buffer, and dom0 read
 * corrupted stream data).  rx_shadow[] is what each slot was last given.
 */
#define RX_LIVE_BITS    13
#define RX_LIVE_SLOTS   (1u << RX_LIVE_BITS)   /* twice the largest ring */
#define RX_LIVE_MAX     (RX_LIVE_SLOTS / 4 * 3)
#define RX_EMPTY        0                   /* never an address recorded */
#define RX_NOWHERE      0xffff              /* not handed to the NIC */
static uint64_t rx_live[RX_LIVE_SLOTS];
static uint16_t rx_at[RX_LIVE_SLOTS];
static unsigned int rx_used;                /* live entries */
static uint64_t rx_shadow[MAX_RING_BYTES / DESC_SIZE];

static unsigned int rx_slot(uint64_t addr)
{
    return twin_addr_slot(addr, RX_LIVE_BITS);
}

/* @addr's entry, or the empty one that ends its probe sequence. */
static uint64_t *rx_find(uint64_t addr)
{
    unsigned int i, n;

    for ( n = 0, i = rx_slot(addr); n < RX_LIVE_SLOTS;
          n++, i = (i + 1) % RX_LIVE_SLOTS )
        if ( rx_live[i] == addr || rx_live[i] == RX_EMPTY )
            return &rx_live[i];

    return NULL;
}

/*
 * A full set records no more: the buffer is refused when posted.  Only
 * an instance that maps without unmapping fills it (e1000's ring and
 * pool hold a few hundred buffers).
 */
static void rx_add(uint64_t addr)
{
    uint64_t *s;

    if ( addr == RX_EMPTY || rx_used >= RX_LIVE_MAX )
        return;
    s = rx_find(addr);
    if ( s && *s == RX_EMPTY )
    {
        *s = addr;
        rx_at[s - rx_live] = RX_NOWHERE;
        rx_used++;
    }
}

/*
 * Delete without tombstones (Knuth's algorithm R for linear probing):
 * each entry of the run after the hole that may sit there moves into it.
 * Tombstones made every probe cross the deleted mappings of the attach
 * so far, 20 slots on average under e1000's receive pattern.
 */
static void rx_remove(uint64_t *s)
{
    unsigned int hole = s - rx_live, i = hole, home;

    for ( ; ; )
    {
        i = (i + 1) % RX_LIVE_SLOTS;
        if ( rx_live[i] == RX_EMPTY )
            break;
        home = rx_slot(rx_live[i]);
        /* may it move back to the hole: is home outside (hole, i]? */
        if ( (i - home) % RX_LIVE_SLOTS >= (i - hole) % RX_LIVE_SLOTS )
        {
            rx_live[hole] = rx_live[i];
            rx_at[hole] = rx_at[i];
            hole = i;
        }
    }
    rx_live[hole] = RX_EMPTY;
    rx_used--;
}

/*
 * May receive slot @i be handed @addr: a live mapping no other slot
 * holds?  Its entry, or NULL.
 */
static uint64_t *rx_slot_may_take(uint32_t i, uint64_t addr)
{
    uint64_t *s = addr != RX_EMPTY ? rx_find(addr) : NULL;

    if ( !s || *s != addr ||
         (rx_at[s - rx_live] != RX_NOWHERE && rx_at[s - rx_live] != i) )
        return NULL;

    return s;
}

/* Slot @i is handed the mapping of entry @s (rx_slot_may_take()). */
static void rx_slot_take(uint32_t i, uint64_t *s)
{
    uint64_t addr = *s, old = rx_shadow[i], *o;

    /* the slot's previous buffer is no longer the NIC's through it */
    if ( old != addr && old != RX_EMPTY && (o = rx_find(old)) && *o == old &&
         rx_at[o - rx_live] == i )
        rx_at[o - rx_live] = RX_NOWHERE;
    rx_shadow[i] = addr;
    rx_at[s - rx_live] = i;
}

/*
 * support_dma.c: a mapping the instance made (the NIC may read, or write,
 * [addr, addr + len)) or took back.
 */
void twin_desc_guard_mapped(uint64_t addr, uint64_t len, bool device_writes)
{
    if ( device_writes )
        rx_add(addr);
    else if ( nr_tx_maps < TX_MAPS )
    {
        tx_maps[nr_tx_maps].addr = addr;
        tx_maps[nr_tx_maps++].len = len;
    }
}

void twin_desc_guard_unmapped(uint64_t addr, bool device_writes)
{
    uint64_t *s = device_writes && addr != RX_EMPTY ? rx_find(addr) : NULL;

    if ( s && *s == addr )
    {
        uint16_t at = rx_at[s - rx_live];

        /* dom0's stack owns it now: no slot hands it out through this */
        if ( at != RX_NOWHERE && rx_shadow[at] == addr )
            rx_shadow[at] = 0;
        rx_remove(s);
    }
}

/* Within one of this batch's transmit mappings?  They come in order. */
static bool tx_mapped(uint64_t addr, uint64_t len)
{
    unsigned int n, i;

    for ( n = 0; n < nr_tx_maps; n++ )
    {
        i = (tx_cursor + n) % nr_tx_maps;
        if ( addr >= tx_maps[i].addr && len <= tx_maps[i].len &&
             addr - tx_maps[i].addr <= tx_maps[i].len - len )
        {
            tx_cursor = i;
            return true;
        }
    }

    return false;
}

/* Is BAR page @idx one whose writes Xen emulates? */
bool twin_desc_guard_page(unsigned long idx)
{
    return idx == 0 || idx == (REG_RDBAL >> PAGE_SHIFT) ||
           idx == (REG_TDBAL >> PAGE_SHIFT);
}

static bool overlaps_ring(mfn_t mfn)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(rings); i++ )
        if ( mfn_x(mfn) - PFN_DOWN(rings[i].base) <
             PFN_UP(rings[i].base + rings[i].count * DESC_SIZE) -
             PFN_DOWN(rings[i].base) )
            return true;

    return false;
}

/*
 * May the NIC use [addr, addr + len) of machine memory: frames Xen allowed
 * during this attachment (dma_record.c), still dom0's, or for a read also
 * another domain's granted to it; for a write, plain writable memory
 * (never a page table or a descriptor table) and not a ring.
 */
static bool buffer_ok(uint64_t addr, uint64_t len, bool device_writes)
{
    unsigned long m, last;

    if ( !len || addr + len < addr || addr + len > PADDR_MASK + 1 )
        return false;
    last = PFN_DOWN(addr + len - 1);
    for ( m = PFN_DOWN(addr); m <= last; m++ )
    {
        mfn_t mfn = _mfn(m);
        const struct page_info *pg;
        const struct domain *owner;

        if ( !twin_dma_allowed(mfn) || !mfn_valid(mfn) )
            return false;
        pg = mfn_to_page(mfn);
        owner = page_get_owner(pg);
        if ( device_writes )
        {
            unsigned long type = pg->u.inuse.type_info & PGT_type_mask;

            if ( owner != twin.dom || overlaps_ring(mfn) ||
                 (type != PGT_none && type != PGT_writable_page) )
                return false;
        }
        else if ( owner != twin.dom &&
                  (!owner || owner == dom_xen || owner == dom_io ||
                   is_idle_domain(owner)) )
            return false;
    }

    return true;
}

/*
 * Does receive descriptor @i of @r name a buffer, @*addr?  Always in the
 * legacy format; in the extended one only before its write-back (DD
 * clear, read around the address: the NIC may be writing it back).
 */
static bool rx_desc_addr(const struct ring *r, uint32_t i, uint64_t *addr)
{
    const volatile uint32_t *status = (const volatile uint32_t *)&r->desc[2 * i + 1];

    if ( !rx_ext )
    {
        *addr = ACCESS_ONCE(r->desc[2 * i]);
        return true;
    }
    if ( *status & RXD_STAT_DD )
        return false;
    smp_rmb();
    *addr = ACCESS_ONCE(r->desc[2 * i]);
    smp_rmb();

    return !(*status & RXD_STAT_DD);
}

/*
 * Descriptor @i of @r: may the NIC have it?  @exact: and does it name what
 * the instance mapped (a tail write; at detach the frames alone, since
 * the descriptors the NIC completed name earlier batches' buffers).
 */
static bool desc_ok(const struct ring *r, uint32_t i, bool exact)
{
    uint64_t addr = ACCESS_ONCE(r->desc[2 * i]);
    uint32_t ctl = ACCESS_ONCE(r->desc[2 * i + 1]);
    uint32_t len;

    twin.st.descs_checked++;
    if ( r->rx )
    {
        uint64_t *s = exact ? rx_slot_may_take(i, addr) : NULL;

        if ( (exact && !s) || !buffer_ok(addr, rx_bytes, true) )
            return false;
        if ( s )
            rx_slot_take(i, s);

        return true;
    }
    if ( !(ctl & TXD_DEXT) )
        len = ctl & 0xffff;                     /* legacy */
    else if ( ((ctl >> TXD_DTYP_SHIFT) & 0xf) == TXD_DTYP_CTX )
        return true;                            /* no buffer */
    else if ( ((ctl >> TXD_DTYP_SHIFT) & 0xf) == TXD_DTYP_DATA )
        len = ctl & 0xfffff;                    /* extended data */
    else
        return false;

    return !len || ((!exact || tx_mapped(addr, len)) && buffer_ok(addr, len, false));
}

/* The NIC's head, read again when the one known is too old to say. */
static uint32_t room(struct ring *r, bool fresh)
{
    if ( fresh )
    {
        uint32_t h = twin_reg(r->reg + RING_HEAD);

        twin.st.head_reads++;
        if ( h < r->count )
            r->head = h;
    }

    /* the NIC owns [head, tail); one slot stays empty */
    return (r->head - r->tail - 1 + r->count) % r->count;
}

static void tail_write(struct ring *r, uint32_t t)
{
    uint32_t step, i, n;

    twin.st.tail_writes++;
    if ( t >= r->count )
    {
        twin_refuse(TWIN_DIS_DESC, t);
        return;
    }
    step = (t - r->tail + r->count) % r->count;
    if ( step > room(r, false) && step > room(r, true) )
    {
        /* past the NIC's head: it would take back what it completed */
        twin.st.descs_refused++;
        twin_refuse(TWIN_DIS_DESC, t);
        return;
    }
    for ( n = 0, i = r->tail; n < step; n++, i = (i + 1) % r->count )
        if ( !desc_ok(r, i, true) )
        {
            twin.st.descs_refused++;
            twin_refuse(TWIN_DIS_DESC, r->base + i * DESC_SIZE);
            break;
        }
    if ( !r->rx )
        nr_tx_maps = tx_cursor = 0;             /* the next batch's */
    if ( i == r->tail && n < step )
        return;                                 /* the first was bad */
    writel(i, twin.bar + r->reg + RING_TAIL);
    r->tail = i;
}

static struct ring *tail_of(unsigned int off)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(rings); i++ )
        if ( off == rings[i].reg + RING_TAIL )
            return &rings[i];

    return NULL;
}

/* The old value a read-modify-write of the register sees: the tail's own. */
void svm_pt_emulate_begin(u64 va, u64 host, void *buf, unsigned size)
{
    const struct ring *r = tail_of(host - (unsigned long)twin.bar);

    if ( r && guarded && size == 4 )
        memcpy(buf, &r->tail, 4);
}

/* Does writing @size bytes of @v at @off set bit @bit of register @reg? */
static bool sets_bit(unsigned long off, unsigned int size, uint64_t v,
                     unsigned int reg, unsigned int bit)
{
    unsigned int at = reg + bit / 8;

    return at >= off && at < off + size &&
           ((v >> (8 * (at - off) + bit % 8)) & 1);
}

/*
 * A write of the instance's to an emulated BAR page (svm_xen.c marks
 * them): a tail moves as far as its descriptors are good; what could
 * move the rings or the receive buffer size is refused; the rest is
 * written.  Under twin.lock, in an entry.
 */
bool svm_pt_emulate_write(u64 va, u64 host, const void *buf, unsigned size)
{
    unsigned long off = host - (unsigned long)twin.bar;
    struct ring *r = tail_of(off);
    uint64_t v = 0;

    if ( !twin.bar || off >= (twin.bar_pages << PAGE_SHIFT) ||
         !twin_desc_guard_page(off >> PAGE_SHIFT) )
        return false;
    memcpy(&v, buf, size);
    twin.st.mmio_emulated++;
    if ( r )
    {
        if ( !guarded || size != 4 )
            return false;
        tail_write(r, v);
        return true;
    }
    /* ring registers, FIFO pointers, their aliases */
    if ( (off >> PAGE_SHIFT) ||
         (off + size > ALIAS_RX_LO && off < ALIAS_RX_HI) ||
         (off + size > ALIAS_TX_LO && off < ALIAS_TX_HI) )
        return false;
    if ( off < REG_RCTL + 4 && off + size > REG_RCTL &&
         (off != REG_RCTL || size != 4 || ((v ^ rctl) & RCTL_GUARDED)) )
        return false;
    if ( sets_bit(off, size, v, REG_CTRL, CTRL_RST_BIT) ||
         sets_bit(off, size, v, REG_CTRL_ALIAS, CTRL_RST_BIT) )
        return false;
    switch ( size )
    {
    case 1: writeb(v, twin.bar + off); break;
    case 2: writew(v, twin.bar + off); break;
    case 4: writel(v, twin.bar + off); break;
    default: writeq(v, twin.bar + off); break;
    }

    return true;
}

static int ring_attach(struct ring *r)
{
    uint64_t base = twin_reg(r->reg) | ((uint64_t)twin_reg(r->reg + RING_BAH) << 32);
    uint32_t len = twin_reg(r->reg + RING_LEN);
    unsigned long m;

    if ( !len || len > MAX_RING_BYTES || len % 128 || (base & (DESC_SIZE - 1)) )
        return -EINVAL;
    for ( m = PFN_DOWN(base); m < PFN_UP(base + len); m++ )
        if ( !mfn_valid(_mfn(m)) ||
             page_get_owner(mfn_to_page(_mfn(m))) != twin.dom ||
             !arch_mfns_in_directmap(m, 1) )
            return -EINVAL;
    r->base = base;
    r->desc = maddr_to_virt(base);
    r->count = len / DESC_SIZE;
    r->tail = twin_reg(r->reg + RING_TAIL);
    r->head = twin_reg(r->reg + RING_HEAD);
    if ( r->tail >= r->count || r->head >= r->count )
        return -EINVAL;
    /*
     * The buffers dom0's driver mapped: posted, or kept for reuse.  Those
     * the NIC owns, [head, tail), are their slots'; the others' addresses
     * may be stale (a buffer consumed and unmapped, its slot not yet
     * refilled) and belong to no slot until one is handed out again.
     */
    for ( m = 0; r->rx && m < r->count; m++ )
    {
        bool posted = twin_ring_in_span(m, r->head, r->tail, r->count);
        uint64_t addr, *s;

        rx_shadow[m] = 0;
        if ( (rx_ext && !posted) || !rx_desc_addr(r, m, &addr) )
            continue;
        rx_add(addr);
        if ( posted && (s = rx_slot_may_take(m, addr)) )
            rx_slot_take(m, s);
    }

    return 0;
}

/*
 * At attach, with twin.bar mapped and twin.lock held: where the rings
 * are (dom0's RAM: the device registers say where dom0's driver put
 * them), their tails, and how much the NIC writes into a receive buffer.
 */
int twin_desc_guard_attach(void)
{
    unsigned int i;
    int rc;

    guarded = false;
    nr_tx_maps = tx_cursor = 0;
    memset(rx_live, 0, sizeof(rx_live));
    rx_used = 0;
    if ( !scratch )
    {
        scratch = alloc_xenheap_pages(SCRATCH_ORDER, 0);
        if ( !scratch )
            return -ENOMEM;
        memset(scratch, 0, SCRATCH_BYTES);
        scratch_maddr = virt_to_maddr(scratch);
    }
    rctl = twin_reg(REG_RCTL) & RCTL_GUARDED;
    rx_ext = twin_reg(REG_RFCTL) & RFCTL_EXTEN;
    if ( rctl & RCTL_DTYP )
        return -EOPNOTSUPP;                     /* packet split: 4 buffers */
    rx_bytes = twin_rx_buffer_bytes(rctl);
    if ( !(rctl & (RCTL_LPE | RCTL_SBP)) )
        rx_bytes = min(rx_bytes,
                       MAX_VLAN_FRAME + ((rctl & RCTL_SECRC) ? 0u : FCS_LEN));
    for ( i = 0; i < ARRAY_SIZE(rings); i++ )
    {
        rc = ring_attach(&rings[i]);
        if ( rc )
            return rc;
    }
    guarded = true;

    return 0;
}

/*
 * dom0's RX next_to_use, read from its memory through dom0's page tables
 * (not SVM: the instance may be disabled), or -1: not given, unreadable,
 * or not an index of a ring of @count.
 */
static long rx_next_to_use(uint32_t count)
{
    uint64_t va = twin.a.rx_next_to_use;
    unsigned int size = twin.a.rx_index_bytes;
    uint32_t v = 0;
    const uint8_t *p;
    mfn_t mfn;

    if ( !va || (va & (size - 1)) || twin_vm_walk(va, false, &mfn) ||
         mfn_x(mfn) - twin.bar_mfn < twin.bar_pages )
        return -1;
    p = map_domain_page(mfn);
    memcpy(&v, p + (va & ~PAGE_MASK), size);
    unmap_domain_page(p);

    return v < count ? v : -1;
}

/*
 * At detach, the instance stopped (quiesced, or disabled): what it left
 * in the part of a ring the NIC does not own is what dom0's driver will
 * hand the NIC next.  A bad descriptor there points at Xen's scratch
 * frames instead (a transmit reads zeroes, at most their size; a receive
 * writes into them).  Under twin.lock.
 */
void twin_desc_guard_detach(void)
{
    unsigned int i;

    if ( !guarded || !twin.bar )
        return;
    for ( i = 0; i < ARRAY_SIZE(rings); i++ )
    {
        struct ring *r = &rings[i];
        uint32_t n, j, free = room(r, true) + 1;
        uint64_t *d = (uint64_t *)r->desc;
        long ntu = r->rx && rx_ext ? rx_next_to_use(r->count) : -1;

        /*
         * Every descriptor dom0's driver will hand over unwritten is
         * checked whatever its status says: the NIC ignores DD in the read
         * format, so an instance that set it there must not hide a bad
         * address.  Unknown next_to_use: the whole [tail, head), written
         * back ones too (their scrub is harmless: dom0 refills them).
         */
        if ( ntu >= 0 && twin_ring_in_span(ntu, r->tail, r->head, r->count) )
            free = (ntu - r->tail + r->count) % r->count;
        for ( n = 0, j = r->tail; n < free; n++, j = (j + 1) % r->count )
        {
            uint32_t ctl = d[2 * j + 1];

            if ( desc_ok(r, j, false) )
                continue;
            twin.st.descs_scrubbed++;
            d[2 * j] = scratch_maddr;
            if ( r->rx )
                continue;
            if ( !(ctl & TXD_DEXT) && (ctl & 0xffff) > SCRATCH_BYTES )
                ctl = (ctl & ~0xffffu) | SCRATCH_BYTES;
            else if ( (ctl & TXD_DEXT) && (ctl & 0xfffff) > SCRATCH_BYTES )
                ctl = (ctl & ~0xfffffu) | SCRATCH_BYTES;
            else if ( (ctl & TXD_DEXT) &&
                      ((ctl >> TXD_DTYP_SHIFT) & 0xf) != TXD_DTYP_DATA )
                ctl = (ctl & ~(0xfu << TXD_DTYP_SHIFT) & ~0xfffffu) |
                      (TXD_DTYP_DATA << TXD_DTYP_SHIFT);  /* an empty data one */
            ACCESS_ONCE(*(uint32_t *)&d[2 * j + 1]) = ctl;
        }
    }
    guarded = false;
}
