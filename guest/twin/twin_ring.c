// SPDX-License-Identifier: GPL-2.0
/*
 * The shared area (hv/xen/public/twin.h) from dom0's side: the event
 * channel Xen notifies us on, the NAPI poll that drains the upcall ring
 * in dom0's context, and the supply rings we keep full.
 *
 * Upcalls are executed here with the calls the instance asked for.  The
 * policies' ids come from twinc's manifests (twin_upcalls.h, generated):
 * every upcall binding of every driver must have an executor below, or
 * this does not build.
 */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include "twin.h"
#include "twin_upcalls.h"

#define SUPPLY_TARGET	768	/* receive buffers kept in the supply ring */
#define SMALL_TARGET	384

typedef void upcall_fn(struct twin *t, const u64 *a, bool in_napi);

/* --- string arguments ----------------------------------------------- */

/*
 * A printk-like upcall's format must be one of the instance's own strings,
 * which arrive in the rodata mirror of the shared area, NUL-terminated
 * there.  Its %s arguments are copied (faults caught) into local strings:
 * a pointer into Xen, or to a page gone since, would fault in printk.
 * Extended pointer formats (%pM, %pV, ...) dereference what they get and
 * are given a harmless string instead.
 */
#define MAX_STRS	4
#define STR_LEN		64

static const char bad_str[] = "(twin: unreadable)";

struct safe_strs {
	char s[MAX_STRS][STR_LEN];
	int n;
};

static bool in_mirror(struct twin *t, u64 p)
{
	u64 base = (u64)t->sh->mirror;

	return p >= base && p < base + TWIN_MIRROR_BYTES &&
	       memchr((void *)p, 0, base + TWIN_MIRROR_BYTES - p);
}

static u64 safe_str(struct twin *t, struct safe_strs *ss, u64 p)
{
	char *dst = ss->s[ss->n];
	int i;

	if (in_mirror(t, p))
		return p;
	if (ss->n == MAX_STRS) {
		t->st.printk_refused++;
		return (u64)bad_str;
	}
	/* byte by byte, up to its NUL: the bytes after it may not exist */
	for (i = 0; i < STR_LEN - 1; i++)
		if (copy_from_kernel_nofault(&dst[i], (const char *)p + i, 1)) {
			t->st.printk_refused++;
			return (u64)bad_str;
		} else if (!dst[i]) {
			break;
		}
	dst[i] = '\0';
	ss->n++;
	return (u64)dst;
}

/* Make v's format (v[fmt_at]) and string arguments safe; false: not a format of ours. */
static bool safe_args(struct twin *t, u64 *v, unsigned int fmt_at, struct safe_strs *ss)
{
	const char *f = (const char *)v[fmt_at];
	unsigned int arg = fmt_at + 1;

	ss->n = 0;
	if (!in_mirror(t, v[fmt_at])) {
		t->st.printk_refused++;
		return false;
	}
	for (; *f && arg < TWIN_UPCALL_ARGS; f++) {
		if (*f != '%')
			continue;
		if (*++f == '%')
			continue;
		while (*f && strchr("-+ #0123456789.*hlzjtL", *f)) {
			if (*f == '*')
				arg++;
			f++;
		}
		if (*f == 's') {
			v[arg] = safe_str(t, ss, v[arg]);
		} else if (*f == 'p' && isalnum(f[1])) {
			v[arg] = (u64)bad_str;
			t->st.printk_refused++;
		}
		if (*f)
			arg++;
	}
	return true;
}

#define VA(n)	(void *)a[n]
/* A format's variable arguments: the rest of the 14 words after it. */
#define FROM1(v)	v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]
#define FROM2(v)	v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]
#define FROM3(v)	v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]

/* --- the policies' upcalls (hv/derive/DRIVER.policy) ------------------- */

static void uc_page_frag_free(struct twin *t, const u64 *a, bool in_napi)
{
	page_frag_free(VA(0));
}

static void uc___folio_put(struct twin *t, const u64 *a, bool in_napi)
{
	__folio_put(VA(0));
}

static void uc___put_devmap_managed_page_refs(struct twin *t, const u64 *a, bool in_napi)
{
	__put_devmap_managed_page_refs(VA(0), (int)a[1]);
}

/*
 * The printk-like upcalls: fmt_at is the format's argument; the call is
 * made on a copy whose unreadable string arguments were replaced.
 */
#define PRINTK_LIKE(name, fmt_at, call)						\
static void uc_##name(struct twin *t, const u64 *a, bool in_napi)		\
{										\
	struct safe_strs ss;							\
	u64 v[TWIN_UPCALL_ARGS];						\
										\
	memcpy(v, a, sizeof(v));						\
	if (safe_args(t, v, fmt_at, &ss))					\
		call;								\
}

PRINTK_LIKE(_printk, 0, _printk((const char *)v[0], FROM1(v)))
PRINTK_LIKE(__warn_printk, 0, __warn_printk((const char *)v[0], FROM1(v)))
PRINTK_LIKE(_dev_err, 1, _dev_err(VA(0), (const char *)v[1], FROM2(v)))
PRINTK_LIKE(netdev_err, 1, netdev_err(VA(0), (const char *)v[1], FROM2(v)))
PRINTK_LIKE(netdev_warn, 1, netdev_warn(VA(0), (const char *)v[1], FROM2(v)))
PRINTK_LIKE(__dynamic_netdev_dbg, 2,
	    __dynamic_netdev_dbg(VA(0), VA(1), (const char *)v[2], FROM3(v)))

static void uc_queue_delayed_work_on(struct twin *t, const u64 *a, bool in_napi)
{
	queue_delayed_work_on((int)a[0], VA(1), VA(2), a[3]);
}

static void uc_queue_work_on(struct twin *t, const u64 *a, bool in_napi)
{
	queue_work_on((int)a[0], VA(1), VA(2));
}

static void uc_mod_timer(struct twin *t, const u64 *a, bool in_napi)
{
	mod_timer(VA(0), a[1]);
}

static void uc_refcount_warn_saturate(struct twin *t, const u64 *a, bool in_napi)
{
	refcount_warn_saturate(VA(0), (enum refcount_saturation_type)a[1]);
}

/* Each driver's policy numbers its upcalls itself (its twinc manifest). */
#define X(id, name) [id] = uc_##name,
static upcall_fn *const e1000_upcalls[] = { TWIN_UPCALLS_E1000 };
static upcall_fn *const e1000e_upcalls[] = { TWIN_UPCALLS_E1000E };
#undef X

static upcall_fn *policy_upcall(struct twin *t, u32 id)
{
	if (t->drv == &twin_e1000_driver && id < ARRAY_SIZE(e1000_upcalls))
		return e1000_upcalls[id];
	if (t->drv == &twin_e1000e_driver && id < ARRAY_SIZE(e1000e_upcalls))
		return e1000e_upcalls[id];
	return NULL;
}

/* --- the runtime's own upcalls ---------------------------------------- */

static void run_upcall(struct twin *t, const struct twin_upcall *u, bool in_napi)
{
	struct sk_buff *skb = (struct sk_buff *)u->arg[0];
	upcall_fn *fn;

	t->st.upcalls_run++;
	switch (u->id) {
	case TWIN_UC_RECEIVE:
		t->st.rx_delivered++;
		if (in_napi) {
			napi_gro_receive(&t->napi, skb);
		} else {
			local_bh_disable();
			netif_receive_skb(skb);
			local_bh_enable();
		}
		return;
	case TWIN_UC_SCHEDULE_TX:
		netif_schedule_queue((struct netdev_queue *)u->arg[0]);
		return;
	case TWIN_UC_RELEASE:
		/* a supply skb whose fragment the RX ring (or Xen) still owns */
		t->st.shells_freed++;
		kfree_skb_partial(skb, true);
		return;
	case TWIN_UC_FREE_SKB:
		if (u->arg[1])
			dev_consume_skb_any(skb);
		else
			dev_kfree_skb_any(skb);
		return;
	case TWIN_UC_RELEASE_RX:
		/* a receive skb Xen reused for guests' frames: whole, fragment too */
		t->st.rx_released++;
		kfree_skb(skb);
		return;
	case TWIN_UC_RELEASE_TX:
		twin_txpool_released(t, u->arg[0], u->arg[1], u->arg[2]);
		return;
	case TWIN_UC_VIF_FAILED:
		twin_vif_failed(t, u->arg[0]);
		return;
	case TWIN_UC_DISABLED:
		t->disable_reason = u->arg[0];
		schedule_work(&t->fallback);
		return;
	}
	fn = policy_upcall(t, u->id);
	if (fn)
		fn(t, u->arg, in_napi);
}

/* Execute up to budget upcalls; the number executed. */
static int drain(struct twin *t, int budget, bool in_napi)
{
	struct twin_shared *sh = t->sh;
	u32 cons = sh->upcall.cons, prod = smp_load_acquire(&sh->upcall.prod);
	int done = 0;

	while (cons != prod && done < budget && !smp_load_acquire(&t->corrupt_inflight)) {
		run_upcall(t, &sh->upcalls[cons % TWIN_UPCALL_SLOTS], in_napi);
		cons++;
		done++;
	}
	smp_store_release(&sh->upcall.cons, cons);
	return done;
}

/* --- supply ----------------------------------------------------------- */

/* One receive buffer for Xen: @frag with an skb, or a whole @skb (TWIN_RX_SKBS). */
static int supply_one(struct twin *t, void *frag, struct sk_buff *skb, u32 flags)
{
	struct twin_shared *sh = t->sh;
	u32 prod = sh->supply.prod;
	struct twin_supply *s;

	if (prod - READ_ONCE(sh->supply.cons) >= TWIN_SUPPLY_SLOTS)
		return -ENOSPC;
	if (!skb)
		skb = build_skb(frag, t->frag_len);
	if (!skb)
		return -ENOMEM;
	s = &sh->supplies[prod % TWIN_SUPPLY_SLOTS];
	s->frag = (u64)(frag ? frag : skb->head);
	s->skb = (u64)skb;
	s->flags = flags;
	smp_store_release(&sh->supply.prod, prod + 1);
	t->st.supplied++;
	return 0;
}

/*
 * A fragment the VM instance already posted in the RX ring: Xen's
 * instance will receive into it, so it needs its skb too.  Called with
 * the VM instance stopped, before attaching (the driver's fill_posted).
 */
int twin_ring_supply_posted(struct twin *t, void *frag)
{
	return supply_one(t, frag, NULL, TWIN_SUPPLY_POSTED);
}

void twin_ring_refill(struct twin *t, gfp_t gfp)
{
	struct twin_shared *sh = t->sh;

	while (t->rx_mode == TWIN_RX_FRAGS &&
	       sh->supply.prod - READ_ONCE(sh->supply.cons) < SUPPLY_TARGET) {
		void *frag = __netdev_alloc_frag_align(t->frag_len, ~0u);

		if (!frag)
			break;
		if (supply_one(t, frag, NULL, 0)) {
			skb_free_frag(frag);
			break;
		}
	}
	/* as the driver's own __netdev_alloc_skb() would make them */
	while (t->rx_mode == TWIN_RX_SKBS &&
	       sh->supply.prod - READ_ONCE(sh->supply.cons) < SUPPLY_TARGET) {
		struct sk_buff *skb = __netdev_alloc_skb(t->netdev, t->frag_len, gfp);

		if (!skb)
			break;
		if (supply_one(t, NULL, skb, 0)) {
			kfree_skb(skb);
			break;
		}
	}
	while (sh->small.prod - READ_ONCE(sh->small.cons) < SMALL_TARGET) {
		struct sk_buff *skb = __netdev_alloc_skb(t->netdev, t->small_len + NET_IP_ALIGN, gfp);
		u32 prod = sh->small.prod;

		if (!skb)
			break;
		skb_reserve(skb, NET_IP_ALIGN);
		sh->smalls[prod % TWIN_SMALL_SLOTS] = (u64)skb;
		smp_store_release(&sh->small.prod, prod + 1);
		t->st.supplied++;
	}
}

/* After detach: what Xen never took is still ours. */
void twin_ring_free_supply(struct twin *t)
{
	struct twin_shared *sh = t->sh;

	if (!sh)
		return;
	for (; sh->supply.cons != sh->supply.prod; sh->supply.cons++) {
		struct twin_supply *s = &sh->supplies[sh->supply.cons % TWIN_SUPPLY_SLOTS];

		t->st.supply_freed++;
		if (s->flags & TWIN_SUPPLY_POSTED)	/* the RX ring keeps the fragment */
			kfree_skb_partial((struct sk_buff *)s->skb, true);
		else
			kfree_skb((struct sk_buff *)s->skb);
	}
	for (; sh->small.cons != sh->small.prod; sh->small.cons++) {
		t->st.supply_freed++;
		kfree_skb((struct sk_buff *)sh->smalls[sh->small.cons % TWIN_SMALL_SLOTS]);
	}
}

/* --- NAPI and the event channel ---------------------------------------- */

static int twin_poll(struct napi_struct *napi, int budget)
{
	struct twin *t = container_of(napi, struct twin, napi);
	int done = drain(t, budget, true);

	twin_ring_refill(t, GFP_ATOMIC);
	if (READ_ONCE(t->sh->xen_waiting))
		twin_hypercall(TWIN_OP_KICK, NULL);
	if (t->queue_stopped) {
		t->queue_stopped = false;
		netif_wake_queue(t->netdev);
	}
	if (done < budget && napi_complete_done(napi, done)) {
		/* an upcall posted after our last look: go round again */
		if (READ_ONCE(t->sh->upcall.prod) != t->sh->upcall.cons)
			napi_schedule(napi);
	}
	return done;
}

static irqreturn_t twin_evtchn_irq(int irq, void *dev_id)
{
	struct twin *t = dev_id;

	napi_schedule(&t->napi);
	return IRQ_HANDLED;
}

int twin_ring_bind(struct twin *t, unsigned int xen_port)
{
	struct evtchn_bind_interdomain bind = {
		.remote_dom = DOMID_SELF,
		.remote_port = xen_port,
	};
	int rc;

	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
	if (rc)
		return rc;
	rc = bind_evtchn_to_irqhandler(bind.local_port, twin_evtchn_irq, 0, "twin", t);
	if (rc < 0) {
		struct evtchn_close close = { .port = bind.local_port };

		HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
		return rc;
	}
	t->evtchn_irq = rc;
	napi_schedule(&t->napi);	/* anything posted before we bound */
	return 0;
}

void twin_ring_unbind(struct twin *t)
{
	if (t->evtchn_irq > 0)
		unbind_from_irqhandler(t->evtchn_irq, t);
	t->evtchn_irq = 0;
}

/* Detach: no more upcalls will come; run the rest here. */
void twin_ring_drain_all(struct twin *t)
{
	napi_disable(&t->napi);
	while (drain(t, INT_MAX, false))
		;
	napi_enable(&t->napi);
}

int twin_ring_init(struct twin *t)
{
	if (!t->sh) {
		t->sh = vzalloc(TWIN_SHARED_PAGES * PAGE_SIZE);
		if (!t->sh)
			return -ENOMEM;
		init_dummy_netdev(&t->napi_dev);
		netif_napi_add(&t->napi_dev, &t->napi, twin_poll);
		napi_enable(&t->napi);
	}
	memset(t->sh, 0, offsetof(struct twin_shared, upcalls));
	t->sh->magic = TWIN_SHARED_MAGIC;
	t->sh->version = TWIN_INTERFACE_VERSION;
	return 0;
}

void twin_ring_exit(struct twin *t)
{
	if (!t->sh)
		return;
	napi_disable(&t->napi);
	netif_napi_del(&t->napi);
	vfree(t->sh);
	t->sh = NULL;
}
