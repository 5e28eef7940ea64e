// SPDX-License-Identifier: GPL-2.0
/*
 * SVM core: TLB fill on a miss, page-crossing accesses, refusals.  Shared
 * by Xen and the host tests; see svm_port.h for what each world supplies.
 *
 * One instance runs at a time per TLB, so the bounce state below is not
 * per-CPU yet; the Xen side gives each pCPU its own copy when it needs it.
 */
#include "svm.h"

static struct svm_tlb_entry svm_tlb[SVM_TLB_SIZE] __attribute__((aligned(64)));
struct svm_tlb_entry *__svm_tlbp = svm_tlb;
u64 __twin_vm_percpu_base;
struct svm_stats svm_stats;
u64 __svm_hits;
bool svm_disabled;

/*
 * Refused accesses go to the sink instead of faulting: reads see zeroes,
 * writes vanish.  Big enough for the widest access that can cross a page.
 */
static unsigned char sink[2 * SVM_PAGE_SIZE] __attribute__((aligned(4096)));

/* A page-crossing access whose two pages are not adjacent on the host. */
static unsigned char bounce[64] __attribute__((aligned(64)));
static struct {
	u64 h1, h2;		/* host addresses of the two pieces */
	unsigned n1, n2;	/* their lengths */
	bool pending;		/* a write to copy back */
} bst;

void svm_flush(void)
{
	int i;

	for (i = 0; i < SVM_TLB_SIZE; i++) {
		svm_tlb[i].tag = SVM_TAG_INVALID;
		svm_tlb[i].wtag = SVM_TAG_INVALID;
		svm_tlb[i].host = (u64)(unsigned long)sink;
	}
}

void svm_init(void)
{
	memset(&svm_stats, 0, sizeof(svm_stats));
	__svm_hits = 0;
	svm_disabled = false;
	bst.pending = false;
	svm_flush();
}

/*
 * The write tag of a read-only page.  A probe hits when va - wtag <= 4096 -
 * size, i.e. for va in [wtag, wtag + 4096): with SVM_TAG_INVALID itself,
 * 0x8000000000000000 + offset (no canonical address, but the driver can
 * compute one) would hit entry 0's read-only page for a write.  This tag
 * is not canonical either and has the index of another entry, so every
 * address that could match it looks up that other entry instead.
 */
static u64 svm_no_wtag(u64 page)
{
	return SVM_TAG_INVALID |
	       ((page ^ SVM_PAGE_SIZE) & ((u64)(SVM_TLB_SIZE - 1) << SVM_PAGE_SHIFT));
}

static u64 refuse(u64 va)
{
	if (!svm_stats.refusals)
		svm_log("refused access to %#llx; instance disabled\n",
			(unsigned long long)va);
	svm_stats.refusals++;
	svm_stats.last_refused = va;
	svm_disabled = true;
	memset(sink, 0, sizeof(sink));
	return (u64)(unsigned long)sink;
}

u64 svm_translate(u64 va, u64 info)
{
	unsigned size = info & SVM_SIZE_MASK;
	bool write = info & SVM_WRITE;
	u64 page = va & ~(SVM_PAGE_SIZE - 1);
	u64 last = (va + size - 1) & ~(SVM_PAGE_SIZE - 1);
	u64 h1, h2;
	unsigned n1;

	svm_stats.misses++;
	if (!size || size > sizeof(bounce) || va + size < va)
		return refuse(va);
	h1 = svm_pt_lookup(page, write);
	if (!h1)
		return refuse(va);
	if (last == page) {
		struct svm_tlb_entry *e =
			&svm_tlb[(page >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];
		/* a read fill also caches writability, so writes hit too */
		bool writable = write || svm_pt_lookup(page, true) == h1;

		e->tag = page;
		e->wtag = writable ? page : svm_no_wtag(page);
		e->host = h1;
		svm_stats.fills++;
		return h1 + (va - page);
	}
	svm_stats.crossings++;
	h2 = svm_pt_lookup(last, write);
	if (!h2)
		return refuse(last);
	if (h2 == h1 + SVM_PAGE_SIZE)
		return h1 + (va - page);
	/* Not adjacent on the host: run the access on a copy. */
	n1 = last - va;
	bst.h1 = h1 + (va - page);
	bst.h2 = h2;
	bst.n1 = n1;
	bst.n2 = size - n1;
	memcpy(bounce, (void *)(unsigned long)bst.h1, bst.n1);
	memcpy(bounce + n1, (void *)(unsigned long)bst.h2, bst.n2);
	bst.pending = write;
	svm_stats.bounces++;
	return (u64)(unsigned long)bounce;
}

/* Did the last translation send a write to the bounce buffer? */
bool svm_write_bounced(void)
{
	return bst.pending;
}

/* A bounced write from a site with no fix-up path: never performed. */
u64 svm_wfix_missing(void)
{
	bst.pending = false;
	return refuse(bst.h1);
}

void svm_miss_done(void)
{
	if (!bst.pending)
		return;
	memcpy((void *)(unsigned long)bst.h1, bounce, bst.n1);
	memcpy((void *)(unsigned long)bst.h2, bounce + bst.n1, bst.n2);
	bst.pending = false;
}

/*
 * rep stosq / rep movsq on driver-VM addresses: one translation per page
 * piece; a qword that straddles two pages goes through svm_translate()
 * and its bounce like any crossing access.  A refused piece lands in the
 * sink, which is two pages long, so a page piece always fits.
 */
static u64 piece(u64 va, u64 bytes)
{
	u64 room = SVM_PAGE_SIZE - (va & (SVM_PAGE_SIZE - 1));

	return bytes < room ? bytes : room;
}

void svm_rep_stos(u64 dst, u64 val, u64 count)
{
	svm_stats.rep_ops++;
	while (count) {
		u64 n = piece(dst, count * 8) / 8, i;
		u64 *d;

		if (!n) {	/* a qword across the page boundary */
			d = (u64 *)(unsigned long)svm_translate(dst, 8 | SVM_WRITE);
			*d = val;
			svm_miss_done();
			n = 1;
		} else {	/* n qwords inside one page (or the sink) */
			d = (u64 *)(unsigned long)svm_translate(dst, 8 | SVM_WRITE);
			for (i = 0; i < n; i++)
				d[i] = val;
		}
		dst += n * 8;
		count -= n;
	}
}

void svm_rep_movs(u64 dst, u64 src, u64 count)
{
	svm_stats.rep_ops++;
	while (count) {
		u64 n = piece(dst, count * 8), m = piece(src, count * 8), i;
		u64 *d, *s;

		n = (n < m ? n : m) / 8;
		if (!n) {	/* a qword across a page boundary */
			u64 v = *(u64 *)(unsigned long)svm_translate(src, 8);

			svm_miss_done();
			*(u64 *)(unsigned long)svm_translate(dst, 8 | SVM_WRITE) = v;
			svm_miss_done();
			n = 1;
		} else {
			s = (u64 *)(unsigned long)svm_translate(src, 8);
			d = (u64 *)(unsigned long)svm_translate(dst, 8 | SVM_WRITE);
			/* element by element, forward, as movsq does */
			for (i = 0; i < n; i++)
				d[i] = s[i];
		}
		src += n * 8;
		dst += n * 8;
		count -= n;
	}
}
