/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What could move a ring or change what the NIC writes into a receive
 * buffer is refused on the pages whose writes Xen emulates: the rings'
 * bases, lengths and heads, the second queue's registers, the 82542
 * aliases on page 0, a tail written by halves or within a wider write,
 * and RCTL's buffer size, long-packet, store-bad-packet, descriptor type
 * and CRC-strip bits (also by a byte write), and a device reset (CTRL.RST,
 * at CTRL or its alias, whole or by a byte): it would zero the rings'
 * registers under the check, which goes on with the old ones.  The rest
 * of page 0 is written as asked, and a tail written whole is checked.
 */
#include "desc_host.h"

#define REG_RCTL_BYTE2  (REG_RCTL + 2)          /* BSIZE */
#define RCTL_LPE        (1u << 5)
#define CTRL_SLU        (1u << 6)
#define CTRL_RST        (1u << 26)

static const struct {
    unsigned int off, size;
    uint64_t v;
} refused[] = {
    { REG_RDBAL, 4, FRAME(2) },
    { REG_RDBAL + 4, 4, 1 },                    /* RDBAH */
    { REG_RDBAL + RING_LEN, 4, 4096 },
    { REG_RDBAL + RING_HEAD, 4, 3 },
    { REG_TDBAL, 4, FRAME(2) },
    { REG_TDBAL + RING_HEAD, 4, 3 },
    { REG_RDBAL + 0x100, 4, FRAME(2) },         /* RDBAL1 */
    { REG_TDBAL + 0x100 + RING_TAIL, 4, 1 },    /* TDT1 */
    { 0x0110, 4, FRAME(2) },                    /* 82542 RDBAL */
    { 0x0120, 4, 1 },                           /* 82542 RDT */
    { 0x0420, 4, FRAME(2) },                    /* 82542 TDBAL */
    { 0x0438, 4, 1 },                           /* 82542 TDT */
    { REG_RDBAL + RING_TAIL, 2, 9 },
    { REG_RDBAL + RING_TAIL + 2, 2, 0 },
    { REG_RDBAL + RING_TAIL, 8, 9 },
    { REG_RDBAL + RING_HEAD, 8, 9ULL << 32 },   /* head, with the tail */
    { REG_RCTL, 4, 3u << 16 },                  /* 256-byte buffers */
    { REG_RCTL, 4, 1u << 25 },                  /* BSEX */
    { REG_RCTL, 4, RCTL_LPE },
    { REG_RCTL, 4, 1u << 10 },                  /* packet split */
    { REG_RCTL_BYTE2, 1, 3 },
    { REG_RCTL_BYTE2, 2, 2 },
    { REG_RCTL - 2, 4, 0 },                     /* straddles RCTL */
    { 0x0000, 4, CTRL_RST | CTRL_SLU },         /* CTRL */
    { 0x0004, 4, CTRL_RST },                    /* its alias */
    { 0x0003, 1, CTRL_RST >> 24 },
    { 0x0002, 2, CTRL_RST >> 16 },
    { 0x0000, 8, (uint64_t)CTRL_RST << 32 },    /* the alias, within */
};

int main(void)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(refused); i++ )
    {
        host_init(false, 64);
        check(!host_attach(), "attach");
        check(!host_write(refused[i].off, refused[i].v, refused[i].size),
              "%u bytes at %#x emulated", refused[i].size, refused[i].off);
        check(host_reg(REG_RDBAL) == RX_RING && host_reg(REG_TDBAL) == TX_RING
              && host_reg(REG_RCTL) == 0 && host_reg(0) == 0 &&
              host_reg(4) == 0,
              "%u bytes at %#x reached the NIC", refused[i].size,
              refused[i].off);
    }

    /* the interrupt mask, and RCTL's other bits (enable, promiscuous) */
    host_init(false, 64);
    check(!host_attach(), "attach");
    check(host_write(REG_IMS, 0x9d, 4) && host_reg(REG_IMS) == 0x9d,
          "IMS not written");
    check(host_write(REG_RCTL, 0x1a, 4) && host_reg(REG_RCTL) == 0x1a,
          "RCTL's enable bits not written");
    check(host_write(0x0000, CTRL_SLU, 4) && host_reg(0x0000) == CTRL_SLU,
          "CTRL without a reset not written");
    /* and with no rings found at attach, no tail moves at all */
    host_init(false, 64);
    host_set_reg(REG_RDBAL + RING_LEN, 100);    /* not a multiple of 128 */
    check(host_attach(), "a ring of 100 bytes attached");
    check(!host_write(REG_RDBAL + RING_TAIL, 1, 4), "tail written unguarded");
    puts("ok");

    return 0;
}
