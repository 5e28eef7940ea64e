// SPDX-License-Identifier: GPL-2.0
/*
 * tdvif - a user-space netfront for tests, run in a domU: it connects one
 * of the domU's vifs itself (through xenstore, grant allocation and an
 * event channel: /dev/xen/xenbus, /dev/xen/gntalloc, /dev/xen/evtchn) and
 * writes the requests it is told to into the shared rings, well-formed or
 * not, then reports every response it got.
 *
 *   tdvif DEVID connect [SECONDS]       connect device/vif/DEVID (made by
 *                                       `xl network-attach` in dom0, its
 *                                       netfront unbound), hold it
 *   tdvif DEVID send COUNT              COUNT good frames (broadcasts)
 *   tdvif DEVID attack KIND             good frames, one malformed request
 *                                       of KIND, good frames again
 *   tdvif DEVID fuzz SEED COUNT [PPM]   COUNT random requests, seeded: bad,
 *                                       foreign and revoked grant references,
 *                                       sizes, offsets, flag chains; PPM per
 *                                       million of them (default 0) also
 *                                       fatal: a slot past its page, a chain
 *                                       of 21, an unknown extra, a producer
 *                                       index that jumps
 *   tdvif DEVID flood SECONDS           notify the backend in a tight loop,
 *                                       with nothing in the ring
 *
 * Each command connects, waits until data/tdvif/go in the domU's xenstore
 * area appears (dom0 writes it once it handed the vif to Xen; without the
 * key after 'wait' seconds it goes on anyway), does its work, and prints
 *   tdvif: requests R, responses: okay O, error E, dropped D, null N,
 *   unanswered U; rx frames F; backend STATE
 * Exit status: 0 done, 2 usage or setup failure.
 *
 * KIND: bad-gref (a grant reference never granted), foreign-gref (a page
 * granted to another domain, not to the backend), short (a frame under 14 bytes), oversize (1600
 * bytes over two slots, no GSO), long-chain (19 slots), cross-page (a slot
 * past its page: fatal), endless-chain (more_data on every slot: fatal),
 * chain-21 (21 slots: fatal), prod-jump (req_prod far past the ring:
 * fatal), bad-extra (extra info type 9: fatal), gso-zero (GSO size 0:
 * fatal).  netback refuses each the same way (an error response, or the
 * vif disconnected): so must Xen's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* the current interface: ring.h then leaves the barriers to us */
#define __XEN_INTERFACE_VERSION__	0x00040e00
#define xen_mb()	__sync_synchronize()
#define xen_rmb()	__sync_synchronize()
#define xen_wmb()	__sync_synchronize()

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/netif.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>

#define PAGE		4096
#define NR_TXBUF	32	/* data pages for transmit */
#define NR_RXBUF	64	/* posted receive buffers */
#define NR_PAGES	(2 + NR_TXBUF + NR_RXBUF)	/* rings, buffers */
/* a domain id that is valid (below DOMID_FIRST_RESERVED) and not dom0's */
#define FOREIGN_DOMID	0x7fef

static int xs_fd = -1, gnt_fd = -1, evt_fd = -1;
static uint32_t xs_req;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("tdvif: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* --- xenstore, over the kernel's /dev/xen/xenbus ------------------------ */

/* One request; its reply's payload (NUL-terminated, malloc'd) or NULL. */
static char *xs_call(uint32_t type, const char *a, const char *b)
{
	struct xsd_sockmsg m = { .type = type, .req_id = ++xs_req };
	size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;
	char buf[sizeof(m) + XENSTORE_PAYLOAD_MAX];
	char *reply;

	m.len = la + lb;
	if (m.len > XENSTORE_PAYLOAD_MAX)
		die("xenstore request too long");
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), a, la);
	if (b)
		memcpy(buf + sizeof(m) + la, b, lb);
	if (write(xs_fd, buf, sizeof(m) + m.len) != (ssize_t)(sizeof(m) + m.len))
		die("xenstore write: %s", strerror(errno));
	for (;;) {
		struct xsd_sockmsg r;

		if (read(xs_fd, &r, sizeof(r)) != sizeof(r))
			die("xenstore read: %s", strerror(errno));
		reply = calloc(1, r.len + 1);
		if (!reply || (r.len && read(xs_fd, reply, r.len) != (ssize_t)r.len))
			die("xenstore read: %s", strerror(errno));
		if (r.type == XS_WATCH_EVENT || r.req_id != m.req_id) {
			free(reply);
			continue;
		}
		if (r.type == XS_ERROR) {
			free(reply);
			return NULL;
		}
		return reply;
	}
}

static char *xs_read(const char *path)
{
	return xs_call(XS_READ, path, NULL);
}

static void xs_write(const char *path, const char *val)
{
	char *r = xs_call(XS_WRITE, path, val);

	if (!r)
		die("xenstore refused writing %s", path);
	free(r);
}

static void xs_printf(const char *dir, const char *key, const char *fmt, ...)
{
	char path[256], val[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	xs_write(path, val);
}

/* Remove dir/key if it is there (XS_RM is recursive). */
static void xs_rm(const char *dir, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	free(xs_call(XS_RM, path, NULL));
}

static int xs_state(const char *dir)
{
	char path[256], *v;
	int s;

	snprintf(path, sizeof(path), "%s/state", dir);
	v = xs_read(path);
	s = v ? atoi(v) : -1;
	free(v);
	return s;
}

static bool wait_state(const char *dir, int want, double seconds)
{
	struct timespec ts = { 0, 100000000 };
	int i;

	for (i = 0; i < seconds * 10; i++) {
		if (xs_state(dir) == want)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* --- the connection ---------------------------------------------------- */

struct vif {
	char fe[64], be[128];
	domid_t backend;
	uint8_t *pages;
	uint32_t gref[NR_PAGES];
	uint32_t foreign;		/* a page granted to a domain other than dom0 */
	uint32_t revoked;		/* a reference granted to dom0, then ended */
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	unsigned int port;
	/* what came back */
	unsigned long requests, okay, error, dropped, null, rx_frames;
};

static uint8_t *page(struct vif *v, unsigned int i)
{
	return v->pages + (size_t)i * PAGE;
}

static void notify(struct vif *v)
{
	struct ioctl_evtchn_notify n = { .port = v->port };

	ioctl(evt_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

/* the frontend's keys a netfront may have left that tdvif does not write */
static const char *const stale_keys[] = {
	"event-channel-tx", "event-channel-rx", "multi-queue-num-queues", "queue-0", "queue-1",
	"feature-gso-tcpv4", "feature-gso-tcpv6", "feature-ipv6-csum-offload",
	"feature-no-csum-offload", "feature-ctrl-ring", "ctrl-ring-ref", "event-channel-ctrl",
	"tx-ring-ref", "rx-ring-ref", "event-channel",
};

static void connect_vif(struct vif *v, unsigned int devid)
{
	struct ioctl_gntalloc_alloc_gref *a;
	struct ioctl_gntalloc_alloc_gref f;
	struct ioctl_evtchn_bind_unbound_port ub;
	netif_tx_sring_t *txs;
	netif_rx_sring_t *rxs;
	char path[128], *s;
	int rc;
	unsigned int i;

	snprintf(v->fe, sizeof(v->fe), "device/vif/%u", devid);
	snprintf(path, sizeof(path), "%s/backend", v->fe);
	s = xs_read(path);
	if (!s)
		die("%s has no backend: run 'xl network-attach' in dom0 first", v->fe);
	snprintf(v->be, sizeof(v->be), "%s", s);
	free(s);
	snprintf(path, sizeof(path), "%s/backend-id", v->fe);
	s = xs_read(path);
	v->backend = s ? atoi(s) : 0;
	free(s);
	/* after netfront left it, the backend waits for a frontend to start over;
	 * what netfront wrote stays in xenstore, and netback prefers some of it
	 * (split event channels, queues, GSO) to what tdvif writes: remove it */
	for (i = 0; i < sizeof(stale_keys) / sizeof(stale_keys[0]); i++)
		xs_rm(v->fe, stale_keys[i]);
	xs_printf(v->fe, "state", "%d", XenbusStateInitialising);
	if (!wait_state(v->be, XenbusStateInitWait, 30))
		die("%s: the backend is in state %d, not InitWait (is netfront still bound? unbind it)",
		    v->be, xs_state(v->be));

	/* the rings, the buffers and one reference to revoke, granted to dom0 */
	a = calloc(1, sizeof(*a) + NR_PAGES * sizeof(uint32_t));
	a->domid = v->backend;
	a->flags = GNTALLOC_FLAG_WRITABLE;
	a->count = NR_PAGES;
	if (ioctl(gnt_fd, IOCTL_GNTALLOC_ALLOC_GREF, a))
		die("gntalloc: %s", strerror(errno));
	memcpy(v->gref, a->gref_ids, NR_PAGES * sizeof(uint32_t));
	v->pages = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, gnt_fd, a->index);
	if (v->pages == MAP_FAILED)
		die("mmap of the granted pages: %s", strerror(errno));
	/* a grant of a reference freed here would soon be reused by the
	 * domain's own netfront (to dom0): a page granted to a domain that is
	 * not the backend is the reference Xen must not honour for dom0 */
	memset(&f, 0, sizeof(f));
	f.domid = FOREIGN_DOMID;
	f.flags = GNTALLOC_FLAG_WRITABLE;
	f.count = 1;
	if (ioctl(gnt_fd, IOCTL_GNTALLOC_ALLOC_GREF, &f))
		die("gntalloc (to d%u): %s", FOREIGN_DOMID, strerror(errno));
	v->foreign = f.gref_ids[0];
	free(a);
	/* granted to the backend and ended again at once (it was never
	 * mapped): a stale reference, as a frontend racing its own teardown
	 * would hand over; the domain may grant it again for something else */
	memset(&f, 0, sizeof(f));
	f.domid = v->backend;
	f.count = 1;
	if (!ioctl(gnt_fd, IOCTL_GNTALLOC_ALLOC_GREF, &f)) {
		struct ioctl_gntalloc_dealloc_gref d = { .index = f.index, .count = 1 };

		v->revoked = f.gref_ids[0];
		if (ioctl(gnt_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d))
			die("gntalloc dealloc: %s", strerror(errno));
	}

	txs = (netif_tx_sring_t *)page(v, 0);
	rxs = (netif_rx_sring_t *)page(v, 1);
	SHARED_RING_INIT(txs);
	FRONT_RING_INIT(&v->tx, txs, PAGE);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&v->rx, rxs, PAGE);
	ub.remote_domain = v->backend;
	rc = ioctl(evt_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (rc < 0)
		die("event channel: %s", strerror(errno));
	v->port = rc;

	xs_printf(v->fe, "tx-ring-ref", "%u", v->gref[0]);
	xs_printf(v->fe, "rx-ring-ref", "%u", v->gref[1]);
	xs_printf(v->fe, "event-channel", "%u", v->port);
	xs_printf(v->fe, "request-rx-copy", "1");
	xs_printf(v->fe, "feature-rx-notify", "1");
	xs_printf(v->fe, "feature-sg", "1");
	xs_printf(v->fe, "state", "%d", XenbusStateConnected);
	if (!wait_state(v->be, XenbusStateConnected, 30))
		die("%s did not connect (state %d)", v->be, xs_state(v->be));

	/* post every receive buffer */
	for (i = 0; i < NR_RXBUF && i < RING_SIZE(&v->rx); i++) {
		netif_rx_request_t *r = RING_GET_REQUEST(&v->rx, v->rx.req_prod_pvt);

		r->id = i;
		r->gref = v->gref[2 + NR_TXBUF + i];
		v->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS(&v->rx);
	notify(v);
}

/* Wait for dom0's go (it hands the vif to Xen first), at most seconds. */
static void wait_go(double seconds)
{
	struct timespec ts = { 0, 100000000 };
	char *s;
	int i;

	for (i = 0; i < seconds * 10; i++) {
		s = xs_read("data/tdvif/go");
		if (s) {
			free(s);
			return;
		}
		nanosleep(&ts, NULL);
	}
}

/* Count and consume the responses there are; repost receive buffers. */
static void collect(struct vif *v)
{
	RING_IDX i, prod;

	prod = v->tx.sring->rsp_prod;
	xen_rmb();
	for (i = v->tx.rsp_cons; i != prod; i++) {
		netif_tx_response_t *r = RING_GET_RESPONSE(&v->tx, i);

		switch (r->status) {
		case NETIF_RSP_OKAY: v->okay++; break;
		case NETIF_RSP_ERROR: v->error++; break;
		case NETIF_RSP_DROPPED: v->dropped++; break;
		case NETIF_RSP_NULL: v->null++; break;
		}
	}
	v->tx.rsp_cons = prod;

	prod = v->rx.sring->rsp_prod;
	xen_rmb();
	for (i = v->rx.rsp_cons; i != prod; i++) {
		netif_rx_response_t *r = RING_GET_RESPONSE(&v->rx, i);
		netif_rx_request_t *q = RING_GET_REQUEST(&v->rx, v->rx.req_prod_pvt);

		v->rx_frames += r->status > 0;
		q->id = r->id;
		q->gref = v->gref[2 + NR_TXBUF + r->id % NR_RXBUF];
		v->rx.req_prod_pvt++;
	}
	v->rx.rsp_cons = prod;
	RING_PUSH_REQUESTS(&v->rx);
}

/* Room for n more requests: wait (collecting) up to a second. */
static bool room(struct vif *v, unsigned int n)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 1000; i++) {
		collect(v);
		if (RING_SIZE(&v->tx) - (v->tx.req_prod_pvt - v->tx.rsp_cons) >= n)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static netif_tx_request_t *next_req(struct vif *v)
{
	netif_tx_request_t *r = RING_GET_REQUEST(&v->tx, v->tx.req_prod_pvt);

	memset(r, 0, sizeof(*r));
	r->id = v->tx.req_prod_pvt % RING_SIZE(&v->tx);
	v->tx.req_prod_pvt++;
	v->requests++;
	return r;
}

static void push(struct vif *v)
{
	int do_notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->tx, do_notify);
	if (do_notify)
		notify(v);
}

/* A broadcast Ethernet frame of len bytes in TX buffer b, from our MAC. */
static unsigned int frame(struct vif *v, unsigned int b, unsigned int len, unsigned int off)
{
	uint8_t *f = page(v, 2 + b % NR_TXBUF) + off;
	unsigned int i;

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x00\x16\x3e\x7d\x0f\x01", 6);
	f[12] = 0x88;			/* local experimental ethertype 88b5 */
	f[13] = 0xb5;
	for (i = 14; i < len; i++)
		f[i] = i;
	return v->gref[2 + b % NR_TXBUF];
}

static void send_good(struct vif *v, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		netif_tx_request_t *r;

		if (!room(v, 1))
			break;
		r = next_req(v);
		r->gref = frame(v, i, 60 + i % 1400, 0);
		r->offset = 0;
		r->size = 60 + i % 1400;
		push(v);
	}
}

/* A chain of n slots of 100 bytes each (first: the whole length). */
static void chain(struct vif *v, unsigned int n, bool last_more)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		netif_tx_request_t *r = next_req(v);

		r->gref = frame(v, i, 100, 0);
		r->size = i ? 100 : 100 * n;
		r->flags = (i + 1 < n || last_more) ? NETTXF_more_data : 0;
	}
}

static int attack(struct vif *v, const char *kind)
{
	netif_tx_request_t *r;
	netif_extra_info_t *x;

	if (!room(v, 64))
		return -1;
	if (!strcmp(kind, "bad-gref") || !strcmp(kind, "foreign-gref")) {
		r = next_req(v);
		r->gref = !strcmp(kind, "bad-gref") ? 0x7ffffff0 : v->foreign;
		r->size = 100;
	} else if (!strcmp(kind, "short")) {
		r = next_req(v);
		r->gref = frame(v, 0, 60, 0);
		r->size = 10;
	} else if (!strcmp(kind, "oversize")) {
		r = next_req(v);
		r->gref = frame(v, 0, 1000, 0);
		r->size = 1600;
		r->flags = NETTXF_more_data;
		r = next_req(v);
		r->gref = frame(v, 1, 600, 0);
		r->size = 600;
	} else if (!strcmp(kind, "long-chain")) {
		chain(v, 19, false);
	} else if (!strcmp(kind, "chain-21")) {
		chain(v, 21, false);
	} else if (!strcmp(kind, "endless-chain")) {
		chain(v, 40, true);
	} else if (!strcmp(kind, "cross-page")) {
		r = next_req(v);
		r->gref = frame(v, 0, 60, 0);
		r->offset = 4000;
		r->size = 200;
	} else if (!strcmp(kind, "prod-jump")) {
		v->tx.req_prod_pvt += 1000;
		v->requests++;
	} else if (!strcmp(kind, "bad-extra") || !strcmp(kind, "gso-zero")) {
		r = next_req(v);
		r->gref = frame(v, 0, 1000, 0);
		r->size = 1000;
		r->flags = NETTXF_extra_info | NETTXF_csum_blank;
		x = (netif_extra_info_t *)next_req(v);
		memset(x, 0, sizeof(*x));
		x->type = !strcmp(kind, "bad-extra") ? 9 : XEN_NETIF_EXTRA_TYPE_GSO;
		x->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
		x->u.gso.size = 0;
	} else {
		return -1;
	}
	push(v);
	return 0;
}

/*
 * One of the fatal malformations (the backend must stop serving the vif):
 * a slot past its page, a chain of 21 slots, an unknown extra, or a
 * producer index far past the ring.  False when there was no room.
 */
static bool fuzz_fatal(struct vif *v)
{
	netif_tx_request_t *r;
	unsigned int k;

	switch (random() % 4) {
	case 0:
		if (!room(v, 1))
			return false;
		r = next_req(v);
		r->gref = frame(v, random(), 60, 0);
		r->offset = PAGE - 100;
		r->size = 200;
		break;
	case 1:
		if (!room(v, 21))
			return false;
		for (k = 0; k < 21; k++) {
			r = next_req(v);
			r->gref = frame(v, random(), 60, 0);
			r->size = k ? 60 : 21 * 60;
			r->flags = k < 20 ? NETTXF_more_data : 0;
		}
		break;
	case 2:
		if (!room(v, 2))
			return false;
		r = next_req(v);
		r->gref = frame(v, random(), 60, 0);
		r->size = 60;
		r->flags = NETTXF_extra_info;
		r = next_req(v);
		((netif_extra_info_t *)r)->type = 5 + random() % 250;
		break;
	default:
		/* requests the backend will look for and never find */
		v->tx.req_prod_pvt += RING_SIZE(&v->tx) + random() % 4096;
		v->requests++;
		break;
	}
	push(v);
	return true;
}

/* Random requests: mostly malformed in ways that get an error, seeded. */
static void fuzz(struct vif *v, uint64_t seed, unsigned long count, unsigned long fatal_ppm)
{
	unsigned long i;

	srandom(seed);
	for (i = 0; i < count; i++) {
		netif_tx_request_t *r;
		unsigned int n = 1 + random() % 3, k, total = 0;

		if ((unsigned long)random() % 1000000 < fatal_ppm) {
			if (!fuzz_fatal(v))
				break;
			continue;
		}
		if (!room(v, n))
			break;
		for (k = 0; k < n; k++) {
			r = next_req(v);
			switch (random() % 5) {
			case 0: r->gref = random(); break;			/* any reference */
			case 1: r->gref = v->foreign; break;
			case 2: r->gref = v->revoked; break;
			default: r->gref = frame(v, random(), 60, 0); break;
			}
			r->offset = random() % 2 ? 0 : random() % (PAGE - 1600);
			/* the first slot's size is the packet's: sometimes less than its slots' */
			r->size = random() % 8 ? random() % 1600 : random() % 2 ? 0 : total;
			total += r->size;
			r->flags = k + 1 < n ? NETTXF_more_data : 0;
			r->flags |= random() % 8 ? 0 : NETTXF_csum_blank;
			r->flags |= random() % 16 ? 0 : NETTXF_data_validated;
		}
		push(v);
	}
}

/* Notifications and nothing else, for seconds: what does it cost others? */
static void flood(struct vif *v, double seconds)
{
	struct timespec t0, t;
	unsigned long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		notify(v);
		n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	printf("tdvif: notifications %lu in %.0f s\n", n, seconds);
}

static void report(struct vif *v)
{
	struct timespec ts = { 0, 100000000 };
	int i;

	for (i = 0; i < 30; i++) {	/* responses still coming: up to 3 s */
		collect(v);
		if (v->okay + v->error + v->dropped + v->null >= v->requests)
			break;
		nanosleep(&ts, NULL);
	}
	printf("tdvif: requests %lu, responses: okay %lu, error %lu, dropped %lu, null %lu, "
	       "unanswered %ld; rx frames %lu; backend %d\n", v->requests, v->okay, v->error,
	       v->dropped, v->null, (long)(v->requests - v->okay - v->error - v->dropped - v->null),
	       v->rx_frames, xs_state(v->be));
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: tdvif DEVID connect [SECONDS] | send COUNT | attack KIND | fuzz SEED COUNT [PPM] | flood SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct vif v = { 0 };
	const char *cmd;
	unsigned int devid;

	if (argc < 3)
		usage();
	devid = atoi(argv[1]);
	cmd = argv[2];
	if ((!strcmp(cmd, "send") && argc != 4) || (!strcmp(cmd, "attack") && argc != 4) ||
	    (!strcmp(cmd, "fuzz") && argc != 5 && argc != 6) || (!strcmp(cmd, "connect") && argc > 4) ||
	    (!strcmp(cmd, "flood") && argc != 4) ||
	    (strcmp(cmd, "send") && strcmp(cmd, "attack") && strcmp(cmd, "fuzz") &&
	     strcmp(cmd, "connect") && strcmp(cmd, "flood")))
		usage();
	xs_fd = open("/dev/xen/xenbus", O_RDWR);
	gnt_fd = open("/dev/xen/gntalloc", O_RDWR);
	evt_fd = open("/dev/xen/evtchn", O_RDWR);
	if (xs_fd < 0 || gnt_fd < 0 || evt_fd < 0)
		die("cannot open the Xen devices (xenbus %d, gntalloc %d, evtchn %d): modprobe xen-gntalloc xen-evtchn",
		    xs_fd, gnt_fd, evt_fd);
	connect_vif(&v, devid);
	printf("tdvif: connected %s (backend %s, port %u)\n", v.fe, v.be, v.port);
	fflush(stdout);
	if (!strcmp(cmd, "connect")) {
		sleep(argc == 4 ? atoi(argv[3]) : 3600);
		return 0;
	}
	wait_go(120);
	send_good(&v, 8);
	if (!strcmp(cmd, "send"))
		send_good(&v, atoi(argv[3]));
	else if (!strcmp(cmd, "attack") && attack(&v, argv[3]))
		die("unknown attack '%s' (or no room in the ring)", argv[3]);
	else if (!strcmp(cmd, "fuzz"))
		fuzz(&v, strtoull(argv[3], NULL, 0), strtoul(argv[4], NULL, 0),
		     argc == 6 ? strtoul(argv[5], NULL, 0) : 0);
	else if (!strcmp(cmd, "flood"))
		flood(&v, atof(argv[3]));
	collect(&v);
	send_good(&v, 8);
	report(&v);
	return 0;
}
