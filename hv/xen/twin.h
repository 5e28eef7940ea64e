/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TwinDrivers runtime inside Xen: shared declarations of its parts.
 *
 *   loader.c     registration of a derived instance (a livepatch payload)
 *                and the support interface the payload may link against
 *   svm_xen.c    SVM's page-table walk over the driver domain, frame
 *                ownership checks and the TLB's frame references
 *   vm_access.c  the support code's own accesses to driver-VM memory,
 *                through the same TLB
 *   hypercall.c  twin_op: attach, detach, transmit, kick, status
 *   entry.c      running the instance: interrupt, NAPI softirq, transmit,
 *                fault and watchdog recovery, disabling
 *   upcall.c     the upcall ring to dom0 and the C hooks of svm_entry.S
 *   pool.c       receive buffers and small skbs supplied by dom0
 *   support_*.c  the policy's "hv" bindings
 *   dma_record.c the frames the NIC may use while attached (TWIN_OP_DMA_FRAMES)
 *   desc_guard.c the ring tail registers: descriptors checked as they are
 *                handed to the NIC
 *   skb_freed.c  the skbs the instance freed: double frees and deliveries refused
 *   vif*.c, txpool.c  the guests' path (vif.h)
 */
#ifndef __TWIN_H__
#define __TWIN_H__

#include <xen/types.h>
#include <xen/spinlock.h>
#include <xen/sched.h>

#include "public/twin.h"
#include "twin_desc.h"
#include "svm.h"
#include "twin_offsets.h"

struct twin_frag;

/* The one driver instance this Xen runs (a single NIC: e1000 or e1000e). */
struct twin_state {
    spinlock_t lock;                /* serializes every entry into the instance */

    /* loaded payload */
    const struct twin_desc *desc;
    unsigned long text_start, text_end, ro_start, ro_end;
    bool unsafe;                    /* TWIN_DESC_MAGIC_UNSAFE: tests only */

    /* attachment */
    bool attached;
    bool disabled;                  /* stopped itself; dom0 falls back */
    struct domain *dom;
    struct twin_attach a;           /* validated copy of dom0's request */
    struct twin_shared *sh;         /* dom0's shared area, mapped */
    mfn_t sh_mfns[TWIN_SHARED_PAGES];
    unsigned int evtchn;            /* Xen's end; dom0 binds to it */
    unsigned long bar_mfn, bar_pages;
    void __iomem *bar;              /* Xen's mapping of the BAR */
    uint64_t mirror_base;           /* dom0 address of sh->mirror */

    /* pending work (entry.c) */
    unsigned long irq_pending;      /* a bit per vector (twin.a.pirq[]):
                                       intercepted, not yet run */
    struct pirq *pirq[TWIN_MAX_IRQS];
    bool poll_pending;              /* __napi_schedule() was called */
    bool notify;                    /* dom0 has news since last notify */
    bool kicked;                    /* dom0 drained and refilled */
    bool pool_starved;              /* an allocation found the pool empty */
    bool vif_kick;                  /* guests' transmits wait to be served */
    uint64_t xmit_skb;              /* the skb the running transmit sends, or 0 */
    struct timer repoll;

    /* receive pool (pool.c) */
    struct twin_frag *frags;        /* outstanding fragments, hashed */
    unsigned int nr_frags;

    struct twin_status st;
};

extern struct twin_state twin;

/* loader.c */
int twin_register(void *payload, const struct twin_desc *desc);
int twin_unregister(void *payload, const struct twin_desc *desc);
int twin_revert_check(void *payload, const struct twin_desc *desc);
bool twin_in_text(unsigned long rip);

/* svm_xen.c */
void twin_svm_attach(void);
void twin_svm_detach(void);
void twin_svm_entry_done(void);
int twin_vm_walk(uint64_t va, bool write, mfn_t *mfn);
int twin_vm_walk_any(uint64_t va, bool write, mfn_t *mfn);
uint64_t twin_pinned_pages(void);
uint64_t twin_writable_pins(void);
bool twin_frame_writable_pinned(uint64_t va);
struct page_info;
bool twin_page_retype(struct page_info *pg, unsigned int retries);     /* hv/patches/0010 */
long twin_svm_probe(struct twin_svm_probe *p);

bool twin_host_is_dom0_ram(u64 vpage, u64 host);
/* the running CPU's primary stack, where the instance runs (svm_xen.c) */
uint64_t twin_primary_stack_bottom(void);

/* vm_access.c: every support-code access to driver-VM memory. */
extern uint64_t twin_c_hits;

/*
 * A host pointer for @size bytes at @va, which must not cross a page:
 * the probe twinc emits, in C, inline; svm_translate() on a miss, and for
 * the runtime's own frames, which svm_translate() refuses.
 */
static inline void *vm_ptr(uint64_t va, unsigned int size, bool write)
{
    const struct svm_tlb_entry *e =
        &__svm_tlbp[(va >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];
    uint64_t off = va - (write ? e->wtag : e->tag);

    if ( likely(off <= SVM_PAGE_SIZE - size) && !svm_runtime_frame(va) )
    {
        twin_c_hits++;
        return (void *)(unsigned long)(e->host + off);
    }

    return (void *)(unsigned long)svm_translate(va, size |
                                                (write ? SVM_WRITE : 0));
}
uint64_t vm_read(uint64_t va, unsigned int size);
void vm_write(uint64_t va, unsigned int size, uint64_t val);
bool vm_copy_in(void *dst, uint64_t va, size_t n);
bool vm_copy_out(uint64_t va, const void *src, size_t n);
bool vm_set(uint64_t va, int c, size_t n);
bool vm_cmpxchg(uint64_t va, unsigned int size, uint64_t *old, uint64_t new);

#define vm_rd64(va)         vm_read(va, 8)
#define vm_rd32(va)         ((uint32_t)vm_read(va, 4))
#define vm_rd16(va)         ((uint16_t)vm_read(va, 2))
#define vm_rd8(va)          ((uint8_t)vm_read(va, 1))
#define vm_wr64(va, v)      vm_write(va, 8, v)
#define vm_wr32(va, v)      vm_write(va, 4, v)
#define vm_wr16(va, v)      vm_write(va, 2, v)
#define vm_wr8(va, v)       vm_write(va, 1, v)

/* entry.c */
void twin_entry_init(void);
long twin_xmit(uint64_t skb);
long twin_guest_xmit(uint64_t skb, bool more);
void twin_vif_schedule_tx(void);
long twin_selftest(unsigned long kind);
bool twin_pirq_intercept(struct domain *d, struct pirq *pirq);
void twin_disable(unsigned int reason, uint64_t where);
void twin_abort(unsigned int reason, uint64_t where);
/* an effect refused: the entry runs on, the instance is disabled after it */
void twin_refuse(unsigned int reason, uint64_t where);
void twin_kick(void);
bool twin_quiesce(struct twin_detach *out);
void twin_schedule_poll(void);
bool twin_fault_fixup(struct cpu_user_regs *regs);
void twin_watchdog_tick(struct cpu_user_regs *regs);
long twin_call(void *fn, long a0, long a1, unsigned long *saved_sp);
/* The running entry's stack pointer at twin_call, or 0 outside one. */
unsigned long twin_entry_sp(void);

/* upcall.c */
bool twin_upcall_post(uint32_t id, const uint64_t *args, unsigned int n);
unsigned int twin_upcall_room(void);
void twin_upcall_flush(void);
uint64_t twin_upcall_translate(uint64_t arg);

/* pool.c */
int twin_pool_attach(void);
void twin_pool_detach(void);
uint64_t twin_pool_frag(unsigned int fragsz);
uint64_t twin_pool_build(uint64_t head, unsigned int frag_size);
uint64_t twin_pool_skb(unsigned int len);
uint64_t twin_pool_small(unsigned int len);
void twin_pool_frag_freed(uint64_t addr);
bool twin_pool_recycle(uint64_t skb);
void twin_pool_forget(uint64_t skb);
struct twin_pool_skb;
bool twin_pool_keep(uint64_t skb, struct twin_pool_skb *out);
void twin_pool_reuse(const struct twin_pool_skb *p);

/* skb_freed.c */
void twin_skb_freed_reset(void);
bool twin_skb_free(uint64_t skb);
void twin_skb_enters(uint64_t skb);

/* dma_record.c */
int twin_dma_record_attach(void);
void twin_dma_allow(mfn_t mfn, unsigned long count);
bool twin_dma_allowed(mfn_t mfn);
long twin_dma_frames(struct twin_dma_frames *q);
void twin_dma_mark(void);

/*
 * Is slot @i in [from, to) of a ring of @count descriptors (the e1000
 * family's head and tail arithmetic: from == to is empty)?
 */
static inline bool twin_ring_in_span(uint32_t i, uint32_t from, uint32_t to,
                                     uint32_t count)
{
    return count && (i - from + count) % count < (to - from + count) % count;
}

/*
 * The slot of a buffer address (64-byte aligned) in a table of 2^@bits:
 * the top bits of a Fibonacci product.  Its low bits, which a modulo
 * takes, depend only on the address's low bits, and buffers at the same
 * offsets of their pages then pile onto a few slots.
 */
static inline unsigned int twin_addr_slot(uint64_t addr, unsigned int bits)
{
    return ((addr >> 6) * 0x9e3779b97f4a7c15ULL) >> (64 - bits);
}

/* desc_guard.c */
int twin_desc_guard_attach(void);
void twin_desc_guard_detach(void);
bool twin_desc_guard_page(unsigned long idx);
void twin_desc_guard_mapped(uint64_t addr, uint64_t len, bool device_writes);
void twin_desc_guard_unmapped(uint64_t addr, bool device_writes);

#endif /* __TWIN_H__ */
