/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guests' path: Xen serving an unmodified netfront with the hypervisor
 * instance, while dom0's netback keeps the handshake.
 *
 *   vif.c      hand-over and take-back of a vif (its rings, its event
 *              channels), the notifications in both directions
 *   vif_tx.c   the guest's transmit requests: checked as netback checks
 *              them, copied into transmit pool skbs, sent by the instance
 *   vif_rx.c   received frames for the guest's MAC, copied into its
 *              posted buffers
 *   txpool.c   the transmit skbs dom0 gave Xen, recycled in Xen
 *
 * Everything here runs under twin.lock, as every entry into the instance.
 */
#ifndef __TWIN_VIF_H__
#define __TWIN_VIF_H__

#include <xen/types.h>
#include <asm/system.h>

/* for public/io/ring.h's macros, as common/vm_event.c does */
#define xen_mb()    smp_mb()
#define xen_rmb()   smp_rmb()
#define xen_wmb()   smp_wmb()

#include <public/grant_table.h>
#include <public/io/netif.h>

struct domain;
struct page_info;

#define VIF_TX_SLOTS_MAX    XEN_NETIF_NR_SLOTS_MIN  /* 18, as netback */
#define VIF_TX_SLOTS_FATAL  20      /* netback's fatal_skb_slots default */
#define VIF_ETH_HLEN        14
#define VIF_ETH_FRAME_MAX   1518    /* 1514 + a VLAN tag */
#define VIF_GSO_MAX         65535
#define TWIN_VIF_TX_BUDGET  64      /* frames per notification or softirq */
#define VIF_RX_HOLD         128     /* frames waiting for a guest's buffer */
#define VIF_RX_HOLD_MS      200     /* at most this long */

/* A receive pool skb kept for later, as dom0 made it (pool.c). */
struct twin_pool_skb {
    uint64_t skb;
    uint64_t frag;                  /* 0: a small skb */
    bool snapped;                   /* snap holds it as dom0 made it; if not
                                       (a whole skb of e1000e's RX ring, kept
                                       for a guest), it goes back to dom0 */
    uint8_t snap[VM_SKB_SIZEOF];
};

/* A received frame, as the guests' receive path sees it (vif_rx.c). */
struct twin_rx_frame {
    uint64_t va;                    /* dom0 address of its first byte */
    unsigned int len;
    bool validated;                 /* the NIC checked its checksum */
};

#define VIF_RX_GSO_SLOTS    16      /* data slots of a coalesced packet */

/* A received TCP segment coalescing may take (vif_rx_gso.c). */
struct twin_rx_seg {
    struct twin_rx_frame f;
    bool tcp;                       /* false: anything else */
    unsigned int hlen;              /* Ethernet + IPv4 + TCP */
    unsigned int payload;
    uint32_t seq;
    uint8_t hdr[VIF_ETH_HLEN + 20 + 60];
};

/* A received frame waiting for the guest to post a buffer, or coalescing. */
struct twin_held {
    struct twin_pool_skb p;
    s_time_t since;
    struct twin_rx_seg seg;         /* parsed when it was held */
};

/* A transmit skb of the pool dom0 gave (txpool.c). */
struct twin_txslot {
    uint64_t skb;
    uint64_t data;                  /* skb->data: the linear area starts here */
    mfn_t data_mfn;                 /* its frame; the whole area lies within */
    unsigned int room;              /* linear bytes from data */
    uint64_t page[TWIN_TX_FRAG_PAGES];  /* struct page addresses */
    mfn_t page_mfn[TWIN_TX_FRAG_PAGES];
    unsigned int nr_frags;          /* fragments attached now */
    bool busy;                      /* handed to the instance */
    uint8_t snap[VM_SKB_SIZEOF];    /* the skb as dom0 gave it */
};

struct twin_vif {
    bool active;
    bool failed;                    /* stopped serving; dom0 takes it back */
    bool tx_waiting;                /* requests wait for room in the NIC */
    bool notify_tx, notify_rx;      /* responses posted since the last push */
    unsigned int id;
    uint32_t reason;                /* TWIN_VIF_DIS_* */
    struct domain *guest;           /* a reference held while attached */
    uint8_t mac[6];
    uint32_t features;              /* TWIN_VIF_* */
    uint16_t rx_offset;
    evtchn_port_t tx_port, rx_port; /* dom0's ends, Xen-consumed */
    struct page_info *tx_pg, *rx_pg;
    netif_tx_back_ring_t tx;
    netif_rx_back_ring_t rx;
    struct twin_held *held;         /* VIF_RX_HOLD, oldest at held_first */
    unsigned int held_first, nr_held;
    struct twin_vif_counters c;
};

extern struct twin_vif twin_vifs[TWIN_MAX_VIFS];

/* vif.c */
long twin_vif_attach(struct twin_vif_attach *a);
long twin_vif_detach(struct twin_vif_detach *d);
long twin_vif_status(struct twin_vif_status *s);
void twin_vif_detach_all(unsigned int reason);
void twin_vif_fail(struct twin_vif *v, const char *why);
void twin_vif_push(struct twin_vif *v);
void twin_vif_push_all(void);
void twin_vif_sum(struct twin_status *s);
void twin_vif_fail_all(void);
unsigned int twin_vif_count(void);
/* grant copies for v, on dom0's behalf; false if any failed */
bool twin_vif_copy(struct twin_vif *v, struct gnttab_copy *ops, unsigned int n);

/* vif_tx.c */
void twin_vif_tx(struct twin_vif *v, unsigned int budget);
void twin_vif_tx_all(void);

/* vif_rx.c */
bool twin_vif_rx_frame(uint64_t skb, struct twin_rx_frame *f);
/* vif_rx_gso.c */
bool twin_vif_rx_gso_parse(const struct twin_rx_frame *f, struct twin_rx_seg *s);
unsigned int twin_vif_rx_gso(struct twin_vif *v, unsigned int posted);
enum twin_rx { TWIN_RX_DOM0, TWIN_RX_GUESTS, TWIN_RX_HELD };
/* DOM0: dom0 gets skb too (or alone); GUESTS: skb is free again; HELD: kept */
enum twin_rx twin_vif_rx(uint64_t skb);
void twin_vif_rx_flush(struct twin_vif *v, bool expire);
void twin_vif_rx_drop_held(struct twin_vif *v);

/* txpool.c */
int twin_txpool_take(void);
void twin_txpool_release(void);
struct twin_txslot *twin_txpool_get(void);
void twin_txpool_unget(struct twin_txslot *s);
bool twin_txpool_put(uint64_t skb);
bool twin_txpool_empty(void);
unsigned int twin_txpool_size(void);
unsigned int twin_txpool_outstanding(void);

#endif /* __TWIN_VIF_H__ */
