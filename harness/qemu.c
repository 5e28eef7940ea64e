// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "insn.h"
#include "libvirt-launcher.h"
#include "netns.h"
#include "qemu.h"
#include "util.h"

#define GUEST_IP	"10.99.0.2/24"
#define MAX_ARGS	96

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

/*
 * The CPU model.  Under TCG, SMAP and SMEP are hidden: with SMAP on, the
 * PV dom0 faults on its first stack access here.  Under this machine
 * class's nested KVM, -cpu host needs arch-capabilities off (MSR 0x10a).
 * Native Linux gets the same model so that the configurations differ only
 * in the software stack.
 */
static const char *cpu_model(const struct machine *m)
{
	return m->accel == ACCEL_KVM ? "host,-arch-capabilities" : "max,-smap,-smep";
}

static void machine_cleanup(void *arg);

char *machine_append(const struct machine *m)
{
	if (m->kind == MACHINE_NATIVE)
		return xasprintf("console=ttyS0 tdh.ip=" GUEST_IP "%s%s%s", m->iommu == IOMMU_INTEL ?
				 " intel_iommu=on" : "", m->kernel_args ? " " : "",
				 m->kernel_args ? m->kernel_args : "");
	return xasprintf("console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
			 "dom0_max_vcpus=%d noreboot loglvl=all guest_loglvl=all%s%s%s%s%s",
			 m->cpus, m->accel == ACCEL_KVM ? " smap=false smep=false" : "",
			 m->iommu == IOMMU_INTEL ? " iommu=verbose" :
			 m->iommu == IOMMU_AMD ? " iommu=verbose,no-intremap" : "",
			 m->eager_fpu ? " spec-ctrl=eager-fpu" : "",
			 m->xen_args ? " " : "", m->xen_args ? m->xen_args : "");
}

/*
 * multiboot modules: dom0's kernel with its command line, its initramfs.
 * QEMU separates the modules with commas: one in an argument is doubled.
 */
char *machine_xen_modules(const struct machine *m)
{
	const char *a = m->kernel_args ? m->kernel_args : "";
	char *extra = xcalloc(2 * strlen(a) + 2, 1), *o = extra, *mods;

	if (*a)
		*o++ = ' ';
	for (; *a; a++) {
		*o++ = *a;
		if (*a == ',')
			*o++ = ',';
	}
	*o = '\0';
	mods = xasprintf("%s console=hvc0 earlyprintk=xen tdh.ip=" GUEST_IP "%s,%s",
			 m->paths->kernel, extra, m->paths->dom0_img);
	free(extra);
	return mods;
}

static void build_argv(const struct machine *m, char **argv)
{
	int n = 0, i;
#define ARG(x) (argv[n++] = (x))
	ARG((char *)m->paths->qemu);
	ARG("-machine");
	ARG(m->accel == ACCEL_KVM && m->iommu != IOMMU_OFF ? "q35,kernel-irqchip=split" : "q35");
	ARG("-accel");
	ARG(m->accel == ACCEL_KVM ? "kvm" : "tcg");
	ARG("-cpu");
	ARG((char *)cpu_model(m));
	ARG("-smp");
	ARG(xasprintf("%d", m->cpus));
	ARG("-m");
	ARG(xasprintf("%d", m->mem_mb));
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	ARG("-chardev");
	ARG(xasprintf("file,id=con,path=%s", m->console_log));
	ARG("-serial");
	ARG("chardev:con");
	ARG("-chardev");
	ARG(xasprintf("socket,id=ctl,path=%s,server=on,wait=off", m->ctl_sock));
	ARG("-serial");
	ARG("chardev:ctl");
	ARG("-netdev");
	ARG("tap,id=n0,ifname=" TAP_NAME ",script=no,downscript=no");
	/*
	 * The IOMMU comes before the devices it translates for.  VT-d remaps
	 * interrupts too (under KVM that needs the split irqchip), and
	 * caching-mode lets the guest's invalidations reach QEMU's IOTLB.
	 * QEMU 7.2's amd-iommu translates DMA, but with Xen's interrupt
	 * remapping on (with or without intremap=on here) the e1000's traffic
	 * stalls after a few packets: Xen gets no-intremap with it.  Linux
	 * turns AMD's IOMMU on by itself, Intel's on request.
	 */
	if (m->iommu == IOMMU_INTEL) {
		ARG("-device");
		ARG("intel-iommu,intremap=on,caching-mode=on");
	} else if (m->iommu == IOMMU_AMD) {
		ARG("-device");
		ARG("amd-iommu");
	}
	ARG("-device");
	ARG(xasprintf("e1000,netdev=n0,mac=52:54:00:12:34:56%s", m->e1000_props ? m->e1000_props : ""));
	if (m->kind == MACHINE_NATIVE) {
		ARG("-kernel");
		ARG((char *)m->paths->kernel);
		ARG("-initrd");
		ARG((char *)m->paths->native_img);
		ARG("-append");
		ARG(machine_append(m));
	} else {
		ARG("-kernel");
		ARG((char *)m->paths->xen);
		ARG("-append");
		ARG(machine_append(m));
		ARG("-initrd");
		ARG(machine_xen_modules(m));
	}
	if (m->insn_file) {
		ARG("-plugin");
		ARG(insn_plugin_arg(m->paths->insn_plugin, m->insn_file, m->paths->xen_syms));
	}
	if (m->trace_file) {
		ARG("-trace");
		ARG(xasprintf("events=%s,file=%s", m->trace_events, m->trace_file));
	}
	if (m->trace_file && m->trace_iommu_events) {
		/* each -trace sets the file anew: name it again */
		ARG("-trace");
		ARG(xasprintf("events=%s,file=%s", m->trace_iommu_events, m->trace_file));
	}
	for (i = 0; m->extra_args && m->extra_args[i]; i++) {
		if (n >= MAX_ARGS - 1)
			die(EXIT_USAGE, "too many extra QEMU arguments");
		ARG((char *)m->extra_args[i]);
	}
	argv[n] = NULL;
#undef ARG
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

void machine_start(struct machine *m, const char *rundir, const char *tag)
{
	char *argv[MAX_ARGS];
	char *cmdline_path;
	FILE *f;
	int i, fd;

	m->console_log = xasprintf("%s/console-%s.log", rundir, tag);
	m->qemu_log = xasprintf("%s/qemu-%s.log", rundir, tag);
	m->ctl_sock = xasprintf("%s/ctl-%s.sock", socket_dir(), tag);
	unlink(m->ctl_sock);
	/* the plugin counts TCG's translation blocks: nothing to count under KVM */
	m->insn_file = m->paths->insn_plugin && m->accel == ACCEL_TCG ?
		xasprintf("%s/raw/%s-insn.bin", rundir, tag) : NULL;
	if (libvirt_selected()) {
		libvirt_machine_start(m, rundir, tag);
		m->cleanup_handle = cleanup_push(machine_cleanup, m, "libvirt domain");
		return;
	}
	build_argv(m, argv);

	/* the exact command, for whoever wants to boot it by hand */
	cmdline_path = xasprintf("%s/qemu-%s.cmdline", rundir, tag);
	f = fopen(cmdline_path, "w");
	if (f) {
		for (i = 0; argv[i]; i++)
			fprintf(f, "'%s'%s", argv[i], argv[i + 1] ? " " : "\n");
		fclose(f);
	}
	free(cmdline_path);

	fd = open(m->qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_RUN, "cannot create %s: %s", m->qemu_log, strerror(errno));
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
	m->cleanup_handle = cleanup_push(machine_cleanup, m, "qemu");
}

bool machine_alive(struct machine *m)
{
	int status;

	if (m->lv)
		return libvirt_machine_alive(m);
	if (m->pid <= 0)
		return false;
	if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
		m->pid = -1;
		return false;
	}
	return true;
}

static void machine_kill(struct machine *m)
{
	double deadline;

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

/* Runs once per machine: from machine_stop() or from cleanup_all(). */
static void machine_cleanup(void *arg)
{
	struct machine *m = arg;

	if (m->lv)
		libvirt_machine_stop(m);
	else if (m->pid > 0)
		machine_kill(m);
	unlink(m->ctl_sock);
}

void machine_stop(struct machine *m)
{
	cleanup_run_one(m->cleanup_handle);
	m->cleanup_handle = -1;
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
	return log_tail(m->console_log, 100);
}

char *machine_qemu_error(struct machine *m)
{
	return log_tail(m->qemu_log, 300);
}
