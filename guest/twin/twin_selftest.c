// SPDX-License-Identifier: GPL-2.0
/*
 * TWIN_SELFTEST_RETYPE: Xen's SVM TLB must never keep a writable
 * translation of a page dom0 turns into a page table (hv/xen/svm_xen.c,
 * hv/patches/0010).  dom0 allocates a page, has the instance's TLB cache
 * it writable (TWIN_OP_SVM_PROBE), write-protects its only mapping and
 * pins it as an L1 table, as Linux does with a freed page it reuses for a
 * page table.  The pin must succeed (the TLB let go of its writable type
 * reference), and after it the instance must get no write translation of
 * the page, only a read-only one.  Everything is undone after.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "twin.h"

static int probe(unsigned long va, bool write, struct twin_svm_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->va = va;
	p->write = write;
	return twin_hypercall(TWIN_OP_SVM_PROBE, p);
}

static int pin_op(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* The instance's view of the page table: @va pinned as one. */
static int check_pinned(unsigned long va)
{
	struct twin_svm_probe p;
	int rc;

	rc = probe(va, true, &p);
	if (rc)
		return rc;
	if (p.translated || p.typed) {
		pr_err("twin: selftest retype: a page table stays writable to the instance\n");
		return -EIO;
	}
	rc = probe(va, false, &p);
	if (rc)
		return rc;
	if (!p.translated || p.typed) {
		pr_err("twin: selftest retype: a page table's read translation is %s\n",
		       p.typed ? "writable" : "missing");
		return -EIO;
	}
	return 0;
}

int twin_selftest_retype(void)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	unsigned long va, mfn;
	struct twin_svm_probe p;
	bool untyped;
	int rc;

	if (!page)
		return -ENOMEM;
	va = (unsigned long)page_address(page);
	mfn = pfn_to_mfn(page_to_pfn(page));
	rc = probe(va, true, &p);
	if (rc)
		goto out;
	if (!p.translated)
		pr_err("twin: selftest retype: no write translation of a writable page\n");
	else if (!p.typed)	/* go on: is the translation left stale too? */
		pr_err("twin: selftest retype: a write translation without its type reference\n");
	untyped = !p.translated || !p.typed;
	rc = HYPERVISOR_update_va_mapping(va, mfn_pte(mfn, PAGE_KERNEL_RO), UVMF_INVLPG);
	if (rc)
		goto out;
	rc = pin_op(MMUEXT_PIN_L1_TABLE, mfn);
	if (rc) {
		pr_err("twin: selftest retype: pinning the page refused (%d)\n", rc);
		rc = -EIO;
	} else {
		rc = check_pinned(va) ?: untyped ? -EIO : 0;
		if (pin_op(MMUEXT_UNPIN_TABLE, mfn)) {
			pr_err("twin: selftest retype: unpin failed: page %#lx leaked\n", va);
			return -EIO;
		}
	}
	if (HYPERVISOR_update_va_mapping(va, mfn_pte(mfn, PAGE_KERNEL), UVMF_INVLPG)) {
		pr_err("twin: selftest retype: page %#lx left read-only: leaked\n", va);
		return -EIO;
	}
out:
	__free_page(page);
	return rc;
}
