// SPDX-License-Identifier: GPL-2.0
/*
 * Attack on the runtime's own frames: SVM maps the stack the instance
 * runs on 1:1, and the TLB caches whole pages of it, so a pointer the
 * instance hands to the runtime can aim below the instance's %rsp, where
 * the runtime's frames are while it runs.  Here svm_rep_movs() (rep movsq
 * in the instance) is asked to copy over its own frame and return address,
 * after the instance touched the page (the TLB caches it): the copy must
 * be refused, not performed; the instance's own frames stay reachable.
 *
 * usage: runtime_frame   exit 0 and "ok" when the attack failed
 */
#include "svm.h"
#include "svm_user.h"

#define STACK_SPAN	(64 * 1024)
#define QWORDS		48	/* 384 bytes: svm_rep_movs's buffer, its caller's frame */

static u64 src[QWORDS] __attribute__((aligned(4096)));

/* The instance's side: its %rsp as the trampolines record it, then the call. */
static __attribute__((noinline)) int attack(void)
{
	u64 sp, own[4] = { 1, 2, 3, 4 };
	volatile u64 *p;

	asm volatile("movq %%rsp, %0" : "=r"(sp));
	/* the instance's access to its own frame fills the TLB with the page */
	p = (u64 *)(unsigned long)svm_translate((u64)(unsigned long)&own[1], 8);
	if (p != &own[1] || *p != 2)
		return 1;
	__twin_call_sp = sp - 8;	/* a call's return address slot */
	svm_rep_movs(sp - 400, (u64)(unsigned long)src, QWORDS);
	if (svm_stats.refusals != 1 || !svm_disabled)
		return 2;
	return 0;
}

int main(void)
{
	u64 sp = (u64)(unsigned long)__builtin_frame_address(0) & ~4095UL;
	int i, rc;

	for (i = 0; i < QWORDS; i++)
		src[i] = 0x4141414141414141UL;
	svm_init();
	if (svm_user_map(sp - STACK_SPAN, sp - STACK_SPAN, STACK_SPAN + 4096, true) ||
	    svm_user_map((u64)(unsigned long)src, (u64)(unsigned long)src, sizeof(src), false))
		return 3;
	svm_user_stack(sp - STACK_SPAN, sp + 4096);
	rc = attack();
	if (rc)
		return 10 + rc;
	puts("ok");
	return 0;
}
