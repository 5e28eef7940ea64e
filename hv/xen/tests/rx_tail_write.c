/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A receive tail write hands the NIC only buffers the instance mapped for
 * it to write, each at one slot, each plain dom0 memory in the DMA
 * record.  The attacks, each first mapped by the instance (so only the
 * frame check stands): Xen's image, a page table of dom0's, the ring
 * itself, another domain's frame, a frame outside the record, one in it
 * that dom0 has given to another domain since, an address
 * whose buffer wraps or runs past physical memory; then a mapped good
 * buffer at two slots, a status bit set on a bad descriptor (the NIC
 * ignores it), and tails the NIC must never see: past the ring, and past
 * its head (it would take back what it completed).  Each in both
 * formats; at the first bad descriptor the tail stops.
 */
#include "desc_host.h"

#define COUNT   64
#define TAIL    8

static const uint64_t bad[] = {
    XEN_IMAGE, DOM0_PAGE_TABLE, RX_RING, RX_RING + 4096 - 512, DOMU_FRAME,
    FRAME(150), FRAME(151), ~0ULL - 1023, (1ULL << 52) - 1024,
};

static void setup(bool ext)
{
    host_init(ext, COUNT);
    host_post_rx(0, TAIL);
    host_ring(true, 0, TAIL);
    check(!host_attach(), "attach");
    host_record(FRAME(150), false);
    host_give_away(FRAME(151));
}

static void post(uint32_t i, uint64_t addr, uint64_t status)
{
    host_map(addr, 2048, true);
    rx_desc(i)[0] = addr;
    rx_desc(i)[1] = status;
}

int main(void)
{
    unsigned int ext, i;
    uint32_t t;

    for ( ext = 0; ext < 2; ext++ )
    {
        for ( i = 0; i < ARRAY_SIZE(bad); i++ )
        {
            setup(ext);
            post(TAIL, BUF(TAIL), 0);
            post(TAIL + 1, bad[i], i % 2 ? RXD_DD : 0);
            t = host_tail(true, TAIL + 2);
            check(t == TAIL + 1 && host_refusals() == 1,
                  "%#lx: tail %u, %u refusals", (unsigned long)bad[i], t,
                  host_refusals());
        }

        /* one live buffer at two slots: two frames into one buffer */
        setup(ext);
        post(TAIL, BUF(TAIL), 0);
        post(TAIL + 1, BUF(TAIL), 0);
        t = host_tail(true, TAIL + 2);
        check(t == TAIL + 1 && host_refusals() == 1,
              "one buffer at two slots: tail %u", t);
        /* ... or at a slot the NIC still owns */
        setup(ext);
        post(TAIL, BUF(3), 0);
        t = host_tail(true, TAIL + 1);
        check(t == TAIL && host_refusals() == 1,
              "a posted slot's buffer again: tail %u", t);

        /* unmapped: no longer the instance's to post */
        setup(ext);
        post(TAIL, BUF(TAIL), 0);
        host_unmap(BUF(TAIL), true);
        t = host_tail(true, TAIL + 1);
        check(t == TAIL && host_refusals() == 1, "unmapped: tail %u", t);

        /* tails: past the ring, past the head */
        setup(ext);
        post(TAIL, BUF(TAIL), 0);
        t = host_tail(true, COUNT + TAIL + 1);  /* one step, modulo */
        check(t == TAIL && host_refusals() == 1, "tail past the ring: %u", t);
        setup(ext);
        for ( i = TAIL; i < COUNT; i++ )
            post(i, BUF(i), 0);
        host_set_reg(REG_RDBAL + RING_HEAD, 4);
        t = host_tail(true, 5);                 /* over [8, 64) and [0, 5) */
        check(t == TAIL && host_refusals() == 1, "tail past the head: %u", t);

        /* the good case moves it */
        setup(ext);
        post(TAIL, BUF(TAIL), 0);
        post(TAIL + 1, BUF(TAIL + 1), RXD_DD);
        t = host_tail(true, TAIL + 2);
        check(t == TAIL + 2 && !host_refusals(), "good buffers: tail %u", t);
    }
    puts("ok");

    return 0;
}
