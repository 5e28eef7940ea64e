/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: libvirt as the launcher of the testbed machine (--launcher
 * libvirt[:URI]).  The harness writes the domain XML itself: libvirt runs
 * the project's QEMU with the same machine, CPU, memory, serial ports and
 * e1000 as the direct launcher, and <qemu:commandline> carries what
 * libvirt does not model (the instruction-accounting plugin, tracing,
 * Xen's multiboot modules).  It is libvirt_launcher (machine.h); this
 * is its connection.  Domains are transient and auto-destroyed
 * with the connection: nothing stays defined, even after a SIGKILL.
 */
#ifndef TDH_LIBVIRT_LAUNCHER_H
#define TDH_LIBVIRT_LAUNCHER_H

#include <stdbool.h>

#include "machine.h"

#define LIBVIRT_DEFAULT_URI	"qemu:///system"

/* die() with one line when uri cannot be this run's launcher (a remote one). */
void libvirt_check_uri(const char *uri);
/*
 * Connect, starting virtlogd and libvirtd when they are not running (and
 * stopping them again at exit); log_dir receives their logs.  Must run
 * in the host's network namespace, before the peer is entered.  die()s
 * with EXIT_USAGE when libvirt cannot be reached or refuses the URI.
 */
void libvirt_connect(const char *uri, const char *log_dir);
/* The namespaces the tap moves between while libvirt opens it. */
void libvirt_set_peer(int host_ns_fd, const char *peer_ns);
/* A short description of the daemon and its version, for the records. */
const char *libvirt_version(void);

/* The domain XML for d (libvirt_launcher.render gives it, for 'tdh machine'). */
char *libvirt_domain_xml(const struct machine_desc *d, const char *name, const char *tap);

#endif
