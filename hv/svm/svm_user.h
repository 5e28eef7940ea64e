/* SPDX-License-Identifier: GPL-2.0 */
/* Host-only helpers of the SVM runtime (tests). */
#ifndef SVM_USER_H
#define SVM_USER_H

#include "svm.h"

/* Map driver-VM range [va, va+len) to host memory at @host (page granular). */
int svm_user_map(u64 va, u64 host, u64 len, bool write);
/*
 * One page of which only [lo, hi) may be reached: never cached, each
 * access checked (as Xen's stack page shared with the instance).
 */
int svm_user_map_exact(u64 va, u64 host, u64 lo, u64 hi, bool write);
/*
 * One page whose writes are emulated (SVM_PT_EMULATE): reads as mapped,
 * each write handed to @hook, which performs it (or not) and returns
 * false to refuse it.
 */
int svm_user_map_emulated(u64 va, u64 host,
			  bool (*hook)(u64 va, u64 host, const void *buf, unsigned size));
/* Released pages made inaccessible until pinned again (svm_user.c). */
void svm_user_strict_pins(bool on);
/* Writable type references the TLB holds on the host page of @host. */
int svm_user_writable_refs(u64 host);
/*
 * The driver VM turns @host's page into a page table: the TLB's writable
 * entries for it are dropped first (svm_flush_host()); -1 if some stay.
 */
int svm_user_make_table(u64 host);

void twin_bug(u64 info, u64 where);
long twin_upcall(long id, long *args, long *stack);
long twin_denied(long id);
void twin_return_refused(u64 found, u64 expected);
/* [lo, hi): the stack the instance runs on, for svm_pt_instance_stack() */
void svm_user_stack(u64 lo, u64 hi);
long twin_dispatch_refused(u64 target);

#endif
