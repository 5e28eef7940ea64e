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

static u64 svm_rs[SVM_RS_DEPTH] = { 0x8000000000000000ULL };
u64 *__twin_rsp = svm_rs + 1;
u64 *const __twin_rs_end = svm_rs + SVM_RS_DEPTH;
u64 __twin_call_sp;
u64 __twin_stack_min;

const char *svm_rs_refusal(u64 r11)
{
	/* a push unit fails with the free entry in r11, a pop unit with the
	 * return address it expected: code, never the shadow stack */
	if (r11 < (u64)(unsigned long)svm_rs ||
	    r11 > (u64)(unsigned long)(svm_rs + SVM_RS_DEPTH))
		return 0;	/* a null pointer: NULL is not freestanding */
	return __twin_rsp >= __twin_rs_end ? "calls nested deeper than the shadow return stack" :
	       "calls nested deeper than the instance's stack";
}

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
	bool emulate;		/* ... to hand to the port instead (h1, n1) */
	u64 va;			/* the emulated write's driver-VM address */
} bst;

/* Does the entry cache a write translation (fill() sets wtag = tag)? */
static bool entry_writable(const struct svm_tlb_entry *e)
{
	return e->wtag == e->tag;
}

/* Release an entry's hold on its frame and make it miss. */
static void drop(struct svm_tlb_entry *e)
{
	if (e->tag != SVM_TAG_INVALID)
		svm_pt_release(e->tag, e->host, entry_writable(e));
	e->tag = SVM_TAG_INVALID;
	e->wtag = SVM_TAG_INVALID;
	e->host = (u64)(unsigned long)sink;
}

void svm_flush(void)
{
	int i;

	for (i = 0; i < SVM_TLB_SIZE; i++)
		drop(&svm_tlb[i]);
}

/* Drop one page's translation, if cached. */
void svm_flush_page(u64 page)
{
	struct svm_tlb_entry *e =
		&svm_tlb[(page >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];

	if (e->tag == page)
		drop(e);
}

/*
 * Drop every translation to the host page @host (page aligned), whatever
 * the driver-VM address it was cached for: the port is about to let the
 * frame become something the instance must not write (Xen: a page table).
 * Returns how many entries were dropped.
 */
unsigned svm_flush_host(u64 host)
{
	unsigned n = 0;
	int i;

	for (i = 0; i < SVM_TLB_SIZE; i++) {
		if (svm_tlb[i].tag == SVM_TAG_INVALID || svm_tlb[i].host != host)
			continue;
		drop(&svm_tlb[i]);
		n++;
	}
	return n;
}

/*
 * A fresh, empty TLB.  Nothing is released: the TLB must hold nothing
 * (never used, or svm_flush()ed), which is also why the statistics start
 * over only here.
 */
void svm_init(void)
{
	int i;

	memset(&svm_stats, 0, sizeof(svm_stats));
	__svm_hits = 0;
	svm_disabled = false;
	__twin_rsp = svm_rs + 1;
	bst.pending = false;
	bst.emulate = false;
	for (i = 0; i < SVM_TLB_SIZE; i++) {
		svm_tlb[i].tag = SVM_TAG_INVALID;
		svm_tlb[i].wtag = SVM_TAG_INVALID;
		svm_tlb[i].host = (u64)(unsigned long)sink;
	}
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
	if (!svm_stats.refusals) {
		svm_log("refused access to %#llx; instance disabled\n",
			(unsigned long long)va);
		svm_log_context();
	}
	svm_stats.refusals++;
	svm_stats.last_refused = va;
	svm_disabled = true;
	/* from now on every access misses, and goes to the sink */
	svm_flush();
	memset(sink, 0, sizeof(sink));
	return (u64)(unsigned long)sink;
}

/*
 * Cache @page's translation @host in the TLB, taking the port's hold on
 * the frame (svm_pt_pin()) and dropping the one of the entry it replaces.
 * A read fill also caches writability, so writes to the page hit too,
 * unless the port will not hold the frame writable (Xen: it is, or is
 * becoming, a page table): then the entry is read-only.
 */
static bool fill(u64 page, u64 host, bool write)
{
	struct svm_tlb_entry *e =
		&svm_tlb[(page >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];
	bool writable = write || svm_pt_lookup(page, true) == host;

	if (!svm_pt_pin(page, host, writable)) {
		if (write || !writable || !svm_pt_pin(page, host, false))
			return false;
		writable = false;
	}
	drop(e);
	e->tag = page;
	e->wtag = writable ? page : svm_no_wtag(page);
	e->host = host;
	svm_stats.fills++;
	return true;
}

/*
 * The host address of one page of the access [va, va + size), cached; or
 * 0 to refuse.  A page the port marks SVM_PT_EXACT is checked for this
 * access alone and not cached; one it marks SVM_PT_EMULATE (a write the
 * port emulates) comes back with the mark, uncached, for the caller.
 */
static u64 translate_page(u64 page, u64 va, unsigned size, bool write)
{
	u64 h = svm_pt_lookup(page, write);

	if (h & SVM_PT_EXACT)
		return svm_pt_access_ok(va, size, write) ? h & ~SVM_PT_EXACT : 0;
	if (h & SVM_PT_EMULATE) {
		/* reads of the page may be cached (a port may look for its
		 * emulated writes there) */
		if (svm_tlb[(page >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)].tag != page)
			fill(page, h & ~SVM_PT_EMULATE, false);
		return h;
	}
	return h && fill(page, h, write) ? h : 0;
}

/*
 * A write the port emulates: one naturally aligned access inside the page
 * runs on the bounce buffer, which the port prefills; svm_miss_done()
 * hands the result to the port.  Every write site's miss path calls it
 * (an inline probe's always, a write thunk's through its fix-up path,
 * which svm_write_bounced() selects).
 */
static u64 emulate(u64 va, u64 host, unsigned size, bool crossing)
{
	if (crossing || size > 8 || (size & (size - 1)) || (va & (size - 1)))
		return refuse(va);
	bst.va = va;
	bst.h1 = host + (va & (SVM_PAGE_SIZE - 1));
	bst.n1 = size;
	bst.n2 = 0;
	bst.emulate = true;
	bst.pending = true;
	memset(bounce, 0, sizeof(bounce));
	svm_pt_emulate_begin(va, bst.h1, bounce, size);
	return (u64)(unsigned long)bounce;
}

/*
 * A translation for the runtime's own checks (is this the driver VM's
 * memory, where is it): like a miss, filling the TLB, but a page that is
 * not the driver VM's gives 0 instead of a refusal.
 */
u64 svm_try_translate(u64 va, bool write)
{
	u64 page = va & ~(SVM_PAGE_SIZE - 1), h;
	struct svm_tlb_entry *e =
		&svm_tlb[(page >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];

	if (svm_runtime_frame(va))
		return 0;
	if ((write ? e->wtag : e->tag) == page)
		return e->host + (va - page);
	if (svm_disabled)
		return 0;
	h = svm_pt_lookup(page, write);
	if (!h || (h & (SVM_PT_EXACT | SVM_PT_EMULATE)) || !fill(page, h, write))
		return 0;
	return h + (va - page);
}

/* Stop the instance's real accesses now: refusal semantics without one. */
void svm_disable(void)
{
	if (svm_disabled)
		return;
	svm_disabled = true;
	svm_flush();
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
	if (svm_disabled) {	/* no real access after a refusal */
		svm_stats.sunk++;
		memset(sink, 0, sizeof(sink));
		return (u64)(unsigned long)sink;
	}
	if (!size || size > sizeof(bounce) || va + size < va ||
	    svm_runtime_frame(va))
		return refuse(va);
	h1 = translate_page(page, va, size, write);
	if (!h1)
		return refuse(va);
	if (h1 & SVM_PT_EMULATE)
		return emulate(va, h1 & ~SVM_PT_EMULATE, size, last != page);
	if (last == page)
		return h1 + (va - page);
	svm_stats.crossings++;
	h2 = translate_page(last, va, size, write);
	if (!h2 || (h2 & SVM_PT_EMULATE))
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
	u64 at = bst.emulate ? bst.va : bst.h1;

	bst.pending = false;
	bst.emulate = false;
	return refuse(at);
}

void svm_miss_done(void)
{
	if (!bst.pending)
		return;
	if (bst.emulate) {
		bst.pending = false;
		bst.emulate = false;
		svm_stats.emulated++;
		if (!svm_pt_emulate_write(bst.va, bst.h1, bounce, bst.n1))
			refuse(bst.va);
		return;
	}
	memcpy((void *)(unsigned long)bst.h1, bounce, bst.n1);
	memcpy((void *)(unsigned long)bst.h2, bounce + bst.n1, bst.n2);
	bst.pending = false;
}

/*
 * The host address of [va, va + bytes), which lies inside one page: the
 * TLB's if cached, else translated for the whole range (a page only part
 * of which the instance may reach is checked for all of it, not for its
 * first word), or the sink after a refusal.  The runtime's own frames are
 * refused even where the TLB caches their page.
 */
u64 svm_translate_piece(u64 va, unsigned bytes, bool write)
{
	u64 page = va & ~(SVM_PAGE_SIZE - 1), h;
	struct svm_tlb_entry *e =
		&svm_tlb[(page >> SVM_PAGE_SHIFT) & (SVM_TLB_SIZE - 1)];

	bool runtime = svm_runtime_frame(va);

	if (!runtime && (write ? e->wtag : e->tag) == page)
		return e->host + (va - page);
	svm_stats.misses++;
	if (svm_disabled) {
		svm_stats.sunk++;
		memset(sink, 0, sizeof(sink));
		return (u64)(unsigned long)sink;
	}
	h = runtime ? 0 : translate_page(page, va, bytes, write);
	/* bulk writes to an emulated page are not emulated */
	return h && !(h & SVM_PT_EMULATE) ? h + (va - page) : refuse(va);
}

/*
 * rep stosq / rep movsq on driver-VM addresses: one translation per page
 * piece; a qword that straddles two pages goes through svm_translate()
 * and its bounce like any crossing access.  A refused piece lands in the
 * sink, which is two pages long, so a page piece always fits.  Counts are
 * the instance's: bytes are never computed as count * 8, which wraps.
 */
static u64 piece(u64 va, u64 qwords)
{
	u64 room = SVM_PAGE_SIZE - (va & (SVM_PAGE_SIZE - 1));

	return qwords < room / 8 ? qwords * 8 : room;
}

void svm_rep_stos(u64 dst, u64 val, u64 count)
{
	svm_stats.rep_ops++;
	while (count) {
		u64 n = piece(dst, count) / 8, i;
		u64 *d;

		if (!n) {	/* a qword across the page boundary */
			d = (u64 *)(unsigned long)svm_translate(dst, 8 | SVM_WRITE);
			*d = val;
			svm_miss_done();
			n = 1;
		} else {	/* n qwords inside one page (or the sink) */
			d = (u64 *)(unsigned long)svm_translate_piece(dst, n * 8, true);
			for (i = 0; i < n; i++)
				d[i] = val;
		}
		dst += n * 8;
		count -= n;
	}
}

/*
 * The source is read into a small bounce before the destination is
 * translated: the TLB is direct-mapped, so translating the destination
 * can evict the source's entry and release its frame (hv/svm/tests/
 * rep_movs_pin.c).  A chunk never reads what an earlier element of the
 * same chunk wrote (dst - src bounds it when they overlap forward), so
 * the copy is movsq's, element by element, forward.
 */
#define REP_MOVS_CHUNK	16

void svm_rep_movs(u64 dst, u64 src, u64 count)
{
	u64 buf[REP_MOVS_CHUNK];

	svm_stats.rep_ops++;
	while (count) {
		u64 n = count < REP_MOVS_CHUNK ? count : REP_MOVS_CHUNK, i;
		u64 *p;

		if (dst > src && dst - src < n * 8)
			n = (dst - src) / 8 ? (dst - src) / 8 : 1;
		if (piece(src, n) < n * 8 || piece(dst, n) < n * 8) {
			u64 a = piece(src, n) / 8, b = piece(dst, n) / 8;

			n = a < b ? a : b;
		}
		if (!n) {	/* a qword across a page boundary */
			buf[0] = *(u64 *)(unsigned long)svm_translate(src, 8);
			svm_miss_done();
			n = 1;
		} else {	/* n qwords inside one page each side */
			p = (u64 *)(unsigned long)svm_translate_piece(src, n * 8, false);
			for (i = 0; i < n; i++)
				buf[i] = p[i];
		}
		if (n == 1 && piece(dst, 1) < 8) {
			*(u64 *)(unsigned long)svm_translate(dst, 8 | SVM_WRITE) = buf[0];
			svm_miss_done();
		} else {
			p = (u64 *)(unsigned long)svm_translate_piece(dst, n * 8, true);
			for (i = 0; i < n; i++)
				p[i] = buf[i];
		}
		src += n * 8;
		dst += n * 8;
		count -= n;
	}
}
