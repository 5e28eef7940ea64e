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
 *     the instance's allocations are served from.
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

#define TWIN_SELFTEST_FAULT     1   /* an exception inside the payload */
#define TWIN_SELFTEST_SPIN      2   /* an entry that never returns */

#define TWIN_INTERFACE_VERSION  1
#define TWIN_MAX_CPUS       8

/* Shared area geometry (pages of dom0 memory, page aligned). */
#define TWIN_SHARED_MAGIC   0x4e495754U /* "TWIN" */
#define TWIN_UPCALL_SLOTS   2048
#define TWIN_SUPPLY_SLOTS   1024
#define TWIN_SMALL_SLOTS    512
#define TWIN_MIRROR_BYTES   (16 * 4096) /* copy of the instance's rodata */

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
#define TWIN_UC_FREE_SKB    0x104   /* arg0: skb the support code dropped */
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

struct twin_shared {
    uint32_t magic;
    uint32_t version;
    uint32_t xen_waiting;       /* Xen deferred work until dom0 drains */
    uint32_t pad[13];
    struct twin_ring_idx upcall;
    struct twin_ring_idx supply;
    struct twin_ring_idx small;
    struct twin_upcall upcalls[TWIN_UPCALL_SLOTS];
    struct twin_supply supplies[TWIN_SUPPLY_SLOTS];
    uint64_t smalls[TWIN_SMALL_SLOTS];
    uint8_t mirror[TWIN_MIRROR_BYTES];
};

#define TWIN_SHARED_PAGES   ((sizeof(struct twin_shared) + 4095) / 4096)

/*
 * ATTACH: every address is a dom0 virtual address unless said otherwise;
 * Xen checks each one where it enters.
 */
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
    uint32_t pirq;              /* the e1000's interrupt, as dom0's pirq */
    uint32_t frag_len;          /* size of each supply fragment */
    uint32_t small_len;         /* room in each small skb */
    uint32_t frag_headroom;     /* fragment start to the data the NIC sees */
    uint32_t evtchn;            /* out: Xen's port, to bind interdomain */
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

struct twin_detach {
    uint32_t napi_scheduled;    /* out: the instance left NAPI scheduled */
    uint32_t disabled_reason;   /* out: TWIN_DIS_* if it had stopped itself */
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
    uint64_t upcalls, upcalls_dropped;
    uint64_t pool_supplied;     /* entries taken from the supply rings */
    uint64_t pool_outstanding;  /* now: entries handed out, not given back */
    uint64_t pool_empty;        /* allocations the pool could not serve */
    uint64_t dma_maps, dma_map_errors;
    uint64_t faults, watchdogs, bugs, warns, denied;
    uint64_t entry_ns_max;      /* longest instance entry */
};

#endif /* __TWIN_PUBLIC_H__ */
