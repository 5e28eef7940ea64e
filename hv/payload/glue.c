// SPDX-License-Identifier: GPL-2.0
/*
 * The glue that makes twinc's instance of a driver a livepatch payload: the
 * descriptor the runtime registers (.twin.instance, which also marks the
 * payload as an instance for the loader's interface check) and the
 * livepatch hooks that register and unregister it: the payload has no
 * function to patch, applying it (xen-livepatch load) registers the
 * instance, reverting it unregisters it; the runtime refuses the revert
 * while the instance is attached.
 */
#include <stdint.h>

#include "public/twin.h"
#include "twin_desc.h"
/* the driver's entry points, from hv/payload/DRIVER.entries (link.sh) */
#include "entries.h"

#ifndef TWIN_UC_PAGE_FRAG_FREE
#error "TWIN_UC_PAGE_FRAG_FREE: page_frag_free's upcall id, from twinc's manifest"
#endif

int twin_register(void *payload, const struct twin_desc *desc);
int twin_unregister(void *payload, const struct twin_desc *desc);
int twin_revert_check(void *payload, const struct twin_desc *desc);

/* TWIN_OP_SELFTEST: exercise the runtime's recovery from inside the payload. */
static void test_fault(void)
{
	asm volatile("ud2");
}

static void test_spin(void)
{
	for (;;)
		asm volatile("pause" ::: "memory");
}

/*
 * A derived function's shape (its units: hv/svm/shadow.inc) whose return
 * slot a driver pointer overwrote: its pop unit must refuse the return.
 */
void test_return(void);
asm(".include \"shadow.inc\"\n"
    ".pushsection .text\n"
    "test_return:\n"
    "\trs_push\t16\n"
    "\tmovq\t$0x1234, (%rsp)\n"
    "\trs_ret\n"
    ".popsection");

/*
 * The policy's memcpy binding (its stub, hv_stubs.S) asked to copy 64
 * bytes of the caller's frame to 512 bytes below its %rsp: where the
 * support code's own frames are while it copies.  SVM must refuse it.
 */
void test_frame(void);
asm(".pushsection .text\n"
    "test_frame:\n"
    "\tsubq\t$72, %rsp\n"
    "\tmovq\t%rsp, %rsi\n"
    "\tleaq\t-512(%rsp), %rdi\n"
    "\tmovl\t$64, %edx\n"
    "\tcall\t__twin_hv_memcpy\n"
    "\taddq\t$72, %rsp\n"
    "\tret\n"
    ".popsection");

#ifdef TWIN_UNSAFE_TESTS
/* what twinctl looks for before it loads an unsafe build (twin_desc.h) */
static const char unsafe_marker[] __attribute__((section(".twin_unsafe"), used)) =
	"an unsafe test build: SVM does not check Xen's addresses";
#define DESC_MAGIC	TWIN_DESC_MAGIC_UNSAFE
#else
#define DESC_MAGIC	TWIN_DESC_MAGIC
#endif

static const struct twin_desc desc
	__attribute__((section(".twin.instance"), used)) = {
	.magic = DESC_MAGIC,
	.version = TWIN_INTERFACE_VERSION,
	.driver = TWIN_DRIVER,
	.xmit = TWIN_XMIT,
	.poll = TWIN_POLL,
	.nr_intrs = TWIN_NR_INTRS,
	.intr = TWIN_INTRS,
	.uc_page_frag_free = TWIN_UC_PAGE_FRAG_FREE,
	.test_fault = test_fault,
	.test_spin = test_spin,
	.test_return = test_return,
	.test_frame = test_frame,
};

/*
 * Registration happens in the apply and revert actions, which Xen runs
 * with every CPU rendezvoused (none inside the instance), and only when
 * the operation goes through: a rendezvous that times out leaves both the
 * payload and the runtime as they were.  The pre-revert hook only says
 * early, with a reason, that an attached instance cannot go.
 */
static int apply(void *payload)
{
	return twin_register(payload, &desc);
}

static int revert(void *payload)
{
	return twin_unregister(payload, &desc);
}

static int pre_revert(void *payload)
{
	return twin_revert_check(payload, &desc);
}

typedef int hook_t(void *payload);

static hook_t *const apply_hook
	__attribute__((section(".livepatch.hooks.apply"), used)) = apply;
static hook_t *const revert_hook
	__attribute__((section(".livepatch.hooks.revert"), used)) = revert;
static hook_t *const pre_revert_hook
	__attribute__((section(".livepatch.hooks.prerevert"), used)) = pre_revert;
