/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extended receive descriptors (e1000e) keep no address after the NIC
 * writes them back: the RSS hash or checksum lies where the address was.
 * A descriptor outside what the driver posted at attach, written back or
 * not, names no buffer of its slot's.  The attack: the instance posts
 * addresses it never mapped that such descriptors happen to hold (dom0
 * memory, in the DMA record: only the slot rule stands in the way).
 * Legacy descriptors keep their address, so there the same ring hands
 * those buffers back to their slots, and the tail moves.
 */
#include "desc_host.h"

#define COUNT   64
#define POSTED  8                   /* [0, 8): dom0's driver posted these */

/* Where the tail is after the instance posts slot 8 again, untouched. */
static uint32_t attack(bool ext, uint64_t status, bool map_first)
{
    host_init(ext, COUNT);
    host_post_rx(0, COUNT);
    host_ring(true, 0, POSTED);
    /* [8, 64): completed earlier (DD set) or never posted */
    rx_desc(POSTED)[1] = status;
    check(!host_attach(), "attach");
    if ( map_first )
        host_map(BUF(POSTED), 2048, true);

    return host_tail(true, POSTED + 1);
}

int main(void)
{
    static const uint64_t status[] = { RXD_DD, 0 };
    unsigned int i;
    uint32_t t;

    for ( i = 0; i < ARRAY_SIZE(status); i++ )
    {
        t = attack(true, status[i], false);
        check(t == POSTED && host_refusals() == 1,
              "extended, status %#lx: tail %u, %u refusals",
              (unsigned long)status[i], t, host_refusals());
        /* the same buffer, mapped by the instance: it may go */
        t = attack(true, status[i], true);
        check(t == POSTED + 1 && !host_refusals(),
              "extended, mapped: tail %u, %u refusals", t, host_refusals());
        /* legacy: the address is dom0's buffer for that slot */
        t = attack(false, status[i], false);
        check(t == POSTED + 1 && !host_refusals(),
              "legacy: tail %u, %u refusals", t, host_refusals());
    }
    puts("ok");

    return 0;
}
