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
enum iommu { IOMMU_OFF, IOMMU_INTEL, IOMMU_AMD };

struct paths {
	const char *qemu;
	const char *xen;
	const char *kernel;
	const char *native_img;
	const char *dom0_img;
	/* the instruction-accounting plugin (NULL: off) and Xen's symbols for it */
	const char *insn_plugin;
	const char *xen_syms;
};

struct machine {
	enum machine_kind kind;
	enum accel accel;	/* resolved: tcg or kvm */
	int cpus;
	int mem_mb;
	enum iommu iommu;	/* an emulated IOMMU in front of the e1000 */
	const char *kernel_args;	/* more for native's or dom0's kernel; NULL: none */
	const char *xen_args;		/* more for Xen's command line; NULL: none */
	bool eager_fpu;			/* Xen's spec-ctrl=eager-fpu (see testbed.h) */
	const struct paths *paths;
	/* hooks for instruments: appended to -device e1000 and to argv */
	const char *e1000_props;
	const char *const *extra_args;	/* NULL-terminated, may be NULL */
	/* tracing (-trace): event lists and the simple backend's file, or NULL */
	char *trace_events, *trace_iommu_events, *trace_file;
	char *console_log;	/* kept after the run */
	char *qemu_log;		/* QEMU's own stderr */
	char *ctl_sock;
	char *insn_file;	/* the plugin's counters (raw/<tag>-insn.bin); NULL: off */
	pid_t pid;
	int cleanup_handle;
	bool twin_loaded;	/* the derived instance is in this boot's Xen */
	struct lv_domain *lv;	/* started through libvirt (libvirt.c); NULL: directly */
};

const char *machine_kind_name(enum machine_kind k);
const char *accel_name(enum accel a);
const char *iommu_name(enum iommu i);

/* The kernel command line: native Linux's, or Xen's. */
char *machine_append(const struct machine *m);
/* Xen's multiboot modules (-initrd): dom0's kernel with its command line, its image. */
char *machine_xen_modules(const struct machine *m);

/* Start QEMU for m, logs and socket named after tag in rundir. */
void machine_start(struct machine *m, const char *rundir, const char *tag);
/* Stop it (also done by cleanup on any exit). */
void machine_stop(struct machine *m);
bool machine_alive(struct machine *m);
/* QEMU process's CPU time (user+system) so far, in seconds. */
double machine_host_cpu_s(struct machine *m);
/* Last non-empty line of the console log, for progress and errors. */
char *machine_console_tail(struct machine *m);
/* Last line QEMU printed on its stderr: why it refused to start. */
char *machine_qemu_error(struct machine *m);

#endif
