// SPDX-License-Identifier: GPL-2.0
/*
 * The testbed's library (testbed.h): opening and closing a testbed
 * (preflight, the lock, the run folder, versions, the peer, the
 * accelerator), boots, the domU and shutting down.  The commands are
 * stories on top of it; one measurement is measure_case.c, the options
 * testbed_cli.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"
#include "libvirt-launcher.h"
#include "testbed.h"
#include "twin.h"
#include "util.h"

#define DOMU_TIMEOUT_S	120
/*
 * Create the peer, connecting the launcher first if it needs it (libvirt's
 * daemon lives in the host's namespace, which the peer's creation leaves).
 */
static void testbed_peer(struct peer *peer, const struct launcher *launcher, const char *uri,
			 const char *rundir)
{
	if (launcher == &libvirt_launcher)
		libvirt_connect(uri, rundir);
	peer_create(peer);
	libvirt_set_peer(peer->host_ns_fd, peer->name);
}

/* --- preflight ----------------------------------------------------------- */

static char *which(const char *prog)
{
	char *path, *dir, *save, *p;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	for (dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		p = xasprintf("%s/%s", dir, prog);
		if (access(p, X_OK) == 0) {
			free(path);
			return p;
		}
		free(p);
	}
	free(path);
	return NULL;
}

static void need_file(const char *path, const char *fix)
{
	if (!file_exists(path))
		die(EXIT_USAGE, "%s is missing; %s", path, fix);
}

static bool uses_machine(const struct testbed_opts *o, enum machine_kind k)
{
	int i;

	for (i = 0; i < o->nr_configs; i++)
		if (find_config(o->configs[i])->machine == k)
			return true;
	return false;
}

/* Is the QEMU we run the one this build made (with patch 0006)? */
static bool project_qemu(const struct testbed_opts *o)
{
	char *own = xasprintf("%s/qemu/qemu-system-x86_64", o->build_dir);
	char *a = realpath(own, NULL), *b = realpath(o->paths.qemu, NULL);
	bool same = a && b && !strcmp(a, b);

	free(own);
	free(a);
	free(b);
	return same;
}

/*
 * Lazy FPU switching needs a CPU that raises #NM for XSAVE/XRSTOR under
 * CR0.TS; QEMU's TCG does only with qemu-e1000-tracing/patches/0006.
 * With any other QEMU, Xen gets eager switching unless told otherwise.
 */
void testbed_resolve_fpu(struct testbed_opts *o)
{
	o->eager_fpu = o->xen_fpu == XEN_FPU_EAGER;
	if (o->xen_fpu == XEN_FPU_AUTO && !project_qemu(o)) {
		o->eager_fpu = true;
		info("Xen gets spec-ctrl=eager-fpu: %s is not the project's QEMU, whose TCG raises #NM for "
		     "XSAVE/XRSTOR under CR0.TS (--xen-fpu lazy to measure without)", o->paths.qemu);
	}
}

/* Root, tun, QEMU, iperf3, the images the configurations need; then testbed_resolve_fpu(). */
static void preflight(struct testbed_opts *o)
{
	char *q;

	peer_preflight();
	q = which(o->paths.qemu);
	if (!q && o->qemu_is_default)
		die(EXIT_USAGE, "the project's QEMU %s is missing; run 'make qemu', or pass --stock-qemu for Debian's",
		    o->paths.qemu);
	if (!q)
		die(EXIT_USAGE, "QEMU '%s' not found; run 'make host-deps' (installs qemu-system-x86) or pass --qemu PATH",
		    o->paths.qemu);
	o->paths.qemu = q;
	testbed_resolve_fpu(o);
	if (!which("iperf3"))
		die(EXIT_USAGE, "iperf3 is not installed on the host (the peer runs it); run 'make host-deps'");
	if (o->accel == ACCEL_KVM && access("/dev/kvm", R_OK | W_OK))
		die(EXIT_USAGE, "--accel kvm: /dev/kvm is not usable here (%s); use --accel tcg or auto",
		    strerror(errno));
	if (o->trace_group) {
		char *ev = xasprintf("%s/qemu/events/%s", o->build_dir, o->trace_group);

		need_file(ev, "run 'make qemu'");
		free(ev);
	}
	need_file(o->paths.kernel, "run 'make images'");
	if (uses_machine(o, MACHINE_NATIVE))
		need_file(o->paths.native_img, "run 'make images'");
	if (uses_machine(o, MACHINE_XEN)) {
		need_file(o->paths.xen, "run 'make xen'");
		need_file(o->paths.dom0_img, "run 'make images'");
	}
}

static int lock_fd = -1;

static void unlock(void *arg)
{
	(void)arg;
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

/* One testbed at a time: two would share the 2 host CPUs and the figures. */
static void take_lock(const char *build_dir)
{
	char *path = xasprintf("%s/.tdh.lock", build_dir), buf[32];

	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0)
		die(EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	if (flock(lock_fd, LOCK_EX | LOCK_NB)) {
		ssize_t n = pread(lock_fd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		die(EXIT_USAGE, "another tdh run (pid %s) is using the testbed (%s is locked); wait for it or stop it",
		    strtok(buf, "\n") ? buf : "?", path);
	}
	if (ftruncate(lock_fd, 0) == 0) {
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

		if (pwrite(lock_fd, buf, n, 0) != n)
			warn("could not record the pid in %s", path);
	}
	cleanup_push(unlock, NULL, "lock");
	free(path);
}

/* --- versions ------------------------------------------------------------ */

static void read_versions(const struct testbed_opts *o, struct versions *v)
{
	char *path = xasprintf("%s/versions", o->build_dir), *text = read_file(path, NULL);
	char *argv[] = { (char *)o->paths.qemu, "--version", NULL };
	char *iperf_argv[] = { "iperf3", "--version", NULL };
	char *out = NULL, *line, *save;

	snprintf(v->xen, sizeof(v->xen), "unknown");
	snprintf(v->kernel, sizeof(v->kernel), "unknown");
	snprintf(v->qemu_binary, sizeof(v->qemu_binary), "%s", o->paths.qemu);
	snprintf(v->xen_fpu, sizeof(v->xen_fpu), "%s", o->eager_fpu ? "eager" : "lazy");
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "xen=", 4))
			snprintf(v->xen, sizeof(v->xen), "%s", line + 4);
		else if (!strncmp(line, "kernel=", 7))
			snprintf(v->kernel, sizeof(v->kernel), "%s", line + 7);
	}
	free(text);
	free(path);
	if (run_cmd(argv, &out, false, 10) == 0 && out && (line = strtok_r(out, "\n", &save)))
		snprintf(v->qemu, sizeof(v->qemu), "%s", strstr(line, "version ") ? strstr(line, "version ") + 8 : line);
	free(out);
	out = NULL;
	if (run_cmd(iperf_argv, &out, false, 10) == 0 && out && (line = strtok_r(out, "\n", &save)))
		snprintf(v->iperf3, sizeof(v->iperf3), "%s", line);
	free(out);
}

/* --- boots --------------------------------------------------------------- */

/*
 * A Xen boot that fails midway (a measurement, a guest tool) keeps what
 * dom0 can still tell about it: the domU's console and dom0's view of the
 * neighbours, the e1000's counters and interrupts, the instance and its
 * RX ring, and Xen's view of the interrupts, in
 * <rundir>/state-<tag>.txt.  boot() registers this for a Xen machine;
 * shutdown_machine() drops it on the normal path.
 */
struct failure_state {
	struct agent *a;
	struct machine *m;
	char *rundir;
	char tag[64];
	int handle;
};
static struct failure_state failure = { .handle = -1 };

/*
 * User processes of dom0 killed by a fault of their own, from its console:
 * the kernel's "comm[pid]: segfault at ADDR ip IP" and "traps: comm[pid]
 * general protection fault ip:IP" (or "trap invalid opcode", ...) lines.
 * Under TCG with
 * Debian's QEMU and Xen's lazy FPU switching, dom0's processes ran on
 * another vCPU's vector registers and died so (qemu-e1000-tracing/
 * patches/0006); whatever the cause, a boot whose dom0 lost processes
 * measured a broken system.
 */
unsigned int console_segfaults(const struct machine *m)
{
	char *log = read_file(m->d.console_log, NULL), *p;
	unsigned int n = 0;
	regmatch_t match;
	regex_t re;

	if (!log)
		return 0;
	if (regcomp(&re, "[^ ]+\\[[0-9]+\\]: segfault at [0-9a-f]+ ip [0-9a-f]+|"
		    "traps: [^ ]+\\[[0-9]+\\] (general protection fault|trap [a-z ]+) ip:[0-9a-f]+",
		    REG_EXTENDED))
		die(EXIT_RUN, "regcomp failed");
	for (p = log; !regexec(&re, p, 1, &match, 0); p += match.rm_eo)
		n++;
	regfree(&re);
	free(log);
	return n;
}

static void say_segfaults(const struct machine *m, const char *when)
{
	unsigned int n = console_segfaults(m);

	if (n)
		fprintf(stderr, "tdh: %s: %u dom0 process(es) died of a fault (SIGSEGV, SIGILL, ...) during this boot (%s)\n",
			when, n, m->d.console_log);
}

void check_dom0_segfaults(const struct machine *m)
{
	unsigned int n = console_segfaults(m);

	if (n)
		die(EXIT_RUN, "%u dom0 process(es) died of a fault (SIGSEGV, SIGILL, ...) during this boot (%s): its results are not "
		    "to be trusted; see the console, and hv/xen/README.md (\"dom0's processes die\")",
		    n, m->d.console_log);
}

static void keep_failure_state(void *arg)
{
	struct failure_state *fs = arg;
	static const char *const cmds[] = {
		"xl list", "ip neigh", "cat /sys/class/net/eth0/statistics/[rt]x_packets",
		/* do the e1000's interrupts still come (a second apart)? */
		"grep -E 'eth0|twin' /proc/interrupts; sleep 1; grep -E 'eth0|twin' /proc/interrupts",
		/* the rings' state, into dmesg; Xen's view of the interrupts */
		"twinctl status --json", "twinctl check", "xl debug-keys i; xl dmesg | tail -n 50",
		"dmesg | tail -n 80",
	};
	char *path, *out = NULL;
	FILE *f;
	unsigned i;
	int rc;

	fs->handle = -1;
	say_segfaults(fs->m, "the run failed");
	/* interrupted: stop now, asking a busy guest questions could take minutes */
	if (cleanup_signalled() || !machine_alive(fs->m))
		return;
	save_domu_console(fs->a, fs->rundir, fs->tag);
	path = xasprintf("%s/state-%s.txt", fs->rundir, fs->tag);
	f = fopen(path, "w");
	for (i = 0; f && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		rc = agent_run(fs->a, cmds[i], 10, &out);
		fprintf(f, "$ %s\n%s(status %d)\n\n", cmds[i], out ? out : "", rc);
		free(out);
		if (rc < 0)	/* the agent stopped answering */
			break;
	}
	if (f) {
		/* and the peer's side: tdh runs inside the peer's namespace */
		char *argv[] = { "ip", "neigh", NULL };

		out = NULL;
		rc = run_cmd(argv, &out, false, 5);
		fprintf(f, "peer$ ip neigh\n%s(status %d)\n", out ? out : "", rc);
		free(out);
		fclose(f);
		fprintf(stderr, "tdh: dom0's state when the run failed: %s\n", path);
	}
	free(path);
}

void shutdown_machine(struct agent *a, struct machine *m)
{
	if (m->d.kind == MACHINE_XEN)
		check_dom0_segfaults(m);
	release_machine(a, m);
}

void release_machine(struct agent *a, struct machine *m)
{
	if (failure.m == m) {
		cleanup_forget(failure.handle);
		failure.handle = -1;
		failure.m = NULL;
		free(failure.rundir);
		failure.rundir = NULL;
	}
	agent_close(a);
	machine_stop(m);
}

void testbed_describe(const struct testbed_opts *o, enum machine_kind kind, enum accel accel,
		      const char *rundir, const char *tag, struct machine_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->accel = accel;
	d->cpus = o->cpus;
	d->mem_mb = o->mem_mb;
	d->iommu = o->iommu;
	d->nic = o->nic;
	d->kernel_args = o->kernel_args;
	d->xen_args = o->xen_args;
	d->eager_fpu = o->eager_fpu;
	d->paths = &o->paths;
	d->fault_trace = o->fault_trace;
	if (o->trace_group) {
		d->trace_events = xasprintf("%s/qemu/events/%s", o->build_dir, o->trace_group);
		/* with an IOMMU, its translations say where each DMA went */
		if (o->iommu != IOMMU_OFF)
			d->trace_iommu_events = xasprintf("%s/qemu/events/iommu", o->build_dir);
		d->trace_file = xasprintf("%s/e1000-%s.simpletrace", rundir, tag);
	}
	machine_name_files(d, rundir, tag);
}

void boot(const struct testbed *tb, const struct launcher *launcher, struct machine *m,
	  struct agent *a, enum machine_kind kind, const char *rundir, const char *tag)
{
	const struct testbed_opts *o = tb->o;
	enum accel accel = tb->accel;
	double t0 = now_s();

	memset(m, 0, sizeof(*m));
	testbed_describe(o, kind, accel, rundir, tag, &m->d);
	m->launcher = launcher;
	m->cleanup_handle = -1;
	machine_start(m, rundir, tag);
	info("booting %s (%s, %d CPUs%s%s): console %s", kind == MACHINE_NATIVE ? "native Linux" : "Xen + dom0",
	     accel_name(accel), o->cpus, o->iommu ? ", IOMMU " : "", o->iommu ? iommu_name(o->iommu) : "",
	     m->d.console_log);
	if (!agent_wait_ready(a, m, o->boot_timeout_s, tag)) {
		bool alive = machine_alive(m);
		char *tail = machine_console_tail(m), *qerr = machine_qemu_error(m);

		if (!alive && !*tail && *qerr)	/* refused its arguments */
			die(EXIT_USAGE, "QEMU refused to start: %s (QEMU's log: %s)", qerr, m->d.qemu_log);

		die(EXIT_RUN, "%s %s within %.0f s (last console line: '%s'); console log kept at %s, QEMU's log at %s",
		    kind == MACHINE_NATIVE ? "native Linux" : "dom0",
		    alive ? "did not become ready" : "stopped (QEMU exited)",
		    now_s() - t0, tail, m->d.console_log, m->d.qemu_log);
	}
	info("  ready after %.1f s", now_s() - t0);
	if (kind == MACHINE_XEN) {
		failure.a = a;
		failure.m = m;
		failure.rundir = xstrdup(rundir);
		snprintf(failure.tag, sizeof(failure.tag), "%s", tag);
		failure.handle = cleanup_push(keep_failure_state, &failure, "dom0's state on failure");
	}
}

void start_domu(struct agent *a, struct machine *m, const char *more_args)
{
	double t0 = now_s(), deadline;
	char *out = NULL, *cmd;
	int rc;

	info("starting the domU (xl create%s%s)", more_args ? ", more kernel arguments: " : "",
	     more_args ? more_args : "");
	/* xl's "key+=value" appends to the configuration file's string */
	cmd = more_args ? xasprintf("xl create /etc/xen/domU.cfg 'extra+=\" %s\"'", more_args) :
			  xstrdup("xl create /etc/xen/domU.cfg");
	rc = agent_run(a, cmd, 120, &out);
	free(cmd);
	if (rc != 0)
		die(EXIT_RUN, "xl create failed (status %d): %s; console log %s", rc,
		    out ? out : "", m->d.console_log);
	free(out);
	deadline = now_s() + DOMU_TIMEOUT_S;
	while (now_s() < deadline) {
		rc = agent_run(a, "grep -q 'tdh: domU ready' /var/log/xen/console/guest-domU.log", 20, NULL);
		if (rc == 0) {
			info("  domU ready after %.1f s", now_s() - t0);
			return;
		}
		sleep_s(1);
	}
	die(EXIT_RUN, "the domU did not come up within %d s; its console is saved in the run folder (console-domU-*.log)",
	    DOMU_TIMEOUT_S);
}

void save_domu_console(struct agent *a, const char *rundir, const char *tag)
{
	char *out = NULL, *path;

	if (agent_run(a, "cat /var/log/xen/console/guest-domU.log", 30, &out) == 0 && out) {
		path = xasprintf("%s/console-domU-%s.log", rundir, tag);
		write_file(path, out, strlen(out));
		free(path);
	}
	free(out);
}

/* auto: KVM only if /dev/kvm is there and a Xen boot reaches dom0 with it. */
static enum accel resolve_accel(const struct testbed_opts *o, const char *rundir)
{
	struct machine m;
	struct agent a;
	bool ok;

	if (o->accel != ACCEL_AUTO)
		return o->accel;
	if (access("/dev/kvm", R_OK | W_OK)) {
		info("accel auto: /dev/kvm is not usable here, using TCG");
		return ACCEL_TCG;
	}
	info("accel auto: probing KVM with a Xen boot (90 s at most)");
	memset(&m, 0, sizeof(m));
	m.d.kind = MACHINE_XEN;
	m.d.accel = ACCEL_KVM;
	m.d.cpus = o->cpus;
	m.d.mem_mb = o->mem_mb;
	m.d.iommu = o->iommu;
	m.d.nic = o->nic;
	m.d.paths = &o->paths;
	machine_name_files(&m.d, rundir, "kvm-probe");
	m.launcher = &direct_launcher;
	m.cleanup_handle = -1;
	machine_start(&m, rundir, "kvm-probe");
	ok = agent_wait_ready(&a, &m, 90, "kvm-probe");
	agent_close(&a);
	machine_stop(&m);
	info("accel auto: the KVM probe boot %s, using %s", ok ? "reached dom0" : "failed",
	     ok ? "KVM" : "TCG");
	return ok ? ACCEL_KVM : ACCEL_TCG;
}

void testbed_resolve(struct testbed_opts *o, enum accel accel)
{
	o->accel = accel;
	o->insn = machine_counts_insns(&o->paths, accel);
}

char *make_rundir(const char *parent)
{
	char stamp[32], *dir, *raw, *latest;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	dir = xasprintf("%s/%s-%d", parent, stamp, (int)getpid());
	latest = xasprintf("%s/latest", parent);
	raw = xasprintf("%s/raw", dir);
	if (mkdir_p(raw))
		die(EXIT_USAGE, "cannot create %s: %s", raw, strerror(errno));
	free(raw);
	unlink(latest);
	if (symlink(strrchr(dir, '/') + 1, latest))
		warn("could not point %s at the run", latest);
	free(latest);
	return dir;
}

void default_paths(struct testbed_opts *o)
{
	char exe[4096];
	ssize_t n;

	if (o->paths.xen)
		return;		/* found already (regress looks before it prepares) */
	if (!o->build_dir) {
		/* tdh lives in build/bin: its build dir is one up */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			die(EXIT_RUN, "cannot find tdh's own path; pass --build DIR");
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		*strrchr(exe, '/') = '\0';
		o->build_dir = xstrdup(exe);
	}
	if (!o->paths.qemu) {
		o->paths.qemu = xasprintf("%s/qemu/qemu-system-x86_64", o->build_dir);
		o->qemu_is_default = true;
	}
	o->paths.xen = xasprintf("%s/xen/xen", o->build_dir);
	o->paths.kernel = xasprintf("%s/images/vmlinuz", o->build_dir);
	o->paths.native_img = xasprintf("%s/images/native.img", o->build_dir);
	o->paths.dom0_img = xasprintf("%s/images/dom0.img", o->build_dir);
	/*
	 * Instruction accounting: with the project's QEMU or --qemu, when
	 * built; not with Debian's (--stock-qemu), kept as the untouched
	 * comparison point.  Under KVM machine_start leaves it out.
	 */
	if (!o->no_plugin && strcmp(o->paths.qemu, STOCK_QEMU)) {
		char *so = xasprintf("%s/qemu/plugins/" INSN_PLUGIN_SO, o->build_dir);

		o->paths.insn_plugin = file_exists(so) ? so : NULL;
		o->paths.xen_syms = xasprintf("%s/xen/xen-syms", o->build_dir);
		if (!file_exists(o->paths.xen_syms))
			o->paths.xen_syms = NULL;
	}
}


/* --- opening and closing ------------------------------------------------- */

void testbed_prepare(struct testbed *tb, struct testbed_opts *o)
{
	memset(tb, 0, sizeof(*tb));
	tb->o = o;
	default_paths(o);
	preflight(o);
	cleanup_install_signals();
	take_lock(o->build_dir);
	read_versions(o, &tb->versions);
}

void testbed_make_rundir(struct testbed *tb)
{
	tb->rundir = make_rundir(tb->o->results_dir);
	info("run folder %s", tb->rundir);
}

void testbed_connect(struct testbed *tb, const struct launcher *launcher, const char *uri)
{
	testbed_peer(&tb->peer, launcher, uri, tb->rundir);
	info("peer: namespace %s, %s on %s", tb->peer.name, PEER_IP, TAP_NAME);
	tb->accel = resolve_accel(tb->o, tb->rundir);
	testbed_resolve(tb->o, tb->accel);
}

void testbed_open(struct testbed *tb, struct testbed_opts *o, const struct launcher *launcher,
		  const char *uri)
{
	testbed_prepare(tb, o);
	testbed_make_rundir(tb);
	testbed_connect(tb, launcher, uri);
}

void testbed_close(struct testbed *tb)
{
	cleanup_all();
	free(tb->rundir);
	tb->rundir = NULL;
}
