// SPDX-License-Identifier: GPL-2.0
/*
 * Attack on the TLB's invalidation: the instance caches a writable
 * translation of a driver-VM page, then the driver VM write-protects the
 * page and makes it a page table.  A TLB entry that outlived the change
 * would let the instance write the page table (in Xen: map any frame into
 * dom0).  The entry must hold a writable type reference, so the page
 * cannot change type under it, and the type change must drop the entry
 * (svm_flush_host()), after which a write is refused and not performed.
 * A read fill of a page that is already a table caches it read-only.
 *
 * usage: retype_stale_write   exit 0 and "ok" when the attack failed
 */
#include <sys/mman.h>

#include "svm.h"
#include "svm_user.h"

#define VA	0x20000000UL
#define VA2	0x30000000UL
#define INFO_W8	(SVM_WRITE | 8)

static int fail(const char *why)
{
	printf("%s\n", why);
	return 1;
}

int main(void)
{
	u64 *p = mmap(NULL, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 *q = mmap(NULL, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 host, h;

	if (p == MAP_FAILED || q == MAP_FAILED)
		return 2;
	host = (u64)(unsigned long)p;
	svm_init();
	if (svm_user_map(VA, host, SVM_PAGE_SIZE, true))
		return 2;

	/* a read fill of a writable page caches writability: a type reference */
	if (!svm_try_translate(VA + 8, false) || svm_user_writable_refs(host) != 1)
		return fail("a writable entry holds no writable type reference");

	/* the driver VM write-protects the page and makes it a page table */
	if (svm_user_map(VA, host, SVM_PAGE_SIZE, false))
		return 2;
	if (svm_user_make_table(host))
		return fail("the page could not become a table: the TLB kept its reference");
	if (svm_user_writable_refs(host))
		return fail("a writable type reference outlived the type change");
	if (svm_try_translate(VA + 8, true))
		return fail("a stale writable translation of a page table");
	*(volatile u64 *)(unsigned long)svm_translate(VA + 16, INFO_W8) = 0x4141414141414141UL;
	if (p[2] || !svm_stats.refusals)
		return fail("a write to the page table was performed or not refused");

	/* a page table mapped writable (a lying page table): read-only entry */
	svm_flush();
	svm_init();
	if (svm_user_map(VA2, (u64)(unsigned long)q, SVM_PAGE_SIZE, true) ||
	    svm_user_make_table((u64)(unsigned long)q))
		return 2;
	h = svm_try_translate(VA2, false);
	if (!h || svm_user_writable_refs((u64)(unsigned long)q))
		return fail("a table page's read fill took a writable reference");
	if (svm_try_translate(VA2, true))
		return fail("a table page translated for a write");
	printf("ok\n");
	return 0;
}
