/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A transmit tail write hands the NIC only [address, + length) ranges
 * that lie inside one mapping the instance made for the NIC to read in
 * this batch (since the last TDT write), of frames in the DMA record not
 * Xen's.  The attacks: a length one byte past its mapping (from its
 * start or its middle; legacy, and extended data with its 20-bit
 * length), two mappings side by side a descriptor spans, a range whose
 * end wraps, a mapping of the batch before, Xen's image mapped, a
 * descriptor type the NIC would misread.  Context descriptors (no
 * buffer) and empty ones pass.
 */
#include "desc_host.h"

#define COUNT   64
#define TAIL    8

static void setup(void)
{
    host_init(false, COUNT);
    host_ring(false, TAIL, TAIL);
    check(!host_attach(), "attach");
}

static void put(uint32_t i, uint64_t addr, uint32_t ctl)
{
    tx_desc(i)[0] = addr;
    tx_desc(i)[1] = ctl;
}

/* Map [addr, + maplen), describe [addr, + len) in slot TAIL: how far? */
static uint32_t one(uint64_t addr, uint64_t maplen, uint32_t ctl)
{
    setup();
    host_map(addr, maplen, false);
    put(TAIL, addr, ctl);

    return host_tail(false, TAIL + 1);
}

int main(void)
{
    uint64_t b = BUF(4);
    uint32_t t;

    /* legacy, one byte too long; then exact */
    t = one(b, 100, 101);
    check(t == TAIL && host_refusals() == 1, "legacy +1: tail %u", t);
    t = one(b, 100, 100);
    check(t == TAIL + 1 && !host_refusals(), "legacy exact: tail %u", t);
    /* inside at the start, out at the end */
    setup();
    host_map(b, 100, false);
    put(TAIL, b + 50, 51);
    t = host_tail(false, TAIL + 1);
    check(t == TAIL && host_refusals() == 1, "middle +1: tail %u", t);
    /* extended data: the length is 20 bits, not 16 */
    t = one(b, 0x10000, TXD_DEXT | TXD_DTYP_DATA | 0x10001);
    check(t == TAIL && host_refusals() == 1, "extended +1: tail %u", t);
    t = one(b, 0x10000, TXD_DEXT | TXD_DTYP_DATA | 0x10000);
    check(t == TAIL + 1 && !host_refusals(), "extended exact: tail %u", t);
    /* types the NIC reads otherwise: refused; a context one: no buffer */
    t = one(b, 100, TXD_DEXT | (2u << 20) | 10);
    check(t == TAIL && host_refusals() == 1, "type 2: tail %u", t);
    t = one(b, 100, TXD_DEXT | (0xfu << 20) | 10);
    check(t == TAIL && host_refusals() == 1, "type 15: tail %u", t);
    t = one(XEN_IMAGE, 0, TXD_DEXT | TXD_DTYP_CTX | 0xfffff);
    check(t == TAIL + 1 && !host_refusals(), "context: tail %u", t);
    /* an empty legacy descriptor reads nothing */
    t = one(XEN_IMAGE, 0, 0);
    check(t == TAIL + 1 && !host_refusals(), "empty: tail %u", t);
    /* Xen's image, mapped */
    t = one(XEN_IMAGE, 100, 100);
    check(t == TAIL && host_refusals() == 1, "Xen's image: tail %u", t);
    /* a range that wraps the address space, inside a mapping that does */
    t = one(~0ULL - 63, 128, 128);
    check(t == TAIL && host_refusals() == 1, "wrapping: tail %u", t);

    /* two mappings side by side do not make one */
    setup();
    host_map(b, 64, false);
    host_map(b + 64, 64, false);
    put(TAIL, b, 128);
    t = host_tail(false, TAIL + 1);
    check(t == TAIL && host_refusals() == 1, "two mappings: tail %u", t);

    /* a mapping of the batch before */
    setup();
    host_map(b, 64, false);
    put(TAIL, b, 64);
    t = host_tail(false, TAIL + 1);
    check(t == TAIL + 1 && !host_refusals(), "first batch: tail %u", t);
    put(TAIL + 1, b, 64);
    t = host_tail(false, TAIL + 2);
    check(t == TAIL + 1 && host_refusals() == 1, "stale mapping: tail %u", t);
    puts("ok");

    return 0;
}
