// SPDX-License-Identifier: GPL-2.0
/*
 * --launcher libvirt: the testbed machine as a transient libvirt domain.
 *
 * The network: the peer's tap lives in the run's own namespace, where the
 * direct launcher's QEMU (started inside it) opens it.  libvirt's QEMU
 * runs in the host's namespace and opens an existing tap there
 * (managed='no'), so for the moment of the start the tap is moved out,
 * under a name of this run's own, and moved back right after, before the
 * guest has even started its kernel.  The traffic therefore still never
 * leaves the namespace, and the peer sees the same tdh0.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cleanup.h"
#include "insn.h"
#include "libvirt-launcher.h"
#include "netns.h"
#include "util.h"

#define LIBVIRTD_SOCK	"/run/libvirt/libvirt-sock"
#define VIRTLOGD_SOCK	"/run/libvirt/virtlogd-sock"
#define DAEMON_WAIT_S	20
/* the NIC's slot on pcie.0, where the direct launcher's -device puts it */
#define NIC_SLOT	"0x01"

struct lv_domain {
	virDomainPtr dom;
	char name[96];
	char tap[16];		/* the tap's name while it is in the host namespace */
	bool tap_outside;
	int tap_cleanup;
	char *libvirt_log;	/* libvirt's log of QEMU's stderr */
};

static virConnectPtr conn;
static int host_fd = -1;
static char peer_name[32];
static pid_t daemons[2];
static int nr_daemons;
static char version_text[64];

static void quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;	/* reported by the caller, in one line */
}

static const char *last_error(void)
{
	const char *s = virGetLastErrorMessage();

	return s && *s ? s : "unknown libvirt error";
}

/* --- the daemons ------------------------------------------------------------ */

static bool socket_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void stop_daemons(void *arg)
{
	int i;

	(void)arg;
	for (i = nr_daemons - 1; i >= 0; i--) {
		double deadline = now_s() + 10;

		kill(daemons[i], SIGTERM);
		while (now_s() < deadline && waitpid(daemons[i], NULL, WNOHANG) == 0)
			usleep(50000);
		if (waitpid(daemons[i], NULL, WNOHANG) == 0) {
			kill(daemons[i], SIGKILL);
			waitpid(daemons[i], NULL, 0);
		}
	}
	nr_daemons = 0;
}

/* In the foreground, so that tdh knows its pid and can stop it again. */
static pid_t spawn_daemon(const char *prog, const char *log)
{
	pid_t pid = fork();

	if (pid < 0)
		die(EXIT_USAGE, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		setsid();
		dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		execlp(prog, prog, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	if (!nr_daemons)
		cleanup_push(stop_daemons, NULL, "libvirt daemons");
	daemons[nr_daemons++] = pid;
	return pid;
}

/* Wait for sock to answer while pid runs; false when it exited or timed out. */
static bool wait_daemon(pid_t pid, const char *sock)
{
	double deadline = now_s() + DAEMON_WAIT_S;

	while (now_s() < deadline) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			nr_daemons--;	/* gone: nothing to stop */
			return false;
		}
		if (socket_answers(sock))
			return true;
		cleanup_check_signal();
		usleep(100000);
	}
	return false;
}

static void start_daemons(const char *log_dir)
{
	char *log = xasprintf("%s/libvirtd.log", log_dir);
	pid_t pid;

	info("libvirt: libvirtd is not running; starting it (log %s)", log);
	if (!socket_answers(VIRTLOGD_SOCK)) {
		pid = spawn_daemon("virtlogd", log);
		if (!wait_daemon(pid, VIRTLOGD_SOCK))
			die(EXIT_USAGE, "virtlogd would not start (see %s); install libvirt with 'make host-deps' or start it yourself",
			    log);
	}
	pid = spawn_daemon("libvirtd", log);
	if (!wait_daemon(pid, LIBVIRTD_SOCK))
		die(EXIT_USAGE, "libvirtd would not start (it exited, or did not answer within %d s; see %s); install libvirt with 'make host-deps' or start it yourself",
		    DAEMON_WAIT_S, log);
	free(log);
}

static void close_conn(void *arg)
{
	(void)arg;
	if (conn)
		virConnectClose(conn);	/* auto-destroys any domain still up */
	conn = NULL;
}

/* qemu+ssh://host/system and the like: the host part is not empty. */
void libvirt_check_uri(const char *uri)
{
	const char *p = strstr(uri, "://");

	if (!p)
		die(EXIT_USAGE, "--launcher libvirt:%s: give a libvirt URI such as " LIBVIRT_DEFAULT_URI, uri);
	if (p[3] && p[3] != '/')
		die(EXIT_USAGE, "--launcher libvirt:%s: a remote daemon cannot reach this run's peer namespace, tap and control sockets; run a shard on that host instead (README, 'Spreading the matrix')",
		    uri);
}

void libvirt_connect(const char *uri, const char *log_dir)
{
	unsigned long v = 0;

	libvirt_check_uri(uri);
	virSetErrorFunc(NULL, quiet);
	conn = virConnectOpen(uri);
	if (!conn && !socket_answers(LIBVIRTD_SOCK)) {
		start_daemons(log_dir);
		conn = virConnectOpen(uri);
	}
	if (!conn)
		die(EXIT_USAGE, "cannot connect to libvirt at %s: %s", uri, last_error());
	cleanup_push(close_conn, NULL, "libvirt connection");
	virConnectGetLibVersion(conn, &v);
	snprintf(version_text, sizeof(version_text), "libvirt %lu.%lu.%lu", v / 1000000, v / 1000 % 1000,
		 v % 1000);
}

const char *libvirt_version(void)
{
	return version_text[0] ? version_text : "none";
}

void libvirt_set_peer(int host_ns_fd, const char *peer_ns)
{
	host_fd = host_ns_fd;
	snprintf(peer_name, sizeof(peer_name), "%s", peer_ns);
}

/* --- the domain XML ------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void elem(FILE *f, const char *indent, const char *tag, const char *text)
{
	fprintf(f, "%s<%s>", indent, tag);
	esc(f, text);
	fprintf(f, "</%s>\n", tag);
}

static void qarg(FILE *f, const char *arg)
{
	fputs("    <qemu:arg value='", f);
	esc(f, arg);
	fputs("'/>\n", f);
}

/* The patched e1000's fault file: a property libvirt does not model, set as an override. */
static void nic_overrides(FILE *f, const struct machine_desc *d)
{
	if (!d->fault_trace)
		return;
	fputs("  <qemu:override>\n    <qemu:device alias='net0'>\n      <qemu:frontend>\n", f);
	fputs("        <qemu:property name='fault-trace' type='string' value='", f);
	esc(f, d->fault_trace);
	fputs("'/>\n      </qemu:frontend>\n    </qemu:device>\n  </qemu:override>\n", f);
}

static void cpu_xml(FILE *f, const struct machine_desc *d)
{
	struct cpu_desc c;
	int i;

	machine_cpu(d, &c);
	fprintf(f, "  <cpu mode='%s' check='none'>\n", c.host ? "host-passthrough" : "maximum");
	for (i = 0; i < c.nr_off; i++)
		fprintf(f, "    <feature policy='disable' name='%s'/>\n", c.off[i]);
	/* -smp N on q35 means one socket of N cores: say so, libvirt's default is N sockets */
	fprintf(f, "    <topology sockets='1' dies='1' cores='%d' threads='1'/>\n  </cpu>\n", d->cpus);
}

static void os_xml(FILE *f, const struct machine_desc *d)
{
	char *append = machine_append(d);

	fputs("  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n", f);
	elem(f, "    ", "kernel", machine_kernel(d));
	if (d->kind == MACHINE_NATIVE)
		elem(f, "    ", "initrd", d->paths->native_img);
	elem(f, "    ", "cmdline", append);
	fputs("  </os>\n", f);
	free(append);
}

static void features_xml(FILE *f, const struct machine_desc *d)
{
	/* libvirt turns ACPI off unless asked; QEMU's default, and Xen's need, is on */
	fputs("  <features>\n    <acpi/>\n", f);
	/*
	 * libvirt refuses VT-d's interrupt remapping without the split
	 * irqchip, which it then asks of any accelerator; TCG has no kernel
	 * irqchip to split, so there the setting changes nothing.
	 */
	if (d->iommu == IOMMU_INTEL)
		fputs("    <ioapic driver='qemu'/>\n", f);
	fputs("  </features>\n", f);
}

static void devices_xml(FILE *f, const struct machine_desc *d, const char *tap)
{
	fputs("  <devices>\n", f);
	elem(f, "    ", "emulator", d->paths->qemu);
	fputs("    <controller type='usb' model='none'/>\n    <memballoon model='none'/>\n", f);
	fputs("    <serial type='file'>\n      <source path='", f);
	esc(f, d->console_log);
	fputs("'/>\n      <target port='0'/>\n    </serial>\n", f);
	fputs("    <serial type='unix'>\n      <source mode='bind' path='", f);
	esc(f, d->ctl_sock);
	fputs("'/>\n      <target port='1'/>\n    </serial>\n", f);
	fputs("    <interface type='ethernet'>\n      <mac address='" NIC_MAC "'/>\n", f);
	fprintf(f, "      <target dev='%s' managed='no'/>\n      <model type='%s'/>\n", tap,
		nic_name(d->nic));
	fputs("      <address type='pci' domain='0x0000' bus='0x00' slot='" NIC_SLOT "' function='0x0'/>\n", f);
	fputs("    </interface>\n", f);
	/* the same VT-d as the direct launcher's (see build_argv() in qemu.c) */
	if (d->iommu == IOMMU_INTEL)
		fputs("    <iommu model='intel'>\n      <driver intremap='on' caching_mode='on'/>\n    </iommu>\n", f);
	fputs("  </devices>\n", f);
}

/* What libvirt does not model: Xen's modules, the plugin, tracing. */
static void commandline_xml(FILE *f, const struct machine_desc *d)
{
	char *s, *trace[2];
	int i, n;

	fputs("  <qemu:commandline>\n", f);
	if (d->kind == MACHINE_XEN) {
		s = machine_xen_modules(d);
		qarg(f, "-initrd");
		qarg(f, s);
		free(s);
	}
	s = machine_plugin_arg(d);
	if (s) {
		qarg(f, "-plugin");
		qarg(f, s);
		free(s);
	}
	n = machine_trace_args(d, trace);
	for (i = 0; i < n; i++) {
		qarg(f, "-trace");
		qarg(f, trace[i]);
		free(trace[i]);
	}
	fputs("  </qemu:commandline>\n", f);
}

char *libvirt_domain_xml(const struct machine_desc *d, const char *name, const char *tap)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die(EXIT_RUN, "out of memory");
	fprintf(f, "<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n",
		d->accel == ACCEL_KVM ? "kvm" : "qemu");
	elem(f, "  ", "name", name);
	fprintf(f, "  <memory unit='MiB'>%d</memory>\n  <vcpu>%d</vcpu>\n", d->mem_mb, d->cpus);
	os_xml(f, d);
	features_xml(f, d);
	cpu_xml(f, d);
	fputs("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n"
	      "  <on_crash>destroy</on_crash>\n", f);
	/* QEMU as root, like the direct launcher's, and no relabelling of our files */
	fputs("  <seclabel type='static' model='dac' relabel='no'>\n    <label>+0:+0</label>\n  </seclabel>\n", f);
	devices_xml(f, d, tap);
	commandline_xml(f, d);
	nic_overrides(f, d);
	fputs("</domain>\n", f);
	fclose(f);
	return buf;
}

/* --- moving the tap --------------------------------------------------------- */

static void enter_ns(int fd, const char *what)
{
	if (setns(fd, CLONE_NEWNET))
		die(EXIT_RUN, "cannot enter the %s network namespace: %s", what, strerror(errno));
}

static void ip(const char *what, char *const argv[])
{
	char *out = NULL;

	if (run_cmd(argv, &out, true, 30) != 0) {
		char *nl = out ? strchr(out, '\n') : NULL;

		if (nl)
			*nl = '\0';
		die(EXIT_RUN, "libvirt launcher: %s failed: %s", what, out && *out ? out : "ip exited with an error");
	}
	free(out);
}

/* The tap, while it is out in the host's namespace, goes on any exit. */
static void tap_remove(void *arg)
{
	struct lv_domain *d = arg;
	char *del[] = { "ip", "link", "del", d->tap, NULL };
	int back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (d->tap_outside && host_fd >= 0 && setns(host_fd, CLONE_NEWNET) == 0)
		run_cmd(del, NULL, true, 30);
	d->tap_outside = false;
	if (back >= 0) {
		setns(back, CLONE_NEWNET);
		close(back);
	}
}

static void tap_out(struct lv_domain *d)
{
	char pid[16];
	char *rename[] = { "ip", "-n", peer_name, "link", "set", "dev", TAP_NAME, "down", "name", d->tap, NULL };
	char *move[] = { "ip", "-n", peer_name, "link", "set", "dev", d->tap, "netns", pid, NULL };

	/* tdh is in the host namespace now: its pid names that namespace */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ip("renaming the peer's tap", rename);
	d->tap_cleanup = cleanup_push(tap_remove, d, "tap outside the namespace");
	d->tap_outside = true;
	ip("moving the tap to the host namespace", move);
}

static void tap_back(struct lv_domain *d)
{
	char addr[32];
	char *move[] = { "ip", "link", "set", "dev", d->tap, "netns", peer_name, NULL };
	char *rename[] = { "ip", "-n", peer_name, "link", "set", "dev", d->tap, "name", TAP_NAME, NULL };
	char *ad[] = { "ip", "-n", peer_name, "addr", "add", addr, "dev", TAP_NAME, NULL };
	char *up[] = { "ip", "-n", peer_name, "link", "set", TAP_NAME, "up", NULL };

	snprintf(addr, sizeof(addr), "%s/%d", PEER_IP, PEER_PREFIX);
	ip("moving the tap back into the peer namespace", move);
	d->tap_outside = false;
	cleanup_run_one(d->tap_cleanup);
	/* a namespace change drops the address and the link state */
	ip("renaming the tap back", rename);
	ip("re-adding the peer's address", ad);
	ip("bringing the tap up", up);
}

/* --- the launcher ------------------------------------------------------------ */

static pid_t qemu_pid(const char *name)
{
	char *path = xasprintf("/run/libvirt/qemu/%s.pid", name), *text = read_file(path, NULL);
	pid_t pid = text ? (pid_t)atoi(text) : -1;

	free(text);
	free(path);
	return pid;
}

static void save_cmdline(pid_t pid, const char *rundir, const char *tag)
{
	char *path = xasprintf("/proc/%d/cmdline", (int)pid), *out;
	size_t len, i;
	char *text = read_file(path, &len);

	free(path);
	if (!text)
		return;
	for (i = 0; i + 1 < len; i++)
		if (!text[i])
			text[i] = ' ';
	out = xasprintf("%s/qemu-%s.cmdline", rundir, tag);
	write_file(out, text, strlen(text));
	free(out);
	free(text);
}

static void copy_log(struct machine *m)
{
	size_t len;
	char *text = read_file(m->lv->libvirt_log, &len);

	if (text)
		write_file(m->d.qemu_log, text, len);
	free(text);
}

/* libvirt 9.0's <iommu> models intel, smmuv3 and virtio */
static const char *libvirt_refuses(const struct machine_desc *d)
{
	if (d->iommu == IOMMU_AMD)
		return "--iommu amd: libvirt does not model an AMD IOMMU (its <iommu> knows intel, smmuv3, virtio); use --iommu intel, or --launcher direct";
	return NULL;
}

static char *libvirt_render(const struct machine_desc *d)
{
	char name[32], tap[16];

	snprintf(name, sizeof(name), "tdh-%d", (int)getpid());
	snprintf(tap, sizeof(tap), "tdhv%d", (int)getpid());
	return libvirt_domain_xml(d, name, tap);
}

static void libvirt_start(struct machine *m, const char *rundir, const char *tag)
{
	struct lv_domain *d = xcalloc(1, sizeof(*d));
	int peer_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	char *xml, *xml_path, *err = NULL;
	double t0;

	if (!conn || host_fd < 0 || peer_fd < 0)
		die(EXIT_RUN, "internal: the libvirt launcher is not set up");
	snprintf(d->name, sizeof(d->name), "tdh-%d-%s", (int)getpid(), tag);
	snprintf(d->tap, sizeof(d->tap), "tdhv%d", (int)getpid());
	d->libvirt_log = xasprintf("/var/log/libvirt/qemu/%s.log", d->name);
	d->tap_cleanup = -1;
	xml = libvirt_domain_xml(&m->d, d->name, d->tap);
	xml_path = xasprintf("%s/libvirt-%s.xml", rundir, tag);
	write_file(xml_path, xml, strlen(xml));
	m->lv = d;

	enter_ns(host_fd, "host");
	tap_out(d);
	t0 = now_s();
	d->dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_AUTODESTROY);
	if (!d->dom)
		err = xstrdup(last_error());
	tap_back(d);
	enter_ns(peer_fd, "peer");
	close(peer_fd);
	if (!d->dom) {
		copy_log(m);
		die(EXIT_USAGE, "libvirt would not start the machine: %s (domain XML %s, QEMU's log %s)", err,
		    xml_path, m->d.qemu_log);
	}
	/*
	 * libvirt probes QEMU's capabilities again before a start whenever it
	 * thinks KVM's availability changed; with a root-only /dev/kvm (this
	 * container) it always does, which takes about a minute here.
	 */
	info("  libvirt domain %s started in %.1f s", d->name, now_s() - t0);
	m->pid = qemu_pid(d->name);
	if (m->pid > 0)
		save_cmdline(m->pid, rundir, tag);
	free(xml);
	free(xml_path);
}

static bool libvirt_alive(struct machine *m)
{
	bool alive = m->lv->dom && virDomainIsActive(m->lv->dom) == 1;

	if (!alive)
		copy_log(m);
	return alive;
}

static void libvirt_stop(struct machine *m)
{
	struct lv_domain *d = m->lv;

	if (!d)
		return;
	if (d->dom) {
		if (virDomainIsActive(d->dom) == 1)
			virDomainDestroy(d->dom);
		virDomainFree(d->dom);
	}
	copy_log(m);
	free(d->libvirt_log);
	free(d);
	m->lv = NULL;
	m->pid = -1;
}

const struct launcher libvirt_launcher = {
	.name = "libvirt",
	.refuses = libvirt_refuses,
	.render = libvirt_render,
	.start = libvirt_start,
	.alive = libvirt_alive,
	.stop = libvirt_stop,
};
