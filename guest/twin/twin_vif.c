// SPDX-License-Identifier: GPL-2.0
/*
 * The guests' path from dom0's side: netback's connected vifs handed to
 * Xen, which serves their unmodified netfront with the hypervisor
 * instance, and taken back.
 *
 * netback (with guest/twin/netback-twin-hooks.patch) stops its own work
 * on the vif and describes its rings; we pass them to Xen (VIF_ATTACH).
 * The vif comes back to netback (VIF_DETACH, then netback resumes from
 * Xen's ring indices) when twinctl asks, before the NIC is detached (so
 * whenever the instance stops), when Xen stopped serving it (a frontend
 * breaking the protocol: netback then sees the same requests and
 * disables the vif as it would have), and before netback takes the vif
 * down or disconnects it (its reclaim hook).
 *
 * Also here: what the NIC's attach tells Xen for the guests' path (the
 * per-CPU area guests' transmits run with, skb layout facts found at run
 * time) and the transmit pool: skbs with pages Xen copies guests' frames
 * into and reuses without us until the NIC's detach gives them back.
 */
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "twin.h"
#include "netback-twin.h"

#define TX_HEADROOM	NET_SKB_PAD
#define TX_HEAD_ROOM	1536	/* a whole MTU frame in the linear area */

/* --- what the NIC's attach says about the guests' path ------------------ */

/*
 * struct sk_buff's ip_summed is a bitfield: where it lives is found here,
 * on this kernel, rather than assumed.
 */
/* Read at each vif attach: 0 measures Xen's receive path frame by frame. */
static bool rx_gso = true;
module_param(rx_gso, bool, 0644);
MODULE_PARM_DESC(rx_gso, "let Xen coalesce received TCP segments into GSO packets for frontends that take them");

static int ip_summed_bits(u16 *offset, u8 *shift)
{
	struct sk_buff *s = kzalloc(sizeof(*s), GFP_KERNEL);
	const u8 *b = (const u8 *)s;
	unsigned int i;

	if (!s)
		return -ENOMEM;
	s->ip_summed = 1;
	for (i = 0; i < sizeof(*s) && !b[i]; i++)
		;
	if (i < sizeof(*s)) {
		*offset = i;
		*shift = __ffs(b[i]);
	}
	kfree(s);
	return i < sizeof(*s) ? 0 : -EINVAL;
}

/*
 * Guests' transmits run in Xen as a CPU of dom0's of their own: the
 * instance reads the per-CPU softnet_data.xmit_more (netdev_xmit_more()),
 * which Xen sets for them in this shadow of the variable, never in a real
 * CPU's, where dom0's own transmits set it at the same time.
 */
int twin_guest_attach_fields(struct twin *t, struct twin_attach *a)
{
	int rc;

	if (!t->guest_pcpu) {
		t->guest_pcpu = vzalloc(PAGE_ALIGN(sizeof(struct softnet_data)));
		if (!t->guest_pcpu)
			return -ENOMEM;
	}
	rc = ip_summed_bits(&a->ip_summed_offset, &a->ip_summed_shift);
	if (rc)
		return rc;
	a->txq = (unsigned long)netdev_get_tx_queue(t->netdev, 0);
	a->guest_percpu = (unsigned long)t->guest_pcpu -
			  (unsigned long)(__force void *)&softnet_data;
	a->guest_xmit_more = (unsigned long)&((struct softnet_data *)t->guest_pcpu)->xmit.more;
	a->tx_headroom = TX_HEADROOM;
	a->tx_head_room = TX_HEAD_ROOM;
	return 0;
}

/* --- the transmit pool ------------------------------------------------ */

static void txbuf_free(struct twin_txbuf *b, unsigned int attached, bool in_ring)
{
	unsigned int i;

	/*
	 * Each page holds the pool's reference and one for the fragment it
	 * may be: an skb the NIC's ring still holds drops the latter of its
	 * attached pages when dom0's driver frees it.
	 */
	for (i = 0; i < TWIN_TX_FRAG_PAGES; i++) {
		struct page *p = (struct page *)b->pages[i];

		if (!p)
			continue;
		if (!(in_ring && i < attached))
			put_page(p);
		put_page(p);
	}
	if (!in_ring && b->skb)
		kfree_skb((struct sk_buff *)b->skb);
	memset(b, 0, sizeof(*b));
}

static int txbuf_alloc(struct twin_txbuf *b)
{
	struct sk_buff *skb = alloc_skb(TX_HEADROOM + TX_HEAD_ROOM, GFP_KERNEL);
	unsigned int i;

	memset(b, 0, sizeof(*b));
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, TX_HEADROOM);
	b->skb = (u64)skb;
	/* Xen copies into the linear area page by page: it must be in one */
	if (offset_in_page(skb->data) + TX_HEAD_ROOM > PAGE_SIZE)
		goto fail;
	for (i = 0; i < TWIN_TX_FRAG_PAGES; i++) {
		struct page *p = alloc_page(GFP_KERNEL);

		if (!p)
			goto fail;
		get_page(p);
		b->pages[i] = (u64)p;
	}
	return 0;
fail:
	txbuf_free(b, 0, false);
	return -ENOMEM;
}

/* Once, before the first vif: the skbs Xen takes at its VIF_ATTACH. */
static int txpool_supply(struct twin *t)
{
	struct twin_shared *sh = t->sh;
	unsigned int i;
	int rc;

	if (t->txpool_supplied)
		return 0;
	for (i = 0; i < TWIN_TXPOOL_SLOTS; i++) {
		rc = txbuf_alloc(&t->txbufs[i]);
		if (rc)
			return rc;
		sh->txbufs[sh->txpool.prod % TWIN_TXPOOL_SLOTS] = t->txbufs[i];
		smp_store_release(&sh->txpool.prod, sh->txpool.prod + 1);
		t->st.txpool_supplied++;
	}
	t->txpool_supplied = true;
	return 0;
}

/* TWIN_UC_RELEASE_TX: Xen gives a pool skb back (the NIC's detach). */
void twin_txpool_released(struct twin *t, u64 skb, unsigned int attached, bool in_ring)
{
	unsigned int i;

	for (i = 0; i < TWIN_TXPOOL_SLOTS; i++)
		if (t->txbufs[i].skb == skb) {
			txbuf_free(&t->txbufs[i], attached, in_ring);
			t->st.txpool_released++;
			return;
		}
}

/* After the NIC's detach: what Xen never took, and the pool is gone. */
void twin_txpool_free(struct twin *t)
{
	unsigned int i;

	for (i = 0; i < TWIN_TXPOOL_SLOTS; i++)
		if (t->txbufs[i].skb) {
			txbuf_free(&t->txbufs[i], 0, false);
			t->st.txpool_released++;
		}
	if (t->sh)
		t->sh->txpool.cons = t->sh->txpool.prod;
	t->txpool_supplied = false;
}

/* --- vifs ----------------------------------------------------------- */

static struct twin_dom0_vif *vif_of_dev(struct twin *t, const struct net_device *dev)
{
	unsigned int i;

	for (i = 0; i < TWIN_MAX_VIFS; i++)
		if (t->vifs[i].dev == dev)
			return &t->vifs[i];
	return NULL;
}

/* Give v back to netback.  Under t->lock. */
static void vif_takeback(struct twin *t, struct twin_dom0_vif *v)
{
	struct twin_vif_detach d = { .vif = v->xen_id };
	long rc = twin_hypercall(TWIN_OP_VIF_DETACH, &d);

	if (rc) {
		/* Xen forgot it (its NIC's detach): netback resumes where it left */
		netdev_err(v->dev, "twin: Xen did not give the vif back (%ld)\n", rc);
	} else {
		v->st.tx_req_cons = d.ring.tx_req_cons;
		v->st.tx_rsp_prod_pvt = d.ring.tx_rsp_prod;
		v->st.rx_req_cons = d.ring.rx_req_cons;
		v->st.rx_rsp_prod_pvt = d.ring.rx_rsp_prod;
	}
	xenvif_twin_takeback(v->dev, &v->st);
	netdev_info(v->dev, "twin: netback serves the vif again%s\n",
		    d.reason == TWIN_VIF_DIS_PROTOCOL ? " (Xen found the frontend broke the protocol)" :
		    d.reason == TWIN_VIF_DIS_INSTANCE ? " (the instance stopped)" : "");
	dev_put(v->dev);
	memset(v, 0, sizeof(*v));
	t->st.vif_detaches++;
}

/* Hand netback's vif ifname to Xen.  Under rtnl and t->lock. */
int twin_vif_attach(struct twin *t, const char *ifname)
{
	struct twin_vif_attach a;
	struct twin_dom0_vif *v;
	struct net_device *dev;
	long rc;

	if (!t->attached)
		return -ENOTCONN;	/* the instance must serve the NIC first */
	dev = __dev_get_by_name(&init_net, ifname);
	if (!dev)
		return -ENODEV;
	if (vif_of_dev(t, dev))
		return -EBUSY;
	v = vif_of_dev(t, NULL);
	if (!v)
		return -ENOSPC;
	rc = txpool_supply(t);
	if (rc)
		return rc;
	rc = xenvif_twin_handover(dev, &v->st);
	if (rc)
		return rc;

	memset(&a, 0, sizeof(a));
	a.domid = v->st.domid;
	a.rx_offset = v->st.xdp_headroom;
	/* what netback advertises to every frontend */
	a.features = TWIN_VIF_SG | TWIN_VIF_CSUM | TWIN_VIF_CSUM6 | TWIN_VIF_GSO4 | TWIN_VIF_GSO6;
	/*
	 * what the frontend receives: netback's fix_features() leaves SG and
	 * TSO on the vif only if it asked for feature-sg and -gso-tcpv4
	 */
	if ((dev->features & (NETIF_F_SG | NETIF_F_TSO | NETIF_F_IP_CSUM)) ==
	    (NETIF_F_SG | NETIF_F_TSO | NETIF_F_IP_CSUM) && rx_gso)
		a.features |= TWIN_VIF_RX_GSO4;
	a.tx_sring = (unsigned long)v->st.tx_sring;
	a.rx_sring = (unsigned long)v->st.rx_sring;
	a.tx_port = v->st.tx_evtchn;
	a.rx_port = v->st.rx_evtchn;
	a.ring.tx_req_cons = v->st.tx_req_cons;
	a.ring.tx_rsp_prod = v->st.tx_rsp_prod_pvt;
	a.ring.rx_req_cons = v->st.rx_req_cons;
	a.ring.rx_rsp_prod = v->st.rx_rsp_prod_pvt;
	memcpy(a.mac, v->st.mac, ETH_ALEN);
	rc = twin_hypercall(TWIN_OP_VIF_ATTACH, &a);
	if (rc) {
		xenvif_twin_takeback(dev, &v->st);
		netdev_err(dev, "twin: Xen refused the vif (%ld)\n", rc);
		memset(v, 0, sizeof(*v));
		return rc;
	}
	dev_hold(dev);
	v->dev = dev;
	v->xen_id = a.vif;
	t->st.vif_attaches++;
	netdev_info(dev, "twin: Xen serves the vif (d%u, Xen's vif %u)\n", a.domid, a.vif);
	return 0;
}

/* Under t->lock. */
int twin_vif_detach(struct twin *t, const char *ifname)
{
	struct net_device *dev = __dev_get_by_name(&init_net, ifname);
	struct twin_dom0_vif *v = dev ? vif_of_dev(t, dev) : NULL;

	if (!v)
		return -ENOENT;
	vif_takeback(t, v);
	return 0;
}

/* Every vif back to netback: before the NIC's detach.  Under t->lock. */
void twin_vif_detach_all(struct twin *t)
{
	unsigned int i;

	for (i = 0; i < TWIN_MAX_VIFS; i++)
		if (t->vifs[i].dev)
			vif_takeback(t, &t->vifs[i]);
}

int twin_vif_status(struct twin *t, struct twin_ioc_vif *req)
{
	struct net_device *dev;
	struct twin_dom0_vif *v;
	int rc = -ENOENT;

	mutex_lock(&t->lock);
	dev = __dev_get_by_name(&init_net, req->ifname);
	v = dev ? vif_of_dev(t, dev) : NULL;
	if (v) {
		req->status.vif = v->xen_id;
		rc = twin_hypercall(TWIN_OP_VIF_STATUS, &req->status);
	}
	mutex_unlock(&t->lock);
	return rc;
}

/* TWIN_UC_VIF_FAILED: Xen stopped serving a vif; the work takes it back. */
void twin_vif_failed(struct twin *t, u32 xen_id)
{
	if (xen_id < TWIN_MAX_VIFS) {
		set_bit(xen_id, &t->vif_failed);
		t->st.vif_failed++;
		schedule_work(&t->vif_work);
	}
}

static void vif_failed_work(struct work_struct *work)
{
	struct twin *t = container_of(work, struct twin, vif_work);
	unsigned int i;

	mutex_lock(&t->lock);
	for (i = 0; i < TWIN_MAX_VIFS; i++) {
		struct twin_dom0_vif *v = &t->vifs[i];

		if (v->dev && test_and_clear_bit(v->xen_id, &t->vif_failed))
			vif_takeback(t, v);
	}
	mutex_unlock(&t->lock);
}

/* netback is about to take a handed-over vif down or disconnect it. */
static void twin_vif_reclaim(struct net_device *dev)
{
	struct twin_dom0_vif *v;

	mutex_lock(&twin.lock);
	v = vif_of_dev(&twin, dev);
	if (v)
		vif_takeback(&twin, v);
	mutex_unlock(&twin.lock);
}

static const struct xenvif_twin_ops vif_hooks = {
	.reclaim = twin_vif_reclaim,
};

void twin_vif_init(struct twin *t)
{
	INIT_WORK(&t->vif_work, vif_failed_work);
	WRITE_ONCE(xenvif_twin_ops, &vif_hooks);
}

void twin_vif_exit(struct twin *t)
{
	WRITE_ONCE(xenvif_twin_ops, NULL);
	cancel_work_sync(&t->vif_work);
	vfree(t->guest_pcpu);
	t->guest_pcpu = NULL;
}
