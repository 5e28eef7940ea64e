/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few things the SVM core needs from its environment, so the same
 * svm.c compiles into Xen (hv/xen/, with __XEN__) and into the host's user
 * space for the differential tests.  Each world implements svm_pt_lookup():
 * Xen walks the driver VM's page tables and checks frame ownership; the
 * user-space port looks the page up in a table the test gives it.
 */
#ifndef SVM_PORT_H
#define SVM_PORT_H

#ifdef __XEN__
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/types.h>
#include <asm/processor.h>
#define svm_log(fmt, ...)	printk(XENLOG_WARNING "svm: " fmt, ##__VA_ARGS__)
#define svm_fatal(why)		panic("twin instance: %s\n", why)
/* where the first refusal happened: Xen's call trace names the site */
#define svm_log_context()	dump_execution_state()
#else
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef uint64_t u64;
typedef uint32_t u32;
#define svm_log(fmt, ...)	fprintf(stderr, "svm: " fmt, ##__VA_ARGS__)
#define svm_fatal(why)		(fprintf(stderr, "svm: fatal: %s\n", why), abort())
#define svm_log_context()	((void)0)
#endif

/*
 * Host address of the page holding driver-VM virtual page @vpage (page
 * aligned), or 0 if the access must be refused (not the driver VM's
 * memory nor the device's MMIO window, or not writable for a write).
 */
u64 svm_pt_lookup(u64 vpage, bool write);

/*
 * Set in svm_pt_lookup()'s result (host addresses are page aligned) for a
 * page only part of which the access may reach: never cached, each
 * access checked by svm_pt_access_ok().  (Xen: the hypervisor stack page
 * that holds both the instance's frames and Xen's own.)
 */
#define SVM_PT_EXACT	1ULL
bool svm_pt_access_ok(u64 va, unsigned size, bool write);

/*
 * Set in svm_pt_lookup()'s result for a write (host addresses are page
 * aligned) to a page whose writes the port emulates: never cached for
 * writes (reads may be), each write one naturally aligned access of at
 * most 8 bytes inside the page, else refused.  The instruction runs on a
 * staging buffer the port prefills (svm_pt_emulate_begin(): the old value
 * a read-modify-write sees), and svm_miss_done() hands the bytes written
 * to svm_pt_emulate_write(), which performs, changes or drops the write;
 * false refuses the access.  (Xen: the device registers that hand
 * descriptors to the device, hv/xen/desc_guard.c.)
 */
#define SVM_PT_EMULATE	2ULL
void svm_pt_emulate_begin(u64 va, u64 host, void *buf, unsigned size);
bool svm_pt_emulate_write(u64 va, u64 host, const void *buf, unsigned size);

/*
 * The TLB is about to cache (pin) or drop (release) the translation of
 * @vpage to @host, @writable if it caches writes too.  Xen holds a
 * reference on the frame while it is cached, so the driver VM cannot free
 * it and have it reused by another domain behind the TLB's back, and a
 * writable type reference for a writable entry, so the frame cannot
 * become a page table while the instance can write it (Xen drops the
 * entry first: svm_flush_host()).  Pin fails if the frame changed owner
 * meanwhile, or (@writable) is not ordinary writable memory.
 */
bool svm_pt_pin(u64 vpage, u64 host, bool writable);
void svm_pt_release(u64 vpage, u64 host, bool writable);

/*
 * Is @va on the stack the instance runs on (and the runtime with it)?
 * svm_runtime_frame() (svm.h) refuses the part of it below the instance.
 */
bool svm_pt_instance_stack(u64 va);

#endif
