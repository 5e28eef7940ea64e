/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The e1000 family's registers and descriptors (82540 to 82574, queue 0)
 * that Xen's checks of the NIC's DMA read: desc_guard.c (the tail
 * registers) and dma_record.c (the frames the NIC may use).
 */
#ifndef __TWIN_E1000_REGS_H__
#define __TWIN_E1000_REGS_H__

#include <asm/io.h>

#include "twin.h"

#define REG_CTRL        0x0000
#define REG_CTRL_ALIAS  0x0004      /* the 8254x's and 82574's duplicate */
#define CTRL_RST_BIT    26
#define REG_ICS         0x00c8
#define REG_RCTL        0x0100
#define REG_RFCTL       0x5008
#define RFCTL_EXTEN     (1u << 15)
#define REG_RDBAL       0x2800
#define REG_TDBAL       0x3800
#define RING_BAH        0x04        /* from BAL */
#define RING_LEN        0x08
#define RING_HEAD       0x10
#define RING_TAIL       0x18

#define RCTL_SBP        (1u << 2)
#define RCTL_LPE        (1u << 5)
#define RCTL_DTYP       (3u << 10)
#define RCTL_BSIZE_SHIFT 16
#define RCTL_BSIZE      (3u << RCTL_BSIZE_SHIFT)
#define RCTL_BSEX       (1u << 25)
#define RCTL_SECRC      (1u << 26)

#define RXD_STAT_DD     1u          /* both formats: bit 0 of the status */
#define TXD_DEXT        (1u << 29)
#define TXD_DTYP_SHIFT  20
#define TXD_DTYP_CTX    0
#define TXD_DTYP_DATA   1

#define DESC_SIZE       16          /* the buffer address in the first 8 */
#define MAX_RING_BYTES  (4096 * DESC_SIZE)  /* the family's largest ring */

static inline uint32_t twin_reg(unsigned int off)
{
    return readl(twin.bar + off);
}

/* The bytes of one receive buffer RCTL's BSIZE and BSEX give the NIC. */
static inline uint32_t twin_rx_buffer_bytes(uint32_t rctl)
{
    uint32_t bytes = 2048u >> ((rctl & RCTL_BSIZE) >> RCTL_BSIZE_SHIFT);

    return rctl & RCTL_BSEX ? bytes << 4 : bytes;
}

#endif /* __TWIN_E1000_REGS_H__ */
