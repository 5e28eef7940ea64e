/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attacks' machine (desc_host.c): dom0's rings in host memory, the
 * NIC's registers, and the instance's moves, each a call into the real
 * hv/xen/desc_guard.c.
 *
 * Machine frames: 0-15 Xen's image, 16-31 Xen's heap (the scratch
 * frames), 64 the receive ring, 65 the transmit ring, 66 a page table of
 * dom0's, 67 dom0's adapter (the RX next_to_use), 128-191 dom0's buffers
 * (2 KB each, BUF(n)), 200 another domain's frame.  Every frame from 64
 * on is in the DMA record unless an attack takes it out; an attack may
 * give dom0 more frames above 256 (host_more_dom0()).
 */
#ifndef DESC_HOST_H
#define DESC_HOST_H

#include <stdio.h>
#include <stdlib.h>

#include "twin.h"

#define FRAME(n)            ((uint64_t)(n) << PAGE_SHIFT)
#define XEN_IMAGE           FRAME(2)
#define RX_RING             FRAME(64)
#define TX_RING             FRAME(65)
#define DOM0_PAGE_TABLE     FRAME(66)
#define DOM0_ADAPTER        FRAME(67)
#define BUF(n)              (FRAME(128) + (uint64_t)(n) * 2048)
#define DOMU_FRAME          FRAME(200)
/* dom0's direct map, where its next_to_use is read from */
#define DOM0_VA(ma)         (0xffff888000000000ULL + (ma))

#define REG_IMS             0x00d0
#define REG_RCTL            0x0100
#define REG_RFCTL           0x5008
#define REG_RDBAL           0x2800
#define REG_TDBAL           0x3800
#define RING_LEN            0x08
#define RING_HEAD           0x10
#define RING_TAIL           0x18
#define RXD_DD              1ULL                /* in the second quadword */
#define TXD_DEXT            (1u << 29)          /* extended transmit */
#define TXD_DTYP_CTX        (0u << 20)
#define TXD_DTYP_DATA       (1u << 20)

/* A NIC with rings of @count descriptors; @ext: e1000e's extended RX. */
void host_init(bool ext, uint32_t count);
uint64_t *rx_desc(uint32_t i);
uint64_t *tx_desc(uint32_t i);
/* dom0's driver has posted buffers BUF(i) in receive slots [from, to) */
void host_post_rx(uint32_t from, uint32_t to);
void host_ring(bool rx, uint32_t head, uint32_t tail);
uint32_t host_reg(unsigned int off);
void host_set_reg(unsigned int off, uint32_t v);
/* dom0's RX next_to_use at @va (0: not given), of @bytes */
void host_next_to_use(uint64_t va, uint32_t v, unsigned int bytes);

int host_attach(void);
void host_detach(void);
/* The instance's write of @v to BAR offset @off: emulated or refused. */
bool host_write(unsigned int off, uint64_t v, unsigned int size);
/* ... of a tail: where the NIC's tail register is after it */
uint32_t host_tail(bool rx, uint32_t t);
void host_map(uint64_t addr, uint64_t len, bool device_writes);
void host_unmap(uint64_t addr, bool device_writes);
void host_record(uint64_t addr, bool in);   /* the DMA record's frame */
/* frames [first, first + n) become dom0's buffers, in the DMA record */
void host_more_dom0(unsigned long first, unsigned long n);
/* dom0 gives the frame of @addr to another domain (it stays recorded) */
void host_give_away(uint64_t addr);

unsigned int host_refusals(void);           /* twin_refuse() so far */
uint64_t host_scratch(void);                /* Xen's scratch frames */

#define check(cond, ...) do {                                           \
        if ( !(cond) )                                                  \
        {                                                               \
            fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            exit(1);                                                    \
        }                                                               \
    } while ( 0 )

#endif /* DESC_HOST_H */
