/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: one simulated machine.  QEMU (q35, an e1000 on the peer's tap) runs
 * either native Linux or Xen with dom0; its first serial port is the
 * console, logged to a file, its second the agent's control channel.
 */
#ifndef TDH_QEMU_H
#define TDH_QEMU_H

#include <stdbool.h>
#include <sys/types.h>

enum machine_kind { MACHINE_NATIVE, MACHINE_XEN };
enum accel { ACCEL_TCG, ACCEL_KVM, ACCEL_AUTO };

struct paths {
	const char *qemu;
	const char *xen;
	const char *kernel;
	const char *native_img;
	const char *dom0_img;
};

struct machine {
	enum machine_kind kind;
	enum accel accel;	/* resolved: tcg or kvm */
	int cpus;
	int mem_mb;
	const struct paths *paths;
	/* hooks for instruments: appended to -device e1000 and to argv */
	const char *e1000_props;
	const char *const *extra_args;	/* NULL-terminated, may be NULL */
	char *console_log;	/* kept after the run */
	char *qemu_log;		/* QEMU's own stderr */
	char *ctl_sock;
	pid_t pid;
	int cleanup_handle;
};

const char *machine_kind_name(enum machine_kind k);
const char *accel_name(enum accel a);

/* Start QEMU for m, logs and socket named after tag in rundir. */
void machine_start(struct machine *m, const char *rundir, const char *tag);
/* Stop it (also done by cleanup on any exit). */
void machine_stop(struct machine *m);
bool machine_alive(struct machine *m);
/* QEMU process's CPU time (user+system) so far, in seconds. */
double machine_host_cpu_s(struct machine *m);
/* Last non-empty line of the console log, for progress and errors. */
char *machine_console_tail(struct machine *m);

#endif
