/* SPDX-License-Identifier: GPL-2.0 */
/*
 * At detach, transmit descriptors the instance left past the NIC's tail
 * (dom0's driver hands them over when it moves the tail on) that name
 * what the NIC may not read are pointed at Xen's scratch frames, and
 * made no longer than those: a legacy length of 64 KB, an extended data
 * length of 1 MB, an extended type the NIC would read otherwise (made an
 * empty data descriptor).  Good ones, and context ones, stay as they are.
 */
#include "desc_host.h"

#define COUNT           64
#define TAIL            8
#define SCRATCH_BYTES   (4 * 4096)

int main(void)
{
    uint64_t b = BUF(4);
    uint32_t ctl;

    host_init(false, COUNT);
    host_ring(false, TAIL, TAIL);
    check(!host_attach(), "attach");
    tx_desc(TAIL)[0] = XEN_IMAGE;
    tx_desc(TAIL)[1] = 0xffff;                              /* legacy */
    tx_desc(TAIL + 1)[0] = XEN_IMAGE;
    tx_desc(TAIL + 1)[1] = TXD_DEXT | TXD_DTYP_DATA | 0xfffff;
    tx_desc(TAIL + 2)[0] = XEN_IMAGE;
    tx_desc(TAIL + 2)[1] = TXD_DEXT | (3u << 20) | 0x40;    /* type 3 */
    tx_desc(TAIL + 3)[0] = b;
    tx_desc(TAIL + 3)[1] = 0x5ea;                           /* good */
    tx_desc(TAIL + 4)[0] = XEN_IMAGE;
    tx_desc(TAIL + 4)[1] = TXD_DEXT | 0x40;                 /* context */
    tx_desc(TAIL + 5)[0] = RX_RING - 8;         /* from nobody's frame */
    tx_desc(TAIL + 5)[1] = 16;
    host_detach();

    ctl = tx_desc(TAIL)[1];
    check(tx_desc(TAIL)[0] == host_scratch() &&
          (ctl & 0xffff) <= SCRATCH_BYTES, "legacy: %#lx, %#x",
          (unsigned long)tx_desc(TAIL)[0], ctl);
    ctl = tx_desc(TAIL + 1)[1];
    check(tx_desc(TAIL + 1)[0] == host_scratch() &&
          (ctl & 0xfffff) <= SCRATCH_BYTES, "extended: %#lx, %#x",
          (unsigned long)tx_desc(TAIL + 1)[0], ctl);
    ctl = tx_desc(TAIL + 2)[1];
    check(tx_desc(TAIL + 2)[0] == host_scratch() &&
          (ctl & (0xfu << 20)) == TXD_DTYP_DATA && !(ctl & 0xfffff),
          "type 3: %#lx, %#x", (unsigned long)tx_desc(TAIL + 2)[0], ctl);
    check(tx_desc(TAIL + 3)[0] == b && tx_desc(TAIL + 3)[1] == 0x5ea,
          "a good one changed");
    check(tx_desc(TAIL + 4)[0] == XEN_IMAGE, "a context one changed");
    check(tx_desc(TAIL + 5)[0] == host_scratch(),
          "a range from a free frame stayed");
    puts("ok");

    return 0;
}
