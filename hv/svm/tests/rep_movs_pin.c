// SPDX-License-Identifier: GPL-2.0
/*
 * Attack on svm_rep_movs(): a source and a destination page that share a
 * slot of the direct-mapped TLB.  Translating the destination evicts the
 * source's entry, and with it the pin that kept the source frame the
 * driver VM's (in Xen, a page reference).  The copy must not read through
 * a translation it no longer holds: here a released page is made
 * inaccessible (svm_user_strict_pins), so such a read is a SIGSEGV.
 *
 * usage: rep_movs_pin   exit 0 and "ok" when the copy is right
 */
#include <sys/mman.h>

#include "svm.h"
#include "svm_user.h"

#define SRC_VA	0x10000000UL
/* the same TLB slot, SVM_TLB_SIZE pages further */
#define DST_VA	(SRC_VA + (u64)SVM_TLB_SIZE * SVM_PAGE_SIZE)
#define QWORDS	300	/* more than one bounce of the copy, inside one page */

int main(void)
{
	u64 *src = mmap(NULL, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 *dst = mmap(NULL, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (src == MAP_FAILED || dst == MAP_FAILED)
		return 2;
	for (i = 0; i < QWORDS; i++)
		src[i] = 0x5a5a000000000000UL + i;
	svm_init();
	if (svm_user_map(SRC_VA, (u64)(unsigned long)src, SVM_PAGE_SIZE, false) ||
	    svm_user_map(DST_VA, (u64)(unsigned long)dst, SVM_PAGE_SIZE, true))
		return 2;
	svm_user_strict_pins(true);
	svm_rep_movs(DST_VA + 8, SRC_VA + 16, QWORDS - 2);
	svm_flush();
	svm_user_strict_pins(false);
	mprotect(src, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE);
	mprotect(dst, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE);
	for (i = 0; i < QWORDS - 2; i++)
		if (dst[1 + i] != src[2 + i]) {
			printf("qword %d: %#llx, want %#llx\n", i, (unsigned long long)dst[1 + i],
			       (unsigned long long)src[2 + i]);
			return 1;
		}
	printf("ok\n");
	return 0;
}
