// SPDX-License-Identifier: GPL-2.0
/*
 * The host (user-space) port of the SVM runtime, for twinc's differential
 * tests: a page table the test fills with svm_user_map(), and the twin
 * runtime hooks (BUG reports, upcalls, refused indirect calls).
 */
#include <sys/mman.h>

#include "svm.h"
#include "svm_user.h"

#define MAX_PAGES 4096

static struct {
	u64 vpage, host;
	bool write;
	bool exact;		/* only [lo, hi) of the page is reachable */
	bool emulated;		/* writes go to svm_user_emulate's hook */
	u64 lo, hi;
} pt[MAX_PAGES];
static int npt;

int svm_user_map(u64 va, u64 host, u64 len, bool write)
{
	u64 off;

	for (off = 0; off < len; off += SVM_PAGE_SIZE) {
		if (npt == MAX_PAGES)
			return -1;
		pt[npt].vpage = (va + off) & ~(SVM_PAGE_SIZE - 1);
		pt[npt].host = (host + off) & ~(SVM_PAGE_SIZE - 1);
		pt[npt].write = write;
		pt[npt].exact = false;
		pt[npt].emulated = false;
		npt++;
	}
	return 0;
}

int svm_user_map_exact(u64 va, u64 host, u64 lo, u64 hi, bool write)
{
	if (svm_user_map(va, host, 1, write))
		return -1;
	pt[npt - 1].exact = true;
	pt[npt - 1].lo = lo;
	pt[npt - 1].hi = hi;
	return 0;
}

static bool (*emulate_hook)(u64 va, u64 host, const void *buf, unsigned size);

int svm_user_map_emulated(u64 va, u64 host,
			  bool (*hook)(u64 va, u64 host, const void *buf, unsigned size))
{
	if (svm_user_map(va, host, 1, true))
		return -1;
	pt[npt - 1].emulated = true;
	emulate_hook = hook;
	return 0;
}

u64 svm_pt_lookup(u64 vpage, bool write)
{
	int i;

	for (i = npt - 1; i >= 0; i--)
		if (pt[i].vpage == vpage)
			return write && !pt[i].write ? 0 :
			       pt[i].host | (pt[i].exact ? SVM_PT_EXACT : 0) |
			       (write && pt[i].emulated ? SVM_PT_EMULATE : 0);
	return 0;
}

/* An emulated write's old value: what the page holds. */
void svm_pt_emulate_begin(u64 va, u64 host, void *buf, unsigned size)
{
	memcpy(buf, (void *)(unsigned long)host, size);
}

bool svm_pt_emulate_write(u64 va, u64 host, const void *buf, unsigned size)
{
	return emulate_hook && emulate_hook(va, host, buf, size);
}

/* A page mapped with svm_user_map_exact(): the access inside its window? */
bool svm_pt_access_ok(u64 va, unsigned size, bool write)
{
	u64 vpage = va & ~(SVM_PAGE_SIZE - 1);
	int i;

	for (i = npt - 1; i >= 0; i--)
		if (pt[i].vpage == vpage)
			return pt[i].exact && (!write || pt[i].write) && va >= pt[i].lo &&
			       va + size >= va && va + size <= pt[i].hi;
	return false;
}

/*
 * The host tests' memory never changes hands: nothing to hold, unless a
 * test asks for strict pins.  Then a released page is made inaccessible
 * until it is pinned again, so a use of a translation the TLB no longer
 * holds (in Xen: a frame without its reference) faults.  The pages must
 * be whole pages of the test's own (mmap).
 */
static bool strict_pins;

void svm_user_strict_pins(bool on)
{
	strict_pins = on;
}

/*
 * Xen's type rule, modelled per host page: a writable entry holds a
 * writable type reference, and a page becomes a page table only with
 * none left (svm_user_make_table(), as Xen's patched _get_page_type()).
 */
static struct {
	u64 host;
	int wrefs;
	bool table;
} frames[MAX_PAGES];
static int nframes;

static int frame_of(u64 host)
{
	int i;

	host &= ~(SVM_PAGE_SIZE - 1);
	for (i = 0; i < nframes; i++)
		if (frames[i].host == host)
			return i;
	if (nframes == MAX_PAGES)
		svm_fatal("svm_user: too many frames");
	frames[nframes].host = host;
	return nframes++;
}

int svm_user_writable_refs(u64 host)
{
	return frames[frame_of(host)].wrefs;
}

int svm_user_make_table(u64 host)
{
	int f = frame_of(host);

	if (frames[f].wrefs)
		svm_flush_host(host & ~(SVM_PAGE_SIZE - 1));
	if (frames[f].wrefs)
		return -1;
	frames[f].table = true;
	return 0;
}

bool svm_pt_pin(u64 vpage, u64 host, bool writable)
{
	int f = frame_of(host);

	(void)vpage;
	if (writable && frames[f].table)
		return false;
	frames[f].wrefs += writable;
	if (strict_pins)
		mprotect((void *)(unsigned long)(host & ~(SVM_PAGE_SIZE - 1)), SVM_PAGE_SIZE,
			 PROT_READ | PROT_WRITE);
	return true;
}

void svm_pt_release(u64 vpage, u64 host, bool writable)
{
	(void)vpage;
	frames[frame_of(host)].wrefs -= writable;
	if (strict_pins)
		mprotect((void *)(unsigned long)(host & ~(SVM_PAGE_SIZE - 1)), SVM_PAGE_SIZE, PROT_NONE);
}

/* The test's own stack, where the runtime's frames are (svm_port.h). */
static u64 stack_lo, stack_hi;

void svm_user_stack(u64 lo, u64 hi)
{
	stack_lo = lo;
	stack_hi = hi;
}

bool svm_pt_instance_stack(u64 va)
{
	return va >= stack_lo && va < stack_hi;
}

void twin_bug(u64 info, u64 where)
{
	unsigned line = info & 0xffff, flags = info >> 16;

	if (flags & 1) {	/* BUGFLAG_WARNING */
		svm_stats.warns++;
		svm_log("WARN at line %u (%#llx)\n", line, (unsigned long long)where);
		return;
	}
	svm_stats.bugs++;
	svm_log("BUG at line %u (%#llx)\n", line, (unsigned long long)where);
	svm_fatal("BUG in instance");
}

void twin_return_refused(u64 found, u64 expected)
{
	const char *why = svm_rs_refusal(expected);

	if (why)
		svm_fatal(why);
	svm_log("return to %#llx refused: the shadow return stack holds %#llx\n",
		(unsigned long long)found, (unsigned long long)expected);
	svm_fatal("return address overwritten");
}

long twin_upcall(long id, long *args, long *stack)
{
	(void)args;
	(void)stack;
	svm_stats.upcalls++;
	(void)id;
	return 0;
}

long twin_denied(long id)
{
	svm_stats.denied++;
	svm_disabled = true;
	svm_log("call to denied function #%ld refused\n", id);
	return 0;
}

long twin_dispatch_refused(u64 target)
{
	svm_stats.dispatch_refused++;
	svm_disabled = true;
	svm_log("indirect call to %#llx refused\n", (unsigned long long)target);
	return 0;
}
