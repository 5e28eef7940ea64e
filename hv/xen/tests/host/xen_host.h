/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of Xen, in the host's user space, to compile the runtime's
 * descriptor check (hv/xen/desc_guard.c) unchanged and attack it: the
 * <xen/...> and <asm/io.h> headers here all include this one.
 *
 * Machine memory is one host array (host_mem), a frame's owner and type
 * are a table beside it, the NIC's BAR is a plain register file: the
 * attacks (the programs in hv/xen/tests) build dom0's rings in it, play the instance
 * (mappings, descriptor writes, tail writes through the emulation hook)
 * and look at what the NIC would be handed.
 */
#ifndef XEN_HOST_H
#define XEN_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef uint64_t paddr_t;

#define __iomem
#define likely(x)           __builtin_expect(!!(x), 1)
#define unlikely(x)         __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)       (sizeof(a) / sizeof((a)[0]))
#define min(a, b)           ((a) < (b) ? (a) : (b))
#define ACCESS_ONCE(x)      (*(volatile __typeof__(x) *)&(x))
#define smp_rmb()           __asm__ __volatile__("" ::: "memory")

#define PAGE_SHIFT          12
#define PAGE_SIZE           (1UL << PAGE_SHIFT)
#define PAGE_MASK           (~(PAGE_SIZE - 1))
#define PFN_DOWN(x)         ((x) >> PAGE_SHIFT)
#define PFN_UP(x)           (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PADDR_BITS          52
#define PADDR_MASK          ((1UL << PADDR_BITS) - 1)

typedef struct { unsigned long m; } mfn_t;
#define _mfn(x)             ((mfn_t){ (x) })
static inline unsigned long mfn_x(mfn_t m) { return m.m; }
#define maddr_to_mfn(ma)    _mfn((ma) >> PAGE_SHIFT)

typedef struct { int taken; } spinlock_t;
struct timer { int unused; };
struct pirq;
struct cpu_user_regs;
struct domain { int domain_id; };

/* page types: what buffer_ok() tells apart */
#define PGT_none            (0UL << 61)
#define PGT_l1_page_table   (1UL << 61)
#define PGT_seg_desc_page   (6UL << 61)
#define PGT_writable_page   (7UL << 61)
#define PGT_type_mask       (7UL << 61)

struct page_info {
    struct domain *owner;
    union {
        struct {
            unsigned long type_info;
        } inuse;
    } u;
};

/* The host's stand-in for machine memory: HOST_FRAMES frames. */
#define HOST_FRAMES         4096UL              /* 16 MB */
extern uint8_t *host_mem;
extern struct page_info host_pages[HOST_FRAMES];
extern struct domain *dom_xen, *dom_io, *dom_idle;

#define mfn_valid(mfn)          (mfn_x(mfn) < HOST_FRAMES)
#define mfn_to_page(mfn)        (&host_pages[mfn_x(mfn)])
#define page_get_owner(pg)      ((pg)->owner)
#define is_idle_domain(d)       ((d) == dom_idle)
#define arch_mfns_in_directmap(m, n) ((m) + (n) <= HOST_FRAMES)
#define maddr_to_virt(ma)       ((void *)(host_mem + (ma)))
#define virt_to_maddr(va)       ((paddr_t)((const uint8_t *)(va) - host_mem))
#define map_domain_page(mfn)    ((void *)(host_mem + (mfn_x(mfn) << PAGE_SHIFT)))
#define unmap_domain_page(p)    ((void)(p))
void *alloc_xenheap_pages(unsigned int order, unsigned int memflags);

static inline uint8_t readb(const volatile void *a) { return *(const volatile uint8_t *)a; }
static inline uint32_t readl(const volatile void *a) { return *(const volatile uint32_t *)a; }
static inline void writeb(uint8_t v, volatile void *a) { *(volatile uint8_t *)a = v; }
static inline void writew(uint16_t v, volatile void *a) { *(volatile uint16_t *)a = v; }
static inline void writel(uint32_t v, volatile void *a) { *(volatile uint32_t *)a = v; }
static inline void writeq(uint64_t v, volatile void *a) { *(volatile uint64_t *)a = v; }

#endif /* XEN_HOST_H */
