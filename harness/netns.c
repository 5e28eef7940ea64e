// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "netns.h"
#include "util.h"

void peer_preflight(void)
{
	char *argv[] = { "ip", "-V", NULL };
	int fd;

	if (geteuid() != 0)
		die(EXIT_USAGE, "must run as root (it creates a network namespace and a tap device); re-run with sudo");
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		die(EXIT_USAGE, "cannot open /dev/net/tun (%s); load the tun module (modprobe tun) or give the container the device",
		    strerror(errno));
	close(fd);
	if (run_cmd(argv, NULL, false, 10) != 0)
		die(EXIT_USAGE, "'ip' (iproute2) is missing; run 'make host-deps' or apt-get install iproute2");
}

static void ip_or_die(const char *what, char *const argv[])
{
	char *out = NULL;
	int rc = run_cmd(argv, &out, true, 30);

	if (rc != 0) {
		char *nl = out ? strchr(out, '\n') : NULL;

		if (nl)
			*nl = '\0';
		die(EXIT_RUN, "%s failed: %s", what, out && *out ? out : "ip exited with an error");
	}
	free(out);
}

static void peer_destroy(void *arg)
{
	struct peer *p = arg;
	char *argv[] = { "ip", "netns", "del", p->name, NULL };

	/* leave the namespace before deleting it */
	if (p->host_ns_fd >= 0) {
		setns(p->host_ns_fd, CLONE_NEWNET);
		close(p->host_ns_fd);
		p->host_ns_fd = -1;
	}
	if (run_cmd(argv, NULL, true, 30) != 0)
		warn("could not delete network namespace %s; remove it with 'ip netns del %s'",
		     p->name, p->name);
}

void peer_create(struct peer *p)
{
	char addr[32];
	char *add[] = { "ip", "netns", "add", p->name, NULL };
	char *lo[] = { "ip", "-n", p->name, "link", "set", "lo", "up", NULL };
	char *tap[] = { "ip", "-n", p->name, "tuntap", "add", "dev", TAP_NAME, "mode", "tap", NULL };
	char *ad[] = { "ip", "-n", p->name, "addr", "add", addr, "dev", TAP_NAME, NULL };
	char *up[] = { "ip", "-n", p->name, "link", "set", TAP_NAME, "up", NULL };
	char *path;
	int fd;

	snprintf(p->name, sizeof(p->name), "tdh-%d", (int)getpid());
	snprintf(addr, sizeof(addr), "%s/%d", PEER_IP, PEER_PREFIX);
	p->host_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->host_ns_fd < 0)
		die(EXIT_RUN, "cannot open /proc/self/ns/net: %s", strerror(errno));

	ip_or_die("creating the peer's network namespace", add);
	cleanup_push(peer_destroy, p, "peer namespace");
	ip_or_die("bringing up loopback in the peer namespace", lo);
	ip_or_die("creating the tap device", tap);
	ip_or_die("adding the peer's address", ad);
	ip_or_die("bringing the tap device up", up);

	path = xasprintf("/run/netns/%s", p->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(EXIT_RUN, "cannot enter network namespace %s: %s", p->name, strerror(errno));
	close(fd);
	free(path);
}
