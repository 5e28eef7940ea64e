/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software Virtual Memory: the runtime half of what twinc emits.
 *
 * The TLB is direct-mapped and tagged by driver-VM virtual page.  twinc's
 * inline probe computes entry = __svm_tlbp + ((va >> 12) & (N-1)) * 32,
 * takes off = va - entry->tag (reads) or va - entry->wtag (writes, and
 * read-modify-writes) and hits when off <= 4096 - size, so a page-crossing
 * access always misses; then it uses entry->host + off.  A page the driver
 * VM may only read is cached with wtag invalid: writes to it miss, and the
 * miss handler refuses them.
 * The geometry here must match hv/derive/twinc.h.
 */
#ifndef SVM_H
#define SVM_H

#include "svm_port.h"

#define SVM_TLB_BITS	12
#define SVM_TLB_SIZE	(1 << SVM_TLB_BITS)
#define SVM_PAGE_SHIFT	12
#define SVM_PAGE_SIZE	(1UL << SVM_PAGE_SHIFT)
/* A tag no canonical address can hit; its host is the sink page. */
#define SVM_TAG_INVALID	0x8000000000000000UL

/*
 * The miss path's "info" word: access size in the low bits, SVM_WRITE for
 * a write; small so twinc can push it as an 8-bit immediate.  Matches
 * hv/derive/rewrite.c.
 */
#define SVM_SIZE_MASK	0x3f
#define SVM_WRITE	0x40

struct svm_tlb_entry {
	u64 tag;		/* driver-VM virtual page, for reads */
	u64 host;		/* host address of that page */
	u64 wtag;		/* the same page if writable, else invalid */
	u64 pad;		/* 32-byte entries: index = page * 32 */
};

struct svm_stats {
	u64 misses, fills, crossings, bounces, refusals;
	u64 bugs, warns, upcalls, denied, dispatch_refused, rep_ops;
	u64 sunk;		/* accesses sent to the sink once disabled */
	u64 emulated;		/* writes handed to the port (SVM_PT_EMULATE) */
	u64 last_refused;	/* address of the last refusal */
};

extern struct svm_tlb_entry *__svm_tlbp;	/* the probe's TLB */
extern u64 __twin_vm_percpu_base;		/* driver VM's per-CPU base */
extern struct svm_stats svm_stats;
/*
 * TLB hits, counted by the probes themselves when twinc derived them with
 * --count-hits ("incq __svm_hits(%rip)" on every hit path; not atomic, so
 * with several CPUs in one instance a count can be lost).  Probes executed
 * = __svm_hits + the probe misses, which svm_stats.misses counts together
 * with the translations of the rep helpers.
 */
extern u64 __svm_hits;
extern bool svm_disabled;			/* set by any refusal */

/*
 * The shadow return stack.  SVM maps the CPU's stack 1:1 (GCC passes
 * pointers to locals), so a driver pointer can reach a return address in
 * the instance's own frames.  twinc makes every derived function record
 * its return address here at entry ("push unit") and leave only by a
 * return or tail call that finds the same address in its slot ("pop
 * unit"); the machine-code verifier checks both units and that every
 * activation pushes and pops exactly once.  This memory is the runtime's,
 * which SVM never maps.  __twin_rsp is the next free entry; entry 0 is a
 * non-canonical sentinel that no return can match.  An entry from the
 * runtime saves __twin_rsp and puts it back when the instance returns or
 * is aborted.
 */
#define SVM_RS_DEPTH	1024
/*
 * The instance's %rsp where it last called into the runtime (the slot of
 * that call's return address), set by every entry of svm_entry.S and by
 * the stubs of the policy's hv bindings (hv/payload/payload.mk): the
 * runtime's own frames lie below it.
 */
extern u64 __twin_call_sp;

/*
 * Does an access from @va on reach the runtime's own frames: the stack
 * the instance runs on, below __twin_call_sp + 8 (the return address
 * included)?  The TLB caches whole pages of that stack, so the runtime
 * asks before every access it makes for the instance (bulk copies,
 * support code), hit or miss: a pointer the instance hands over must not
 * reach the frames of the code using it.  The compare comes first: the
 * driver VM's addresses lie above the runtime's stacks (Xen: dom0's
 * kernel half above Xen's directmap), so they never pay the port's call.
 */
static inline bool svm_runtime_frame(u64 va)
{
	return va < __twin_call_sp + 8 && svm_pt_instance_stack(va);
}
extern u64 *__twin_rsp;
extern u64 *const __twin_rs_end;
/*
 * The lowest %rsp the instance may reach: each push unit checks its
 * function's whole frame against it.  Below it, the stack is the
 * runtime's (its trampolines, support code, Xen's interrupts); Xen sets it
 * per entry (run_on()), 0 elsewhere (no bound).
 */
extern u64 __twin_stack_min;
/*
 * Why __twin_rs_fail (svm_entry.S) was reached, from the %r11 of the
 * failed unit: a push unit's (calls nested too deep for the shadow stack
 * or for the stack) as a sentence; NULL for a pop unit's (the slot no
 * longer holds the return address the shadow stack does, r11).
 */
const char *svm_rs_refusal(u64 r11);

void svm_init(void);
void svm_flush(void);
void svm_flush_page(u64 page);
unsigned svm_flush_host(u64 host);
void svm_disable(void);
u64 svm_try_translate(u64 va, bool write);

/* Called by the assembly trampolines in svm_entry.S. */
u64 svm_translate(u64 va, u64 info);
/*
 * [va, va + bytes) inside one page, for bulk copies: the TLB's entry, or
 * translated and checked for the whole range; the sink after a refusal.
 */
u64 svm_translate_piece(u64 va, unsigned bytes, bool write);
void svm_miss_done(void);
bool svm_write_bounced(void);
u64 svm_wfix_missing(void);
void svm_rep_stos(u64 dst, u64 val, u64 count);
void svm_rep_movs(u64 dst, u64 src, u64 count);

#endif
