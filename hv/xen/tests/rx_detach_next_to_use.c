/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The detach check of an extended receive ring stops at dom0's
 * next_to_use, which lies in dom0's memory, where the instance can write
 * too.  Each way to make that bound lie must lose it: the check covers
 * the whole [tail, head) instead.  The lies: no address given, one that
 * is misaligned, not dom0's, the NIC's registers (reading them can clear
 * interrupt causes), an index past the ring, one outside [tail, head)
 * (behind the tail), and a 4-byte index whose upper half is set.
 */
#include "desc_host.h"

#define COUNT   64
#define HEAD    40
#define TAIL    8
#define LAST    (HEAD - 1)          /* the bad descriptor: past any bound */

static const struct {
    uint64_t va;
    uint32_t v;
    unsigned int bytes;
} lies[] = {
    { 0, TAIL + 1, 2 },
    { DOM0_VA(DOM0_ADAPTER + 0x41), TAIL + 1, 2 },
    { DOM0_VA(XEN_IMAGE), TAIL + 1, 2 },
    { DOM0_VA(DOMU_FRAME), TAIL + 1, 2 },
    { 0xffffc90000000000ULL + 0xc0, TAIL + 1, 4 },    /* the BAR's ICR */
    { DOM0_VA(DOM0_ADAPTER + 0x40), COUNT, 2 },
    { DOM0_VA(DOM0_ADAPTER + 0x40), TAIL - 2, 2 },
    { DOM0_VA(DOM0_ADAPTER + 0x40), (1u << 16) | (TAIL + 1), 4 },
};

int main(void)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(lies); i++ )
    {
        host_init(true, COUNT);
        host_post_rx(0, COUNT);
        host_ring(true, HEAD, TAIL);
        host_next_to_use(lies[i].va, lies[i].v, lies[i].bytes);
        check(!host_attach(), "attach");
        rx_desc(LAST)[0] = XEN_IMAGE;
        rx_desc(LAST)[1] = RXD_DD;
        host_detach();
        check(rx_desc(LAST)[0] == host_scratch(),
              "next_to_use %u at %#lx (%u bytes): slot %u still names %#lx",
              lies[i].v, (unsigned long)lies[i].va, lies[i].bytes, LAST,
              (unsigned long)rx_desc(LAST)[0]);
    }
    /* and a true one bounds it: dom0 rewrites from there on */
    host_init(true, COUNT);
    host_post_rx(0, COUNT);
    host_ring(true, HEAD, TAIL);
    host_next_to_use(DOM0_VA(DOM0_ADAPTER + 0x40), TAIL + 1, 2);
    check(!host_attach(), "attach");
    rx_desc(TAIL)[0] = XEN_IMAGE;
    rx_desc(LAST)[0] = XEN_IMAGE;
    host_detach();
    check(rx_desc(TAIL)[0] == host_scratch(), "slot %u not scrubbed", TAIL);
    check(rx_desc(LAST)[0] == XEN_IMAGE, "slot %u, dom0's to rewrite, changed",
          LAST);
    puts("ok");

    return 0;
}
