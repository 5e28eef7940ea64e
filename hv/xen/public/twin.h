/* SPDX-License-Identifier: MIT */
/*
 * TwinDrivers hypercall interface: the one header shared by Xen's runtime
 * (hv/xen), the driver VM's twin module (guest/twin) and twinctl.
 *
 * The driver VM (dom0) registers its e1000 adapter with Xen (ATTACH); from
 * then on Xen runs the hypervisor instance of the driver's fast path on the
 * adapter's own data, in place, through Software Virtual Memory.  Xen and
 * dom0 exchange work through a shared area that dom0 allocates:
 *
 *   - the upcall ring (Xen -> dom0): calls the instance made that must run
 *     in dom0 (freeing skbs, printing, scheduling work), received skbs to
 *     hand to dom0's stack, pool entries to give back;
 *   - the supply rings (dom0 -> Xen): receive buffers (a page fragment and
 *     the skb dom0 built around it) and small skbs for copybreak, which
 *     the instance's allocations are served from;
 *   - the transmit pool (dom0 -> Xen, once): skbs with pages for their
 *     fragments, into which Xen copies what guests transmit (VIF_ATTACH).
 *
 * Guests' vifs (VIF_ATTACH): dom0's netback keeps the handshake and hands
 * a connected vif's shared rings and event channels to Xen, which serves
 * the unmodified netfront itself: transmit requests are copied (as grant
 * copies on dom0's behalf) into pool skbs and sent by the instance,
 * received frames for the vif's MAC are copied into the guest's posted
 * buffers.  VIF_DETACH gives the rings back, with the indices netback
 * resumes from.
 *
 * Each ring has one producer and one consumer; indices are free-running
 * 32-bit counters, an entry's slot is index % size.
 */
#ifndef __TWIN_PUBLIC_H__
#define __TWIN_PUBLIC_H__

/* Hypercall number (xen/include/public/xen.h in the patched Xen). */
#define __HYPERVISOR_twin_op        43

/* long twin_op(unsigned int cmd, void *arg) */
#define TWIN_OP_ATTACH      1   /* arg: struct twin_attach *, in/out */
#define TWIN_OP_DETACH      2   /* arg: struct twin_detach *, out */
#define TWIN_OP_XMIT        3   /* arg: the skb's dom0 address */
#define TWIN_OP_KICK        4   /* dom0 drained the upcall ring */
#define TWIN_OP_STATUS      5   /* arg: struct twin_status *, out */
#define TWIN_OP_SELFTEST    6   /* arg: TWIN_SELFTEST_*: test the recovery */
#define TWIN_OP_VIF_ATTACH  7   /* arg: struct twin_vif_attach *, in/out */
#define TWIN_OP_VIF_DETACH  8   /* arg: struct twin_vif_detach *, in/out */
#define TWIN_OP_VIF_STATUS  9   /* arg: struct twin_vif_status *, in/out */
#define TWIN_OP_SVM_PROBE   10  /* arg: struct twin_svm_probe *, in/out */
#define TWIN_OP_DMA_FRAMES  11  /* arg: struct twin_dma_frames *, in/out */

#define TWIN_SELFTEST_FAULT     1   /* an exception inside the payload */
#define TWIN_SELFTEST_SPIN      2   /* an entry that never returns */
#define TWIN_SELFTEST_RETYPE    3   /* dom0's side (twin_selftest.c): a page
                                       the TLB holds writable becomes a page
                                       table (TWIN_OP_SVM_PROBE) */
#define TWIN_SELFTEST_RETURN    4   /* a return slot overwritten inside the
                                       payload: the shadow stack refuses it */
#define TWIN_SELFTEST_FRAME     5   /* the payload hands the runtime a pointer
                                       into the runtime's own frames: SVM
                                       refuses it */

#define TWIN_INTERFACE_VERSION  7
#define TWIN_MAX_CPUS       8
#define TWIN_MAX_VIFS       8
#define TWIN_MAX_IRQS       4   /* interrupt vectors of one NIC (e1000e's MSI-X: 3) */
#define TWIN_DRIVER_NAME    16

/* Shared area geometry (pages of dom0 memory, page aligned). */
#define TWIN_SHARED_MAGIC   0x4e495754U /* "TWIN" */
#define TWIN_UPCALL_SLOTS   2048
#define TWIN_SUPPLY_SLOTS   1024
#define TWIN_SMALL_SLOTS    512
#define TWIN_MIRROR_BYTES   (16 * 4096) /* copy of the instance's rodata */
#define TWIN_TXPOOL_SLOTS   64
#define TWIN_TX_FRAG_PAGES  16          /* pages per transmit skb */

struct twin_ring_idx {
    uint32_t prod;
    uint32_t pad0[15];          /* producer and consumer on separate lines */
    uint32_t cons;
    uint32_t pad1[15];
};

/*
 * One upcall.  id < TWIN_UC_INTERNAL: the policy's upcall id (twinc's
 * manifest), arg[] the call's six register arguments and eight stack
 * words (varargs).  Pointers into the instance's read-only data (format
 * strings) arrive translated into the rodata mirror.
 */
#define TWIN_UC_INTERNAL    0x100
#define TWIN_UC_RECEIVE     0x100   /* arg0: skb for dom0's stack */
#define TWIN_UC_SCHEDULE_TX 0x101   /* arg0: netdev_queue to reschedule */
#define TWIN_UC_RELEASE     0x102   /* arg0: pool skb to free, arg1: flags */
#define TWIN_UC_DISABLED    0x103   /* arg0: reason (TWIN_DIS_*), arg1: where */
#define TWIN_UC_FREE_SKB    0x104   /* arg0: skb to free, arg1: 1 consumed, 0 dropped */
#define TWIN_UC_RELEASE_TX  0x105   /* arg0: transmit pool skb, arg1: fragments
                                       attached, arg2: 1 if the NIC's ring still
                                       holds it (dom0's driver frees it) */
#define TWIN_UC_VIF_FAILED  0x106   /* arg0: vif, arg1: TWIN_VIF_DIS_*: Xen
                                       stopped serving it, give it back */
#define TWIN_UC_RELEASE_RX  0x107   /* arg0: skb Xen recycled, to free whole */
#define TWIN_UPCALL_ARGS    14

struct twin_upcall {
    uint32_t id;
    uint32_t cpu;
    uint64_t arg[TWIN_UPCALL_ARGS];
    uint64_t pad;
};

/* A receive buffer: dom0 built skb around frag (build_skb()). */
#define TWIN_SUPPLY_POSTED  1   /* frag already sits in the RX ring */
#define TWIN_RELEASE_SHELL  1   /* free the skb but not its head (frag) */

struct twin_supply {
    uint64_t frag;              /* start of the fragment (skb->head) */
    uint64_t skb;
    uint32_t flags;
    uint32_t pad[3];
};

/*
 * A transmit skb: alloc_skb() with a linear area of at least head_room
 * bytes after its headroom, and TWIN_TX_FRAG_PAGES pages (struct page
 * addresses) for its fragments, each holding a reference of the pool's and
 * one for the fragment it may become, so that whoever frees the skb (Xen
 * recycling it, or dom0's driver after a detach) drops only the latter.
 */
struct twin_txbuf {
    uint64_t skb;
    uint64_t pages[TWIN_TX_FRAG_PAGES];
};

struct twin_shared {
    uint32_t magic;
    uint32_t version;
    uint32_t xen_waiting;       /* Xen deferred work until dom0 drains */
    uint32_t pad[13];
    struct twin_ring_idx upcall;
    struct twin_ring_idx supply;
    struct twin_ring_idx small;
    struct twin_ring_idx txpool;
    struct twin_upcall upcalls[TWIN_UPCALL_SLOTS];
    struct twin_supply supplies[TWIN_SUPPLY_SLOTS];
    uint64_t smalls[TWIN_SMALL_SLOTS];
    struct twin_txbuf txbufs[TWIN_TXPOOL_SLOTS];
    uint8_t mirror[TWIN_MIRROR_BYTES];
};

#define TWIN_SHARED_PAGES   ((sizeof(struct twin_shared) + 4095) / 4096)

/*
 * ATTACH: every address is a dom0 virtual address unless said otherwise;
 * Xen checks each one where it enters.
 *
 * What differs between drivers is data here: the driver's name (the
 * payload must be derived from it), its interrupt vectors with the
 * payload's handler for each (e1000: one line, e1000_intr; e1000e under
 * MSI-X: three vectors, each its own handler), and how it receives
 * (rx_mode).
 */
/* How the driver allocates receive buffers, so how the pool serves them. */
#define TWIN_RX_FRAGS       0   /* page fragments, skbs built around them once
                                   filled (netdev_alloc_frag, napi_build_skb:
                                   e1000) */
#define TWIN_RX_SKBS        1   /* whole skbs (__netdev_alloc_skb: e1000e) */

struct twin_attach {
    uint32_t version;           /* TWIN_INTERFACE_VERSION */
    uint32_t nr_cpus;           /* entries of percpu_offset[] */
    uint64_t adapter;           /* struct e1000_adapter */
    uint64_t netdev;            /* struct net_device */
    uint64_t napi;              /* &adapter->napi */
    uint64_t shared;            /* struct twin_shared, page aligned */
    uint64_t pgd_mfn;           /* machine frame of init_mm.pgd */
    uint64_t percpu_offset[TWIN_MAX_CPUS];
    uint64_t bar_maddr;         /* the e1000's MMIO BAR, machine address */
    uint64_t bar_size;
    uint64_t page_offset_base;  /* dom0's direct map */
    uint64_t vmemmap_base;      /* dom0's struct page array */
    uint64_t vmalloc_start, vmalloc_end;
    uint64_t jiffies;           /* &jiffies */
    uint32_t sizeof_page;       /* sizeof(struct page) */
    uint32_t nr_irqs;           /* entries of pirq[] and handler[] */
    uint32_t frag_len;          /* size of each supply fragment (TWIN_RX_SKBS:
                                   the most an allocation may ask for) */
    uint32_t small_len;         /* room in each small skb */
    uint32_t frag_headroom;     /* fragment start to the data the NIC sees */
    uint32_t evtchn;            /* out: Xen's port, to bind interdomain */
    /* the guests' path (VIF_ATTACH) */
    uint64_t txq;               /* the e1000's netdev_queue 0 */
    uint64_t guest_percpu;      /* the per-CPU base guests' transmits run with */
    uint64_t guest_xmit_more;   /* its softnet_data.xmit_more byte */
    uint32_t tx_headroom;       /* transmit pool skbs: skb->head to data */
    uint32_t tx_head_room;      /* linear bytes after the headroom */
    uint16_t ip_summed_offset;  /* struct sk_buff's ip_summed bitfield: byte */
    uint8_t ip_summed_shift;    /* and its lowest bit */
    uint8_t pad0[5];
    /* the driver */
    char driver[TWIN_DRIVER_NAME];  /* dom0's driver of the NIC: the payload's */
    uint32_t pirq[TWIN_MAX_IRQS];   /* the NIC's interrupts, as dom0's pirqs */
    uint8_t handler[TWIN_MAX_IRQS]; /* each one's handler, an index into the
                                       payload's (twin_desc.intr[]) */
    uint32_t rx_mode;           /* TWIN_RX_* */
    uint64_t rx_next_to_use;    /* the RX ring's next_to_use, 0 if not given:
                                   where dom0's driver will hand descriptors
                                   from without rewriting them (desc_guard.c) */
    uint32_t rx_index_bytes;    /* its size: 2 or 4 */
    uint32_t pad1;
};

/* Why the instance stopped (TWIN_UC_DISABLED, twin_status.disabled_reason). */
#define TWIN_DIS_NONE       0
#define TWIN_DIS_REFUSAL    1   /* SVM refused an access */
#define TWIN_DIS_FAULT      2   /* a CPU exception inside the instance */
#define TWIN_DIS_WATCHDOG   3   /* an entry ran too long */
#define TWIN_DIS_BUG        4   /* BUG() in the instance */
#define TWIN_DIS_DENIED     5   /* call to a denied function */
#define TWIN_DIS_DISPATCH   6   /* indirect call to an unknown target */
#define TWIN_DIS_UNLOADED   7   /* the payload went away */
#define TWIN_DIS_RETURN     8   /* a return address not on the shadow stack */
#define TWIN_DIS_SKB        9   /* an skb freed twice, delivered after its free,
                                       or made inconsistent (skb_put past its end) */
#define TWIN_DIS_DMA        10  /* a transmit's DMA mapping outside the frame
                                       being sent */
#define TWIN_DIS_DESC       11  /* a tail register write handing the NIC a
                                       descriptor outside the frames it may
                                       use, or moving past the NIC's head */

struct twin_detach {
    uint32_t napi_scheduled;    /* out: the instance left NAPI scheduled */
    uint32_t disabled_reason;   /* out: TWIN_DIS_* if it had stopped itself */
};

/* What netfront and netback negotiated, as far as Xen serves it. */
#define TWIN_VIF_SG         (1u << 0)   /* packets over several slots */
#define TWIN_VIF_CSUM       (1u << 1)   /* IPv4 TCP/UDP checksum offload */
#define TWIN_VIF_CSUM6      (1u << 2)   /* IPv6 TCP/UDP checksum offload */
#define TWIN_VIF_GSO4       (1u << 3)   /* TCPv4 segmentation offload */
#define TWIN_VIF_GSO6       (1u << 4)   /* TCPv6 segmentation offload */
#define TWIN_VIF_RX_GSO4    (1u << 5)   /* it receives TCPv4 GSO packets over
                                           several slots (feature-sg and
                                           feature-gso-tcpv4 of the frontend) */

/* Where each ring stands; at a hand-over every request has its response. */
struct twin_vif_ring {
    uint32_t tx_req_cons, tx_rsp_prod;
    uint32_t rx_req_cons, rx_rsp_prod;
};

struct twin_vif_attach {
    uint16_t domid;             /* the frontend's domain */
    uint16_t rx_offset;         /* where received data starts in a buffer */
    uint32_t features;          /* TWIN_VIF_* */
    uint64_t tx_sring;          /* netback's mapping of the TX shared ring */
    uint64_t rx_sring;          /* and of the RX one (dom0 addresses) */
    uint32_t tx_port, rx_port;  /* the frontend's event channels (xenstore's
                                   event-channel-tx/-rx; equal: one channel) */
    struct twin_vif_ring ring;
    uint8_t mac[6];             /* the frontend's */
    uint16_t pad;
    uint32_t vif;               /* out: Xen's handle */
    uint32_t pad1;
};

/* Why Xen stopped serving a vif (TWIN_UC_VIF_FAILED, twin_vif_detach). */
#define TWIN_VIF_DIS_NONE       0
#define TWIN_VIF_DIS_PROTOCOL   1   /* the frontend broke the ring protocol */
#define TWIN_VIF_DIS_INSTANCE   2   /* the instance stopped */

struct twin_vif_detach {
    uint32_t vif;               /* in */
    uint32_t reason;            /* out: TWIN_VIF_DIS_* */
    struct twin_vif_ring ring;  /* out: where netback resumes */
};

/* Per vif, since its attach (TWIN_OP_VIF_STATUS); also summed in twin_status. */
struct twin_vif_counters {
    uint64_t tx_frames;         /* guest frames sent by the instance */
    uint64_t tx_bytes;
    uint64_t tx_gso;            /* of those, segmentation offloads */
    uint64_t tx_dropped;        /* refused by the instance or no pool skb */
    uint64_t rx_frames;         /* frames copied into the guest's buffers */
    uint64_t rx_bytes;
    uint64_t rx_dropped_no_buffer; /* the guest had posted no buffer */
    uint64_t requests_refused;  /* malformed requests: error responses */
    uint64_t grant_copies;      /* grant copy operations made for it */
    uint64_t grant_copy_errors;
    uint64_t notifications_in;  /* event channel notifications from it */
    uint64_t notifications_out; /* and to it */
    uint64_t fatal;             /* protocol errors that ended the service */
    uint64_t rx_gso;            /* received frames coalesced into GSO packets:
                                   the packets */
};

struct twin_vif_status {
    uint32_t vif;               /* in */
    uint32_t active;
    uint32_t domid;
    uint32_t reason;            /* TWIN_VIF_DIS_* once failed */
    struct twin_vif_counters c;
};

/*
 * SVM_PROBE (tests of the TLB's invalidation): translate dom0 address @va
 * through the instance's SVM, for a write if @write, as an access of the
 * instance would, filling the TLB.  Out: @translated (a translation
 * exists: cached, or cacheable) and @typed (the frame now holds a
 * writable type reference of the TLB's).
 */
struct twin_svm_probe {
    uint64_t va;
    uint32_t write;
    uint32_t translated;
    uint32_t typed;
    uint32_t pad;
};

/*
 * DMA_FRAMES: the machine frames the NIC was allowed to use during the
 * latest attachment (current or ended), as runs of consecutive frames:
 * the descriptor rings and the buffers they held when the instance took
 * over, and every frame the instance's DMA mappings returned since.  A
 * record to check the device's DMA against from outside (e1000-trace
 * check); frames are never dropped from it before the next attach.
 */
struct twin_dma_frames {
    uint64_t runs;              /* in: dom0 address of uint64_t[2 * max_runs]:
                                   a run's first frame, then its frame count */
    uint32_t max_runs;          /* in */
    uint32_t nr_runs;           /* out: runs in the record; more than
                                   max_runs: -ENOSPC, nothing copied */
    uint64_t nr_frames;         /* out: frames in the record */
    uint64_t attach;            /* out: which attachment (twin_status.attaches) */
};

/* Counters; all since boot unless said otherwise. */
struct twin_status {
    uint32_t version;
    uint32_t loaded;            /* an instance is registered */
    uint32_t attached;
    uint32_t disabled_reason;   /* last TWIN_DIS_* */
    uint64_t disabled_where;    /* address (refusal) or rip (fault) */
    uint64_t attaches, detaches, disables;
    uint64_t tx_frames;         /* xmit entries that queued the frame */
    uint64_t tx_busy;           /* xmit entries that returned busy/deferred */
    uint64_t rx_frames;         /* skbs handed to dom0's stack */
    uint64_t interrupts;        /* NIC interrupts run by the instance */
    uint64_t interrupts_forwarded; /* arrived as the instance stopped: to dom0 */
    uint64_t interrupts_spurious;  /* no cause left (another CPU took it) */
    uint64_t polls;             /* NAPI polls */
    uint64_t poll_deferred;     /* polls postponed: upcall ring full */
    uint64_t svm_hits, svm_misses, svm_fills, svm_refusals;
    uint64_t svm_crossings, svm_bounces, svm_flushes;
    uint64_t pinned_pages;      /* now: frames the TLB holds references on */
    uint64_t writable_pins;     /* now: of those, with a writable type reference */
    uint64_t svm_retype_flushes;/* type changes of dom0's that dropped TLB entries */
    uint64_t upcalls, upcalls_dropped;
    uint64_t pool_supplied;     /* entries taken from the supply rings */
    uint64_t pool_outstanding;  /* now: entries handed out, not given back */
    uint64_t pool_empty;        /* allocations the pool could not serve */
    uint64_t dma_maps, dma_map_errors;
    uint64_t faults, watchdogs, bugs, warns, denied;
    uint64_t entry_ns_max;      /* longest instance entry */
    /* the guests' path, summed over every vif since boot */
    struct twin_vif_counters guest;
    uint64_t vifs;              /* now: vifs Xen serves */
    uint64_t vif_attaches, vif_detaches;
    uint64_t txpool_size;       /* now: transmit skbs Xen holds */
    uint64_t txpool_outstanding;/* now: of those, handed to the instance */
    uint64_t rx_recycled;       /* pool skbs reused without dom0 */
    uint64_t ring_mappings;     /* now: guest ring pages Xen maps */
    uint64_t xen_ports;         /* now: dom0 ports Xen consumes */
    /* the device registers Xen mediates (desc_guard.c) */
    uint64_t mmio_emulated;     /* the instance's writes to those pages */
    uint64_t tail_writes;       /* of those, RDT and TDT */
    uint64_t descs_checked;     /* descriptors checked at a tail write or detach */
    uint64_t descs_refused;     /* tail writes stopped at a bad descriptor */
    uint64_t head_reads;        /* the NIC's head read to check a tail */
    uint64_t descs_scrubbed;    /* bad descriptors left to dom0, neutralised */
};

#endif /* __TWIN_PUBLIC_H__ */
