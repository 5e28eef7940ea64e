// SPDX-License-Identifier: GPL-2.0
/*
 * tdh: what the testbed machine is (the decisions both launchers render),
 * and the machine's life whichever launcher started it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "insn.h"
#include "machine.h"
#include "util.h"

const char *machine_kind_name(enum machine_kind k)
{
	return k == MACHINE_NATIVE ? "native" : "xen";
}

const char *accel_name(enum accel a)
{
	switch (a) {
	case ACCEL_TCG: return "tcg";
	case ACCEL_KVM: return "kvm";
	default: return "auto";
	}
}

const char *iommu_name(enum iommu i)
{
	switch (i) {
	case IOMMU_INTEL: return "intel";
	case IOMMU_AMD: return "amd";
	default: return "off";
	}
}

const char *nic_name(enum nic n)
{
	return n == NIC_E1000E ? "e1000e" : "e1000";
}

/*
 * The plugin counts TCG's translation blocks: nothing to count under KVM,
 * and nothing without the plugin (--no-plugin, --stock-qemu, not built).
 */
bool machine_counts_insns(const struct paths *p, enum accel accel)
{
	return p->insn_plugin && accel == ACCEL_TCG;
}

/*
 * The control sockets live in a short private folder of their own: a UNIX
 * socket's path is limited to 108 bytes, which a run folder deep in a test's
 * temporary directory can exceed.
 */
static char sock_dir[32];

static void remove_socket_dir(void *arg)
{
	(void)arg;
	rmdir(sock_dir);
	sock_dir[0] = '\0';
}

static const char *socket_dir(void)
{
	if (!sock_dir[0]) {
		snprintf(sock_dir, sizeof(sock_dir), "/tmp/tdh-XXXXXX");
		if (!mkdtemp(sock_dir))
			die(EXIT_RUN, "cannot create a folder in /tmp: %s", strerror(errno));
		cleanup_push(remove_socket_dir, NULL, "socket folder");
	}
	return sock_dir;
}

void machine_name_files(struct machine_desc *d, const char *rundir, const char *tag)
{
	d->console_log = xasprintf("%s/console-%s.log", rundir, tag);
	d->qemu_log = xasprintf("%s/qemu-%s.log", rundir, tag);
	d->ctl_sock = xasprintf("%s/ctl-%s.sock", socket_dir(), tag);
	d->insn_file = machine_counts_insns(d->paths, d->accel) ?
		xasprintf("%s/raw/%s-insn.bin", rundir, tag) : NULL;
}

/*
 * The CPU model.  Under TCG, SMAP and SMEP are hidden: with SMAP on, the
 * PV dom0 faults on its first stack access here.  Under this machine
 * class's nested KVM, the host's CPU needs arch-capabilities off (MSR
 * 0x10a).  Native Linux gets the same model so that the configurations
 * differ only in the software stack.
 */
void machine_cpu(const struct machine_desc *d, struct cpu_desc *c)
{
	memset(c, 0, sizeof(*c));
	c->host = d->accel == ACCEL_KVM;
	if (c->host) {
		c->off[c->nr_off++] = "arch-capabilities";
	} else {
		c->off[c->nr_off++] = "smap";
		c->off[c->nr_off++] = "smep";
	}
}

bool machine_split_irqchip(const struct machine_desc *d)
{
	return d->accel == ACCEL_KVM && d->iommu == IOMMU_INTEL;
}

const char *machine_kernel(const struct machine_desc *d)
{
	return d->kind == MACHINE_NATIVE ? d->paths->kernel : d->paths->xen;
}

char *machine_append(const struct machine_desc *d)
{
	if (d->kind == MACHINE_NATIVE)
		return xasprintf("console=ttyS0 tdh.ip=" GUEST_IP " tdh.nic=%s%s%s%s", nic_name(d->nic),
				 d->iommu == IOMMU_INTEL ? " intel_iommu=on" : "", d->kernel_args ? " " : "",
				 d->kernel_args ? d->kernel_args : "");
	return xasprintf("console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
			 "dom0_max_vcpus=%d noreboot loglvl=all guest_loglvl=all%s%s%s%s%s",
			 d->cpus, d->accel == ACCEL_KVM ? " smap=false smep=false" : "",
			 d->iommu == IOMMU_INTEL ? " iommu=verbose" :
			 d->iommu == IOMMU_AMD ? " iommu=verbose,no-intremap" : "",
			 d->eager_fpu ? " spec-ctrl=eager-fpu" : "",
			 d->xen_args ? " " : "", d->xen_args ? d->xen_args : "");
}

char *machine_opt_value(const char *s)
{
	char *v = xcalloc(2 * strlen(s) + 1, 1), *o = v;

	for (; *s; s++) {
		*o++ = *s;
		if (*s == ',')
			*o++ = ',';
	}
	return v;
}

/* multiboot modules: dom0's kernel with its command line, its initramfs. */
char *machine_xen_modules(const struct machine_desc *d)
{
	char *kernel = machine_opt_value(d->paths->kernel), *img = machine_opt_value(d->paths->dom0_img);
	char *args = machine_opt_value(d->kernel_args ? d->kernel_args : ""), *mods;

	/* tdh.nic: the driver dom0's /init loads */
	mods = xasprintf("%s console=hvc0 earlyprintk=xen tdh.ip=" GUEST_IP " tdh.nic=%s%s%s,%s", kernel,
			 nic_name(d->nic), *args ? " " : "", args, img);
	free(kernel);
	free(img);
	free(args);
	return mods;
}

char *machine_plugin_arg(const struct machine_desc *d)
{
	if (!d->insn_file)
		return NULL;
	return insn_plugin_arg(d->paths->insn_plugin, d->insn_file, d->paths->xen_syms);
}

int machine_trace_args(const struct machine_desc *d, char *out[2])
{
	char *file, *events;
	int n = 0;

	if (!d->trace_file)
		return 0;
	file = machine_opt_value(d->trace_file);
	events = machine_opt_value(d->trace_events);
	out[n++] = xasprintf("events=%s,file=%s", events, file);
	free(events);
	/* each -trace sets the file anew: name it again */
	if (d->trace_iommu_events) {
		events = machine_opt_value(d->trace_iommu_events);
		out[n++] = xasprintf("events=%s,file=%s", events, file);
		free(events);
	}
	free(file);
	return n;
}

/* --- the machine's life ------------------------------------------------------ */

/* Runs once per machine: from machine_stop() or from cleanup_all(). */
static void machine_cleanup(void *arg)
{
	struct machine *m = arg;

	m->launcher->stop(m);
	unlink(m->d.ctl_sock);
}

void machine_start(struct machine *m, const char *rundir, const char *tag)
{
	const char *why = m->launcher->refuses(&m->d);

	if (why)
		die(EXIT_USAGE, "%s", why);
	unlink(m->d.ctl_sock);
	m->pid = -1;
	m->launcher->start(m, rundir, tag);
	m->cleanup_handle = cleanup_push(machine_cleanup, m, m->launcher->name);
}

void machine_stop(struct machine *m)
{
	cleanup_run_one(m->cleanup_handle);
	m->cleanup_handle = -1;
}

bool machine_alive(struct machine *m)
{
	return m->launcher->alive(m);
}

double machine_host_cpu_s(struct machine *m)
{
	char *path = xasprintf("/proc/%d/stat", (int)m->pid);
	char *buf = read_file(path, NULL), *p;
	unsigned long utime = 0, stime = 0;
	int field;

	free(path);
	if (!buf)
		return -1;
	/* fields after the command name, which may contain spaces */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 14; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%lu %lu", &utime, &stime);
	free(buf);
	return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

/* Last non-empty line of a log, at most max characters; "" if none. */
static char *log_tail(const char *path, size_t max)
{
	size_t len;
	char *buf = read_file(path, &len), *end, *start, *ret;

	if (!buf)
		return xstrdup("");
	end = buf + len;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	*end = '\0';
	start = end;
	while (start > buf && start[-1] != '\n' && start[-1] != '\r')
		start--;
	ret = xstrdup(start);
	free(buf);
	if (strlen(ret) > max)
		ret[max] = '\0';
	return ret;
}

char *machine_console_tail(struct machine *m)
{
	return log_tail(m->d.console_log, 100);
}

char *machine_qemu_error(struct machine *m)
{
	return log_tail(m->d.qemu_log, 300);
}
