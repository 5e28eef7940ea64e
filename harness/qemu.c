// SPDX-License-Identifier: GPL-2.0
/*
 * The direct launcher: the machine description rendered as QEMU's argv,
 * QEMU forked in the peer's namespace (where it opens the tap itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine.h"
#include "netns.h"
#include "util.h"

#define MAX_ARGS	64

/* A serial port on a chardev of backend at path: its four arguments from argv[n] on. */
static int serial_port(char **argv, int n, const char *backend, const char *id, const char *path,
		       const char *more)
{
	char *v = machine_opt_value(path);

	argv[n++] = "-chardev";
	argv[n++] = xasprintf("%s,id=%s,path=%s%s", backend, id, v, more);
	argv[n++] = "-serial";
	argv[n++] = xasprintf("chardev:%s", id);
	free(v);
	return n;
}

/* argv[] (allocated, NULL-terminated) for d; the strings are leaked on purpose: one per boot */
static char **build_argv(const struct machine_desc *d)
{
	char **argv = xcalloc(MAX_ARGS, sizeof(*argv)), *trace[2], *cpu, *plugin, *v;
	struct cpu_desc c;
	int n = 0, i, nr_trace;
#define ARG(x) (argv[n++] = (char *)(x))
	ARG(d->paths->qemu);
	ARG("-machine");
	ARG(machine_split_irqchip(d) ? "q35,kernel-irqchip=split" : "q35");
	ARG("-accel");
	ARG(accel_name(d->accel));
	machine_cpu(d, &c);
	cpu = xstrdup(c.host ? "host" : "max");
	for (i = 0; i < c.nr_off; i++) {
		char *t = xasprintf("%s,-%s", cpu, c.off[i]);

		free(cpu);
		cpu = t;
	}
	ARG("-cpu");
	ARG(cpu);
	ARG("-smp");
	ARG(xasprintf("%d", d->cpus));
	ARG("-m");
	ARG(xasprintf("%d", d->mem_mb));
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	/* the console, then the agent's socket: the first and second serial ports */
	n = serial_port(argv, n, "file", "con", d->console_log, "");
	n = serial_port(argv, n, "socket", "ctl", d->ctl_sock, ",server=on,wait=off");
	ARG("-netdev");
	ARG("tap,id=n0,ifname=" TAP_NAME ",script=no,downscript=no");
	/*
	 * The IOMMU comes before the devices it translates for.  VT-d remaps
	 * interrupts too, and caching-mode lets the guest's invalidations
	 * reach QEMU's IOTLB.  QEMU 7.2's amd-iommu translates DMA, but with
	 * Xen's interrupt remapping on (with or without intremap=on here) the
	 * e1000's traffic stalls after a few packets: Xen gets no-intremap
	 * with it (machine_append).  Linux turns AMD's IOMMU on by itself,
	 * Intel's on request.
	 */
	if (d->iommu == IOMMU_INTEL) {
		ARG("-device");
		ARG("intel-iommu,intremap=on,caching-mode=on");
	} else if (d->iommu == IOMMU_AMD) {
		ARG("-device");
		ARG("amd-iommu");
	}
	ARG("-device");
	v = machine_opt_value(d->fault_trace ? d->fault_trace : "");
	ARG(xasprintf("%s,netdev=n0,mac=" NIC_MAC "%s%s", nic_name(d->nic),
		      d->fault_trace ? ",fault-trace=" : "", v));
	free(v);
	ARG("-kernel");
	ARG(machine_kernel(d));
	ARG("-append");
	ARG(machine_append(d));
	ARG("-initrd");
	ARG(d->kind == MACHINE_NATIVE ? d->paths->native_img : machine_xen_modules(d));
	plugin = machine_plugin_arg(d);
	if (plugin) {
		ARG("-plugin");
		ARG(plugin);
	}
	nr_trace = machine_trace_args(d, trace);
	for (i = 0; i < nr_trace; i++) {
		ARG("-trace");
		ARG(trace[i]);
	}
	argv[n] = NULL;
#undef ARG
	return argv;
}

static char *direct_render(const struct machine_desc *d)
{
	char **argv = build_argv(d), *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	if (!f)
		die(EXIT_RUN, "out of memory");
	for (i = 0; argv[i]; i++)
		fprintf(f, "%s\n", argv[i]);
	fclose(f);
	free(argv);
	return text;
}

static const char *direct_refuses(const struct machine_desc *d)
{
	(void)d;
	return NULL;	/* it renders every option */
}

static void direct_start(struct machine *m, const char *rundir, const char *tag)
{
	char **argv = build_argv(&m->d);
	char *cmdline_path;
	FILE *f;
	int i, fd;

	/* the exact command, for whoever wants to boot it by hand */
	cmdline_path = xasprintf("%s/qemu-%s.cmdline", rundir, tag);
	f = fopen(cmdline_path, "w");
	if (f) {
		for (i = 0; argv[i]; i++)
			fprintf(f, "'%s'%s", argv[i], argv[i + 1] ? " " : "\n");
		fclose(f);
	}
	free(cmdline_path);

	fd = open(m->d.qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_RUN, "cannot create %s: %s", m->d.qemu_log, strerror(errno));
	m->pid = fork();
	if (m->pid < 0)
		die(EXIT_RUN, "fork: %s", strerror(errno));
	if (m->pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* its own process group: a terminal's Ctrl-C reaches tdh, which stops it */
		setpgid(0, 0);
		dup2(devnull, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	free(argv);
}

static bool direct_alive(struct machine *m)
{
	int status;

	if (m->pid <= 0)
		return false;
	if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
		m->pid = -1;
		return false;
	}
	return true;
}

static void direct_stop(struct machine *m)
{
	double deadline;

	if (m->pid <= 0)
		return;
	kill(m->pid, SIGTERM);
	deadline = now_s() + 5;
	while (now_s() < deadline) {
		if (waitpid(m->pid, NULL, WNOHANG) == m->pid)
			goto done;
		usleep(50000);
	}
	kill(m->pid, SIGKILL);
	waitpid(m->pid, NULL, 0);
done:
	m->pid = -1;
}

const struct launcher direct_launcher = {
	.name = "direct",
	.refuses = direct_refuses,
	.render = direct_render,
	.start = direct_start,
	.alive = direct_alive,
	.stop = direct_stop,
};
