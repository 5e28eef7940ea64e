/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: one simulated machine.  QEMU (q35, an e1000 on the peer's tap) runs
 * either native Linux or Xen with dom0; its first serial port is the
 * console, logged to a file, its second the agent's control channel.
 *
 * struct machine_desc says what the machine is.  The decisions about it
 * (the CPU model, the command lines, Xen's modules, whether the plugin
 * counts, what is traced) are taken in machine.c, once; a launcher only
 * renders them, qemu.c as QEMU's argv, libvirt.c as a domain XML, and
 * starts the result.  `tdh machine` prints either rendering without
 * booting, and a test checks that the two say the same thing.
 */
#ifndef TDH_MACHINE_H
#define TDH_MACHINE_H

#include <stdbool.h>
#include <sys/types.h>

enum machine_kind { MACHINE_NATIVE, MACHINE_XEN };
enum accel { ACCEL_TCG, ACCEL_KVM, ACCEL_AUTO };
enum iommu { IOMMU_OFF, IOMMU_INTEL, IOMMU_AMD };
/* QEMU's NIC model, which is also the name of its Linux driver */
enum nic { NIC_E1000, NIC_E1000E };

#define NIC_MAC		"52:54:00:12:34:56"
/* native Linux's and dom0's address on the peer's link */
#define GUEST_IP	"10.99.0.2/24"

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

struct machine_desc {
	enum machine_kind kind;
	enum accel accel;		/* resolved: tcg or kvm */
	int cpus;
	int mem_mb;
	enum iommu iommu;		/* an emulated IOMMU in front of the NIC */
	enum nic nic;
	const char *kernel_args;	/* more for native's or dom0's kernel; NULL: none */
	const char *xen_args;		/* more for Xen's command line; NULL: none */
	bool eager_fpu;			/* Xen's spec-ctrl=eager-fpu (see testbed.h) */
	const struct paths *paths;
	const char *fault_trace;	/* the patched e1000's or e1000e's fault file; NULL: none */
	/* tracing (-trace): event lists and the simple backend's file, or NULL */
	char *trace_events, *trace_iommu_events, *trace_file;
	/* named by machine_name_files() */
	char *console_log;		/* kept after the run */
	char *qemu_log;			/* QEMU's own stderr */
	char *ctl_sock;
	char *insn_file;		/* the plugin's counters; NULL: not counting */
};

/* The CPU both launchers give: a base model with some features turned off. */
struct cpu_desc {
	bool host;			/* the host's CPU (KVM) rather than QEMU's "max" */
	const char *off[2];
	int nr_off;
};

struct machine;

/*
 * A way to start a machine.  refuses(): NULL when it can start d, or one
 * line naming the option it cannot model.  render(): what it would start,
 * as text (QEMU's argv one argument a line, or the domain XML).
 */
struct launcher {
	const char *name;
	const char *(*refuses)(const struct machine_desc *d);
	char *(*render)(const struct machine_desc *d);
	void (*start)(struct machine *m, const char *rundir, const char *tag);
	bool (*alive)(struct machine *m);
	void (*stop)(struct machine *m);
};

extern const struct launcher direct_launcher;	/* qemu.c */
extern const struct launcher libvirt_launcher;	/* libvirt.c */

struct machine {
	struct machine_desc d;
	const struct launcher *launcher;
	pid_t pid;			/* QEMU's, whichever launcher started it */
	int cleanup_handle;
	bool twin_loaded;		/* the derived instance is in this boot's Xen */
	struct lv_domain *lv;		/* libvirt's record of it (libvirt.c) */
};

const char *machine_kind_name(enum machine_kind k);
const char *accel_name(enum accel a);
const char *iommu_name(enum iommu i);
const char *nic_name(enum nic n);

/* The one answer to "does the instruction-accounting plugin count?" */
bool machine_counts_insns(const struct paths *p, enum accel accel);
/* Name the consoles, the control socket and the plugin's file after tag in rundir. */
void machine_name_files(struct machine_desc *d, const char *rundir, const char *tag);

void machine_cpu(const struct machine_desc *d, struct cpu_desc *c);
/* VT-d remaps interrupts, which under KVM needs the split irqchip. */
bool machine_split_irqchip(const struct machine_desc *d);
/* What -kernel loads: Linux, or Xen. */
const char *machine_kernel(const struct machine_desc *d);
/* The kernel command line: native Linux's, or Xen's.  Caller frees. */
char *machine_append(const struct machine_desc *d);
/*
 * s as a value inside a QEMU option string ("a=VALUE,b=..."), where a
 * comma separates options and a doubled one stands for itself.  Caller frees.
 */
char *machine_opt_value(const char *s);
/* Xen's multiboot modules (-initrd): dom0's kernel with its command line, its image. */
char *machine_xen_modules(const struct machine_desc *d);
/* QEMU's -plugin argument, NULL when not counting.  Caller frees. */
char *machine_plugin_arg(const struct machine_desc *d);
/* QEMU's -trace arguments into out[] (caller frees each); how many. */
int machine_trace_args(const struct machine_desc *d, char *out[2]);

/* Start m->d with m->launcher, logs and socket as machine_name_files() named them. */
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
