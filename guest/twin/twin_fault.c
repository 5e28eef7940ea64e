// SPDX-License-Identifier: GPL-2.0
/*
 * Faults for the tests: corrupt one pointer in the driver's data, let the
 * hypervisor instance use it, put it back.  The corruption is armed by
 * twinctl and applied around the next frame dom0 transmits, so the VM
 * instance never sees the bad pointer: by the time it takes over again
 * (the fallback work, after Xen disabled its instance), the value is
 * restored.  Only the hypervisor instance may have touched it, and SVM
 * must have refused that touch.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "twin.h"

/* Xen's own text: nothing dom0's driver may ever reach. */
#define DEFAULT_BAD	0xffff82d040000000UL

int twin_fault_arm(struct twin *t, const struct twin_ioc_corrupt *c)
{
	if (c->kind < TWIN_CORRUPT_SKB_DATA || c->kind > TWIN_CORRUPT_ADAPTER)
		return -EINVAL;
	t->corrupt_value = c->value ? c->value : DEFAULT_BAD;
	WRITE_ONCE(t->corrupt_kind, c->kind);
	return 0;
}

long twin_fault_xmit(struct twin *t, struct sk_buff *skb)
{
	void *bad = (void *)t->corrupt_value, *good;
	unsigned char *head = skb->head, *data = skb->data;
	long rc;

	/*
	 * Upcalls that follow (freeing this skb, say) must not run before the
	 * pointer is good again: the drain, on any CPU, stops while this is
	 * set, and it only ever runs upcalls posted before it looked.
	 */
	WRITE_ONCE(t->corrupt_inflight, true);
	smp_mb();
	switch (xchg(&t->corrupt_kind, 0)) {
	case TWIN_CORRUPT_SKB_DATA:
		skb->head = bad;
		skb->data = bad;
		rc = twin_hypercall(TWIN_OP_XMIT, skb);
		skb->head = head;
		skb->data = data;
		break;
	case TWIN_CORRUPT_RING_BASE:
		good = t->drv->swap_tx_ring(t, true, bad);
		rc = twin_hypercall(TWIN_OP_XMIT, skb);
		t->drv->swap_tx_ring(t, true, good);
		break;
	case TWIN_CORRUPT_ADAPTER:
		good = t->drv->swap_tx_ring(t, false, bad);
		rc = twin_hypercall(TWIN_OP_XMIT, skb);
		t->drv->swap_tx_ring(t, false, good);
		break;
	default:
		rc = twin_hypercall(TWIN_OP_XMIT, skb);
	}
	smp_store_release(&t->corrupt_inflight, false);
	napi_schedule(&t->napi);
	netdev_info(t->netdev, "twin: transmitted with a corrupted pointer (%#lx): %ld\n",
		    (unsigned long)bad, rc);
	return rc;
}
