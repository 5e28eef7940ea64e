/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: libvirt as the launcher of the testbed machine (--launcher
 * libvirt[:URI]).  The harness writes the domain XML itself: libvirt runs
 * the project's QEMU with the same machine, CPU, memory, serial ports and
 * e1000 as the direct launcher, and <qemu:commandline> carries what
 * libvirt does not model (the instruction-accounting plugin, tracing,
 * Xen's multiboot modules).  Domains are transient and auto-destroyed
 * with the connection: nothing stays defined, even after a SIGKILL.
 */
#ifndef TDH_LIBVIRT_LAUNCHER_H
#define TDH_LIBVIRT_LAUNCHER_H

#include <stdbool.h>

#include "qemu.h"

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
/* Route the next machine_start() through libvirt (true) or not. */
void libvirt_select(bool on);
bool libvirt_selected(void);
/* A short description of the daemon and its version, for the records. */
const char *libvirt_version(void);

/* The launcher proper, called by machine_start() and friends. */
void libvirt_machine_start(struct machine *m, const char *rundir, const char *tag);
bool libvirt_machine_alive(struct machine *m);
void libvirt_machine_stop(struct machine *m);

/* The domain XML for m (exposed for tests through 'tdh regress --print-xml'). */
char *libvirt_domain_xml(const struct machine *m, const char *name, const char *tap);

#endif
