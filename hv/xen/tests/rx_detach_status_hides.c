/* SPDX-License-Identifier: GPL-2.0 */
/*
 * At detach, what dom0's driver will hand the NIC without rewriting it,
 * [tail, next_to_use) of the receive ring, is checked and every bad
 * descriptor there pointed at Xen's scratch frames.  The NIC ignores DD
 * in the descriptors it is handed, so an instance that sets DD (or any
 * status bit) on a bad one must not hide it from the check, in either
 * format.  The bad addresses: Xen's image, a page table of dom0's, dom0's
 * own ring, a frame outside the DMA record, another domain's frame, an
 * address that wraps.
 */
#include "desc_host.h"

#define COUNT   64
#define TAIL    8                   /* the NIC owns [head, 8) */
#define NTU     20                  /* dom0 refills from here */

static const uint64_t bad[] = {
    XEN_IMAGE, DOM0_PAGE_TABLE, RX_RING + 512, FRAME(150), DOMU_FRAME,
    ~0ULL - 1023,
};

int main(void)
{
    static const uint64_t status[] = { RXD_DD, 0xff, 0 };
    unsigned int ext, s, i;

    for ( ext = 0; ext < 2; ext++ )
        for ( s = 0; s < ARRAY_SIZE(status); s++ )
        {
            host_init(ext, COUNT);
            host_post_rx(0, COUNT);
            host_ring(true, 40, TAIL);          /* [8, 40): dom0's stack's */
            host_next_to_use(DOM0_VA(DOM0_ADAPTER + 0x40), NTU, 2);
            check(!host_attach(), "attach");
            host_record(FRAME(150), false);
            /* the instance leaves bad descriptors where dom0 goes on */
            for ( i = 0; i < ARRAY_SIZE(bad); i++ )
            {
                rx_desc(TAIL + 2 * i)[0] = bad[i];
                rx_desc(TAIL + 2 * i)[1] = status[s];
            }
            host_detach();
            for ( i = 0; i < ARRAY_SIZE(bad); i++ )
                check(rx_desc(TAIL + 2 * i)[0] == host_scratch(),
                      "%s, status %#lx: slot %u still names %#lx",
                      ext ? "extended" : "legacy", (unsigned long)status[s],
                      TAIL + 2 * i, (unsigned long)rx_desc(TAIL + 2 * i)[0]);
            /* dom0's own buffers between them are left alone */
            check(rx_desc(TAIL + 1)[0] == BUF(TAIL + 1), "slot %u scrubbed",
                  TAIL + 1);
        }
    puts("ok");

    return 0;
}
