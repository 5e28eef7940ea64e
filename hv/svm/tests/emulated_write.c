// SPDX-License-Identifier: GPL-2.0
/*
 * Writes to a page the port emulates (SVM_PT_EMULATE; Xen: the device
 * registers that hand descriptors to the NIC) must never reach the page
 * by themselves: each runs on the staging buffer and the port decides
 * (here: performs the write to "tail", refuses any other), reads are
 * cached as usual, and the page is never cached for writes, so a second
 * write is emulated too.  A misaligned, page-crossing or bulk write to it
 * is refused.
 *
 * usage: emulated_write   exit 0 and "ok" when every write went through the port
 */
#include "svm.h"
#include "svm_user.h"

#define VA	0x7f0000002000ULL
#define TAIL	0x818

static unsigned char regs[4096] __attribute__((aligned(4096)));
static unsigned calls;

static bool hook(u64 va, u64 host, const void *buf, unsigned size)
{
	calls++;
	if (va != VA + TAIL || size != 4)
		return false;
	memcpy((void *)(unsigned long)host, buf, size);
	return true;
}

/* A site's write as twinc emits it: translate, store, miss done. */
static void store32(u64 va, u32 v)
{
	*(volatile u32 *)(unsigned long)svm_translate(va, 4 | SVM_WRITE) = v;
	svm_miss_done();
}

int main(void)
{
	u32 *tail = (u32 *)(regs + TAIL);

	svm_init();
	if (svm_user_map_emulated(VA, (u64)(unsigned long)regs, hook))
		return 3;
	store32(VA + TAIL, 7);
	if (*tail != 7 || calls != 1)
		return 10;
	/* a read fills the TLB read-only: it sees the page, writes still miss */
	if (*(u32 *)(unsigned long)svm_translate(VA + TAIL, 4) != 7)
		return 11;
	store32(VA + TAIL, 9);
	if (*tail != 9 || calls != 2 || svm_disabled)
		return 12;
	if (__svm_tlbp[(VA >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)].wtag == VA)
		return 13;
	/* any other register: the port refuses, nothing is written */
	store32(VA + 0x800, 5);
	if (*(u32 *)(regs + 0x800) || calls != 3 || !svm_disabled || svm_stats.refusals != 1)
		return 14;
	/* misaligned, crossing, bulk: refused before the port sees them */
	svm_init();
	store32(VA + TAIL + 2, 5);
	if (calls != 3 || !svm_disabled || *tail != 9)
		return 15;
	svm_init();
	store32(VA + 4094, 5);
	if (calls != 3 || !svm_disabled)
		return 16;
	svm_init();
	svm_rep_stos(VA + TAIL, 0, 1);
	if (calls != 3 || !svm_disabled || *tail != 9)
		return 17;
	puts("ok");
	return 0;
}
