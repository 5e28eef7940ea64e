/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the testbed library every command that boots is written on (sim,
 * regress, replay, twin-check, boot): the configurations and the shared
 * options (testbed_cli.c), opening and closing a testbed, boots and the
 * domU (testbed.c), one measurement case (measure_case.c).  A matrix of
 * cases is matrix.h's.
 */
#ifndef TDH_TESTBED_H
#define TDH_TESTBED_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "agent.h"
#include "netns.h"
#include "machine.h"
#include "results.h"

#define IPERF_PORT	5201
#define MAX_CONFIGS	8
#define MAX_WORKLOADS	2
/* Debian's QEMU, for --stock-qemu: the comparison point for our patches */
#define STOCK_QEMU	"qemu-system-x86_64"

struct config_desc {
	const char *name;
	enum machine_kind machine;
	const char *guest_ip;		/* where the peer's iperf3 connects */
	bool needs_domu;
	bool twin;			/* Xen's instance attached to dom0's e1000 */
	bool twin_vif;			/* the domU's vif served by Xen, not netback */
	bool vif_frames;		/* and given its frames one by one (no coalescing) */
};

extern const struct config_desc config_table[];
extern const int nr_config_table;

/*
 * How Xen switches FPU state.  Under TCG the CPU is an AMD one, for which
 * Xen 4.17 switches lazily (CR0.TS and #NM); only the project's QEMU
 * raises #NM for XSAVE/XRSTOR (qemu-e1000-tracing/patches/0006).  auto:
 * lazy (Xen's own choice) with the project's QEMU, eager with any other.
 */
enum xen_fpu { XEN_FPU_AUTO, XEN_FPU_LAZY, XEN_FPU_EAGER };

/* Options every command that boots the testbed shares. */
struct testbed_opts {
	const char *configs[MAX_CONFIGS];
	int nr_configs;
	const char *workloads[MAX_WORKLOADS];
	int nr_workloads;
	double duration_s;
	double warmup_s;
	int repeats;
	int cpus;
	int mem_mb;
	enum accel accel;
	enum iommu iommu;
	enum nic nic;			/* --nic: QEMU's model, and the driver native and dom0 run */
	bool nic_given;			/* --nic was given (regress: the baseline's rules otherwise) */
	const char *trace_group;	/* qemu/events/<group>, NULL: no tracing */
	double boot_timeout_s;
	const char *results_dir;	/* parent of the run folders */
	struct paths paths;
	const char *build_dir;
	bool qemu_is_default;		/* neither --qemu nor --stock-qemu */
	bool no_plugin;			/* --no-plugin: no instruction accounting */
	const char *kernel_args;	/* --kernel-args: appended for native and dom0 */
	const char *xen_args;		/* --xen-args: appended to Xen's command line */
	enum xen_fpu xen_fpu;		/* --xen-fpu, as given */
	bool eager_fpu;			/* resolved by preflight() */
	const char *fault_trace;	/* the patched NIC's fault file (tdh replay) */
	int guest_mtu;			/* the guests' MTU (regress's slower variant); 0: unchanged */
	bool insn;			/* the plugin counts: set with the accelerator, testbed_resolve() */
	char args[1024];		/* as given, for results.json */
};

const struct config_desc *find_config(const char *name);

/* The shared options: getopt_long entries, defaults, handling, help. */
#define TESTBED_LONGOPTS \
	{ "duration", required_argument, NULL, 'd' }, \
	{ "warmup", required_argument, NULL, 'W' }, \
	{ "cpus", required_argument, NULL, 'C' }, \
	{ "mem", required_argument, NULL, 'm' }, \
	{ "accel", required_argument, NULL, 'a' }, \
	{ "boot-timeout", required_argument, NULL, 'T' }, \
	{ "results", required_argument, NULL, 'o' }, \
	{ "qemu", required_argument, NULL, 'q' }, \
	{ "stock-qemu", no_argument, NULL, 'S' }, \
	{ "iommu", required_argument, NULL, 'I' }, \
	{ "trace", required_argument, NULL, 't' }, \
	{ "no-plugin", no_argument, NULL, 'P' }, \
	{ "build", required_argument, NULL, 'b' }, \
	{ "kernel-args", required_argument, NULL, 'K' }, \
	{ "xen-args", required_argument, NULL, 'X' }, \
	{ "xen-fpu", required_argument, NULL, 'F' }, \
	{ "nic", required_argument, NULL, 'N' }
/* The option characters of TESTBED_LONGOPTS, as switch labels. */
#define TESTBED_OPTION_CASES \
	case 'd': case 'W': case 'C': case 'm': case 'a': case 'T': case 'o': case 'q': \
	case 'S': case 'I': case 't': case 'P': case 'b': case 'K': case 'X': case 'F': case 'N'
void testbed_defaults(struct testbed_opts *o);
/* The command line as given, into o->args (results.json and the like). */
void testbed_record_args(struct testbed_opts *o, int argc, char **argv);
/*
 * Split a comma-separated list into out[] (at most max), each item checked
 * by valid (when given); die() naming the item and 'tdh COMMAND --help'.
 */
int testbed_split_list(char *arg, const char **out, int max, const char *what,
		       bool (*valid)(const char *), const char *command);
bool testbed_valid_config(const char *s);
bool testbed_valid_workload(const char *s);
void testbed_option(struct testbed_opts *o, int c, const char *optarg);
void testbed_usage(FILE *out);
/* getopt_long's '?' for 'tdh COMMAND': one line naming the option, exit 2. */
void testbed_bad_option(const char *command, char *const argv[])
	__attribute__((noreturn));

/* --machine's "native" or "xen"; die() naming the option otherwise. */
enum machine_kind testbed_machine_option(const char *arg);
/*
 * --launcher's "direct", "libvirt" or "libvirt:URI": the launcher, with
 * *uri libvirt's (NULL for direct); NULL when spec names none.
 */
const struct launcher *testbed_launcher(const char *spec, const char **uri);

/*
 * An open testbed: what every command that boots holds between opening and
 * closing.  A command is a short story on it: testbed_open(), boot() the
 * machines it needs (start_domu(), measure() or its own checks),
 * shutdown_machine(), testbed_close().
 */
struct testbed {
	struct testbed_opts *o;
	char *rundir;			/* results/runs/<stamp>-<pid> */
	struct versions versions;
	struct peer peer;
	enum accel accel;		/* --accel resolved (auto probes KVM) */
};

/*
 * Open in one step, or step by step for a command that does something
 * between them (regress compares the versions with its baseline's before
 * it makes a run folder, and has its failure report in place before it
 * connects):
 *   testbed_prepare      the build outputs found, preflight(), the signal
 *                        handlers, the lock, the versions read;
 *   testbed_make_rundir  the run folder;
 *   testbed_connect      the peer (connecting launcher first when it is
 *                        libvirt's, at uri), the accelerator resolved
 *                        into o (testbed_resolve()).
 */
void testbed_prepare(struct testbed *tb, struct testbed_opts *o);
void testbed_make_rundir(struct testbed *tb);
void testbed_connect(struct testbed *tb, const struct launcher *launcher, const char *uri);
void testbed_open(struct testbed *tb, struct testbed_opts *o, const struct launcher *launcher,
		  const char *uri);
/* Everything the run set up undone (machines, peer, lock); the run folder stays. */
void testbed_close(struct testbed *tb);

/* Find build outputs next to tdh unless --build was given; once. */
void default_paths(struct testbed_opts *o);
/* --xen-fpu into o->eager_fpu (auto: lazy only with the project's QEMU). */
void testbed_resolve_fpu(struct testbed_opts *o);
/* results/runs/<stamp>-<pid>, with results/runs/latest pointing at it. */
char *make_rundir(const char *parent);
/* o->accel and o->insn for accel, resolved: what options_json() records. */
void testbed_resolve(struct testbed_opts *o, enum accel accel);

/*
 * What the options make of one machine: d described for kind and accel,
 * its files named after tag in rundir (see machine.h).
 */
void testbed_describe(const struct testbed_opts *o, enum machine_kind kind, enum accel accel,
		      const char *rundir, const char *tag, struct machine_desc *d);
/*
 * Boot a machine of tb's options and accelerator with launcher, its files
 * in rundir named after tag, and wait for the agent; die() naming the
 * console log on failure.
 */
void boot(const struct testbed *tb, const struct launcher *launcher, struct machine *m,
	  struct agent *a, enum machine_kind kind, const char *rundir, const char *tag);
/* xl create the domU, wait for it; more_args: appended to its kernel's command line */
void start_domu(struct agent *a, struct machine *m, const char *more_args);
/*
 * die() if dom0 processes died of a fault during this boot: the records of
 * a boot whose dom0 was corrupted are not to be trusted.
 */
void check_dom0_segfaults(const struct machine *m);
/* How many did (the kernel's "comm[pid]: segfault at" lines on its console). */
unsigned int console_segfaults(const struct machine *m);
void save_domu_console(struct agent *a, const char *rundir, const char *tag);
/*
 * The normal end of a boot: check_dom0_segfaults() under Xen, then
 * release_machine().
 */
void shutdown_machine(struct agent *a, struct machine *m);
/* Close the agent and stop the machine, keeping no failure state. */
void release_machine(struct agent *a, struct machine *m);

/* One iperf3 run with its CPU window; appends a record to res. */
void measure(const struct testbed_opts *o, const struct config_desc *cd, const char *workload,
	     int repeat, struct machine *m, struct agent *a, const char *rundir,
	     struct results *res);

/*
 * Traffic that may fail (tdh replay): one iperf3 client for seconds, no
 * warm-up.  True when it completed; *ir holds the result, *err the reason
 * otherwise (ir->error: iperf3's own words, when it said any).
 */
bool traffic_run(const struct config_desc *cd, const char *workload, double seconds,
		 const char *json_path, struct iperf_result *ir, const char **err);

#endif
