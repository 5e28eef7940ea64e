/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the peer.  A network namespace of the run's own, holding the tap
 * device QEMU's e1000 is attached to and the peer's address; QEMU and the
 * peer's iperf3 run inside it, so the testbed's traffic never leaves it.
 */
#ifndef TDH_NETNS_H
#define TDH_NETNS_H

#define PEER_IP		"10.99.0.1"
#define PEER_PREFIX	24
#define TAP_NAME	"tdh0"

struct peer {
	char name[32];		/* tdh-<pid> */
	int host_ns_fd;		/* to get back out */
};

/* Check the prerequisites; die() with the fix when one is missing. */
void peer_preflight(void);
/* Create, configure, register its cleanup and enter the namespace. */
void peer_create(struct peer *p);

#endif
