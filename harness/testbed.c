// SPDX-License-Identifier: GPL-2.0
/*
 * The testbed's library: preflight, the lock, run folders, boots, the domU,
 * and one measurement.  tdh sim (and later tdh replay, tdh regress) are
 * stories on top of it.
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

#include "agent.h"
#include "cleanup.h"
#include "insn.h"
#include "libvirt-launcher.h"
#include "measure.h"
#include "netns.h"
#include "results.h"
#include "testbed.h"
#include "twin.h"
#include "util.h"

#define DOMU_TIMEOUT_S	120

const struct config_desc config_table[] = {
	{ "native", MACHINE_NATIVE, "10.99.0.2", false, false, false, false },
	{ "dom0", MACHINE_XEN, "10.99.0.2", false, false, false, false },
	{ "twin-dom0", MACHINE_XEN, "10.99.0.2", false, true, false, false },
	{ "netback", MACHINE_XEN, "10.99.0.3", true, false, false, false },
	/* the paper's configuration: the domU's netfront served by Xen */
	{ "twin", MACHINE_XEN, "10.99.0.3", true, true, true, false },
	/* twin without Xen's receive coalescing: what GSO packets gain */
	{ "twin-frames", MACHINE_XEN, "10.99.0.3", true, true, true, true },
};

const int nr_config_table = sizeof(config_table) / sizeof(config_table[0]);

const struct config_desc *find_config(const char *name)
{
	int i;

	for (i = 0; i < nr_config_table; i++)
		if (!strcmp(config_table[i].name, name))
			return &config_table[i];
	return NULL;
}

void testbed_defaults(struct testbed_opts *o)
{
	o->duration_s = 10;
	o->warmup_s = 2;
	o->cpus = 2;
	o->mem_mb = 2048;
	o->accel = ACCEL_TCG;
	o->boot_timeout_s = 300;
	o->results_dir = "results/runs";
	o->paths.qemu = NULL;	/* default_paths: the project's own build */
}

void testbed_record_args(struct testbed_opts *o, int argc, char **argv)
{
	size_t used = 0;
	int i;

	for (i = 1; i < argc; i++)
		used += snprintf(o->args + used, used < sizeof(o->args) ? sizeof(o->args) - used : 0,
				 "%s%s", i > 1 ? " " : "", argv[i]);
}

int testbed_split_list(char *arg, const char **out, int max, const char *what,
		       bool (*valid)(const char *), const char *command)
{
	char *tok, *save;
	int n = 0, i;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (valid && !valid(tok))
			die(EXIT_USAGE, "unknown %s '%s'; see 'tdh %s --help'", what, tok, command);
		for (i = 0; i < n; i++)
			if (!strcmp(out[i], tok))
				die(EXIT_USAGE, "%s '%s' given twice", what, tok);
		if (n == max)
			die(EXIT_USAGE, "too many %ss (at most %d)", what, max);
		out[n++] = tok;
	}
	if (!n)
		die(EXIT_USAGE, "empty %s list; see 'tdh %s --help'", what, command);
	return n;
}

bool testbed_valid_config(const char *s)
{
	return find_config(s) != NULL;
}

bool testbed_valid_workload(const char *s)
{
	return !strcmp(s, "tx") || !strcmp(s, "rx");
}

void testbed_option(struct testbed_opts *o, int c, const char *optarg)
{
	long l;

	switch (c) {
	case 'd':
		if (!parse_double(optarg, 1, 3600, &o->duration_s))
			die(EXIT_USAGE, "--duration '%s': give seconds between 1 and 3600", optarg);
		break;
	case 'W':
		if (!parse_double(optarg, 0, 600, &o->warmup_s))
			die(EXIT_USAGE, "--warmup '%s': give seconds between 0 and 600", optarg);
		break;
	case 'C':
		if (!parse_int(optarg, 1, 8, &l))
			die(EXIT_USAGE, "--cpus '%s': give a whole number between 1 and 8", optarg);
		o->cpus = (int)l;
		break;
	case 'm':
		if (!parse_int(optarg, 1024, 16384, &l))
			die(EXIT_USAGE, "--mem '%s': give MB between 1024 and 16384", optarg);
		o->mem_mb = (int)l;
		break;
	case 'a':
		if (!strcmp(optarg, "tcg"))
			o->accel = ACCEL_TCG;
		else if (!strcmp(optarg, "kvm"))
			o->accel = ACCEL_KVM;
		else if (!strcmp(optarg, "auto"))
			o->accel = ACCEL_AUTO;
		else
			die(EXIT_USAGE, "--accel '%s': give tcg, kvm or auto", optarg);
		break;
	case 'I':
		if (!strcmp(optarg, "off"))
			o->iommu = IOMMU_OFF;
		else if (!strcmp(optarg, "intel"))
			o->iommu = IOMMU_INTEL;
		else if (!strcmp(optarg, "amd"))
			o->iommu = IOMMU_AMD;
		else
			die(EXIT_USAGE, "--iommu '%s': give intel, amd or off", optarg);
		break;
	case 't':
		if (strcmp(optarg, "all") && strcmp(optarg, "dma") && strcmp(optarg, "iommu"))
			die(EXIT_USAGE, "--trace '%s': give all, dma or iommu", optarg);
		o->trace_group = optarg;
		break;
	case 'T':
		if (!parse_double(optarg, 5, 3600, &o->boot_timeout_s))
			die(EXIT_USAGE, "--boot-timeout '%s': give seconds between 5 and 3600", optarg);
		break;
	case 'o':
		o->results_dir = optarg;
		break;
	case 'q':
		o->paths.qemu = optarg;
		break;
	case 'S':
		o->paths.qemu = STOCK_QEMU;
		break;
	case 'P':
		o->no_plugin = true;
		break;
	case 'b':
		o->build_dir = optarg;
		break;
	case 'K':
		/* one command line: no quotes to survive, no newline to cut it */
		if (!*optarg || strpbrk(optarg, "\"'\n"))
			die(EXIT_USAGE, "--kernel-args '%s': give space-separated arguments, without quotes",
			    optarg);
		o->kernel_args = optarg;
		break;
	case 'X':
		if (!*optarg || strpbrk(optarg, "\"'\n,"))
			die(EXIT_USAGE, "--xen-args '%s': give space-separated arguments, without quotes or commas",
			    optarg);
		o->xen_args = optarg;
		break;
	case 'F':
		if (!strcmp(optarg, "auto"))
			o->xen_fpu = XEN_FPU_AUTO;
		else if (!strcmp(optarg, "lazy"))
			o->xen_fpu = XEN_FPU_LAZY;
		else if (!strcmp(optarg, "eager"))
			o->xen_fpu = XEN_FPU_EAGER;
		else
			die(EXIT_USAGE, "--xen-fpu '%s': give auto, lazy or eager", optarg);
		break;
	}
}

void testbed_bad_option(const char *command, char *const argv[])
{
	if (optopt && optopt != '?')
		die(EXIT_USAGE, "option '%s' needs a value; see 'tdh %s --help'",
		    argv[optind - 1], command);
	die(EXIT_USAGE, "unknown option '%s'; see 'tdh %s --help'", argv[optind - 1], command);
}

void testbed_usage(FILE *out)
{
	fprintf(out,
"  --duration S       measured seconds per run (default 10)\n"
"  --warmup S         seconds omitted at the start of each run (default 2)\n"
"  --cpus N           simulated CPUs (default 2)\n"
"  --mem MB           simulated memory (default 2048)\n"
"  --accel A          tcg, kvm or auto (default tcg; auto probes KVM with a boot)\n"
"  --iommu I          an emulated IOMMU in front of the e1000: intel, amd or off (default off)\n"
"  --trace GROUP      trace the e1000 (and the IOMMU) into e1000-<boot>.simpletrace:\n"
"                     all, dma (DMAs and packets) or iommu (those and translations)\n"
"  --boot-timeout S   give up on a boot after S seconds (default 300)\n"
"  --results DIR      where run folders go (default results/runs)\n"
"  --qemu PATH        QEMU binary (default: the project's, build/qemu/qemu-system-x86_64)\n"
"  --stock-qemu       Debian's QEMU (" STOCK_QEMU " on PATH) instead\n"
"  --no-plugin        no instruction accounting (default: on with the project's QEMU\n"
"                     under TCG, when build/qemu/plugins/" INSN_PLUGIN_SO " is built)\n"
"  --build DIR        build outputs (default: the build/ tdh was built in)\n"
"  --kernel-args A    more arguments for native Linux's and dom0's kernel, for debugging\n"
"                     (for example 'page_poison=1 slub_debug=FZP')\n"
"  --xen-args A       more arguments for Xen's command line (for example dom0_vcpus_pin)\n"
"  --xen-fpu M        how Xen switches FPU state: lazy (Xen's default here), eager\n"
"                     (spec-ctrl=eager-fpu) or auto (default: lazy with the project's\n"
"                     QEMU, eager with any other, whose TCG ignores CR0.TS for XSAVE)\n");
}

const struct launcher *testbed_launcher(const char *spec, const char **uri)
{
	*uri = NULL;
	if (!strcmp(spec, "direct"))
		return &direct_launcher;
	if (!strcmp(spec, "libvirt") || !strncmp(spec, "libvirt:", 8)) {
		*uri = spec[7] == ':' ? spec + 8 : LIBVIRT_DEFAULT_URI;
		libvirt_check_uri(*uri);
		return &libvirt_launcher;
	}
	return NULL;
}

void testbed_peer(struct peer *peer, const struct launcher *launcher, const char *uri,
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

void preflight(struct testbed_opts *o)
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
void take_lock(const char *build_dir)
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

void read_versions(const struct testbed_opts *o, struct versions *v)
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

/* --- one measurement ----------------------------------------------------- */

/*
 * The peer's iperf3 client is registered while it runs: a run that dies
 * in the middle of a measurement (a guest tool failing, a signal) must
 * not leave it behind.  One client runs at a time.
 */
static int iperf_cleanup = -1;

static void kill_iperf(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	iperf_cleanup = -1;
}

/* The client exited and was reaped: nothing to kill any more. */
static void iperf_reaped(void)
{
	cleanup_forget(iperf_cleanup);
	iperf_cleanup = -1;
}

static pid_t spawn_iperf(const char *ip, bool reverse, double seconds, double warmup_s,
			 const char *json_path)
{
	char t[16], w[16], port[16];
	pid_t pid;
	int fd;

	snprintf(t, sizeof(t), "%g", seconds);
	snprintf(w, sizeof(w), "%g", warmup_s);
	snprintf(port, sizeof(port), "%d", IPERF_PORT);
	fd = open(json_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_RUN, "cannot create %s: %s", json_path, strerror(errno));
	pid = fork();
	if (pid < 0)
		die(EXIT_RUN, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { "iperf3", "-c", (char *)ip, "-p", port, "-t", t, "-O", w, "-J",
				 "--connect-timeout", "5000", reverse ? "-R" : NULL, NULL };

		dup2(fd, 1);
		dup2(fd, 2);
		execvp("iperf3", argv);
		_exit(127);
	}
	close(fd);
	iperf_cleanup = cleanup_push(kill_iperf, (void *)(intptr_t)pid, "iperf3 client");
	return pid;
}

/* The running iperf3 client's exit status, or -1 (killed) after timeout_s. */
static int wait_iperf(pid_t pid, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	int status;

	while (now_s() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			iperf_reaped();
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (cleanup_interrupted())
			break;
		usleep(100000);
	}
	cleanup_run_one(iperf_cleanup);		/* kill_iperf() */
	cleanup_check_signal();
	return -1;
}

/*
 * The guest's iperf3 server stops listening while it resets after a test,
 * so a test that follows another closely can be refused.  A refused client
 * exits at once: wait a moment, and retry while that is what happened.
 * *t0 is when the client that connected was started; -1 if none did.
 */
#define IPERF_CONNECT_TRIES	10

static pid_t start_iperf(const char *ip, bool reverse, double seconds, double warmup_s,
			 const char *json_path, double *t0)
{
	int attempt, i, status;
	pid_t pid;

	for (attempt = 1;; attempt++) {
		*t0 = now_s();
		pid = spawn_iperf(ip, reverse, seconds, warmup_s, json_path);
		for (i = 0; i < 5; i++) {
			usleep(100000);
			if (waitpid(pid, &status, WNOHANG) == pid) {
				iperf_reaped();
				break;
			}
		}
		if (i == 5)
			return pid;	/* still running: it connected */
		if (attempt == IPERF_CONNECT_TRIES)
			return -1;	/* the caller reports iperf3's error */
		info("  iperf3 could not start yet (server resetting?), retrying");
		sleep_s(1);
		cleanup_check_signal();
	}
}

static void __attribute__((noreturn))
iperf_failed(const struct config_desc *cd, const char *workload, const char *iperf_path, int rc,
	     struct machine *m)
{
	char *out = read_file(iperf_path, NULL);
	struct iperf_result ir;
	const char *err = "iperf3 left no output";

	if (out)
		parse_iperf(out, &ir, &err);
	die(EXIT_RUN, "%s %s: %s%s%s (iperf3 status %d; output %s, console log %s)", cd->name, workload,
	    err, out && ir.error[0] ? ": " : "", out ? ir.error : "", rc, iperf_path, m->d.console_log);
}

/*
 * tx: the guest sends (iperf3 -R: the guest's server transmits to the
 * peer); rx: the peer sends to the guest.  The CPU window starts with the
 * traffic and skips the same warm-up iperf3 omits.
 */
void measure(const struct testbed_opts *o, const struct config_desc *cd, const char *workload,
		    int repeat, struct machine *m, struct agent *a, const char *rundir,
		    struct results *res)
{
	bool reverse = !strcmp(workload, "tx");
	struct record rec = { 0 };
	struct iperf_result ir;
	char *iperf_path, *cpu_path, *cmd, *cpu_out = NULL, *iperf_out;
	double t0, host0, host1, hw0, hw1;
	struct host_stat hs0, hs1;
	char why[160];
	struct insn_snapshot insn0, insn1;
	struct twin_counters twin0, twin1;
	const char *err, *insn_err = NULL;
	bool insn_ok;
	pid_t pid;
	int id, rc;

	snprintf(rec.raw_prefix, sizeof(rec.raw_prefix), "%s-%s-r%d", cd->name, workload, repeat);
	iperf_path = xasprintf("%s/raw/%s-iperf3.json", rundir, rec.raw_prefix);
	cpu_path = xasprintf("%s/raw/%s-cpu.json", rundir, rec.raw_prefix);

	info("%s %s (repeat %d/%d): %g s + %g s warm-up", cd->name, workload, repeat, o->repeats,
	     o->duration_s, o->warmup_s);
	if (cd->twin) {
		twin_attach(a, m, &m->twin_loaded);
		if (cd->twin_vif)
			twin_vif_attach(a, m, !cd->vif_frames);
		twin_status(a, m, &twin0);
	}
	pid = start_iperf(cd->guest_ip, reverse, o->duration_s, o->warmup_s, iperf_path, &t0);
	if (pid < 0)
		iperf_failed(cd, workload, iperf_path, -1, m);
	cmd = xasprintf("tdcpu window %.3f %g", t0 + o->warmup_s - now_s() > 0 ?
			t0 + o->warmup_s - now_s() : 0, o->duration_s);
	id = agent_send(a, cmd);
	free(cmd);

	/* the host's view of the same window: QEMU's own CPU time */
	sleep_s(t0 + o->warmup_s - now_s());
	host0 = machine_host_cpu_s(m);
	host_stat_read(&hs0);
	hw0 = now_s();
	insn_ok = !m->d.insn_file || insn_read(m->d.insn_file, &insn0, &insn_err);
	sleep_s(t0 + o->warmup_s + o->duration_s - now_s());
	host1 = machine_host_cpu_s(m);
	host_stat_read(&hs1);
	hw1 = now_s();
	insn_ok = insn_ok && (!m->d.insn_file || insn_read(m->d.insn_file, &insn1, &insn_err));

	rc = agent_wait(a, id, 60, &cpu_out);
	if (rc != 0)
		die(EXIT_RUN, "tdcpu in the %s guest failed (status %d): %s; console log %s",
		    machine_kind_name(m->d.kind), rc, cpu_out ? cpu_out : "no answer", m->d.console_log);
	write_file(cpu_path, cpu_out, strlen(cpu_out));
	rc = wait_iperf(pid, o->duration_s + o->warmup_s + 60);
	iperf_out = read_file(iperf_path, NULL);
	if (!parse_iperf(iperf_out ? iperf_out : "", &ir, &err))
		iperf_failed(cd, workload, iperf_path, rc, m);
	if (!parse_cpu(cpu_out, &rec.cpu, &err))
		die(EXIT_RUN, "%s %s: %s (%s)", cd->name, workload, err, cpu_path);
	if (cd->twin) {
		/* after detach: dom0 has run every upcall, the instance holds nothing */
		if (cd->twin_vif)
			twin_vif_detach(a, m);
		twin_detach(a, m);
		twin_status(a, m, &twin1);
		twin_delta(&twin0, &twin1, &rec.twin);
		rec.has_twin = true;
		/* a run the instance did not carry to its end measured dom0's driver */
		if (twin_get(&rec.twin, "disables"))
			die(EXIT_RUN, "%s %s: the hypervisor instance disabled itself during the run (reason %llu at %#llx); Xen's log is in %s",
			    cd->name, workload, (unsigned long long)twin_get(&rec.twin, "disabled_reason"),
			    (unsigned long long)twin_get(&rec.twin, "disabled_where"), m->d.console_log);
		/* nor one whose vif Xen gave back to netback on the way */
		if (cd->twin_vif && twin_get(&rec.twin, "guest_fatal"))
			die(EXIT_RUN, "%s %s: Xen stopped serving the guest's vif during the run (a fatal request); Xen's log is in %s",
			    cd->name, workload, m->d.console_log);
	}

	rec.config = cd->name;
	rec.workload = workload;
	rec.repeat = repeat;
	rec.mbps = ir.mbps;
	rec.duration_s = ir.seconds;
	rec.cpu_util = rec.cpu.util;
	rec.cpu_scaled_mbps = cpu_scaled(ir.mbps, rec.cpu.util);
	rec.host_cpu_util = host_util(host0, host1, hw1 - hw0);
	rec.host_busy_util = host_busy_util(&hs0, &hs1, hw1 - hw0);
	if (contention(rec.cpu_util, rec.host_cpu_util, rec.host_busy_util, why, sizeof(why)))
		rec.contended = xstrdup(why);
	rec.cpus = o->cpus;
	rec.accel = accel_name(m->d.accel);
	rec.iommu = iommu_name(m->d.iommu);
	/*
	 * Instructions over the host window [hw0, hw1], against the bytes
	 * iperf3 moved in that much time: its receiver's bytes over its own
	 * interval (same length, started within ~0.1 s of it), scaled to the
	 * window's length.
	 */
	if (m->d.insn_file) {
		double kb = ir.bytes / ir.seconds * (hw1 - hw0) / 1024;

		if (!insn_ok || !insn_window(&insn0, &insn1, kb, &rec.insn))
			die(EXIT_RUN, "%s %s: instruction counts: %s (%s; --no-plugin runs without)",
			    cd->name, workload, insn_err ? insn_err : "the snapshots disagree", m->d.insn_file);
		rec.insn.window_s = hw1 - hw0;
	}
	results_add(res, &rec);
	info("  %.1f Mb/s, util %.2f of %d CPUs, %.1f Mb/s per CPU, host %.2f CPUs (%.2f busy in all)",
	     rec.mbps, rec.cpu_util, rec.cpu.nr_cpus, rec.cpu_scaled_mbps, rec.host_cpu_util,
	     rec.host_busy_util);
	if (rec.contended)
		info("  CONTENDED: %s; the throughput of this record is not valid", rec.contended);
	if (rec.insn.nr)
		info("  %.0f guest instructions per KB", insn_per_kb(rec.insn.total, rec.insn.kb));
	if (cd->twin_vif)
		info("  the guest's vif in Xen: %llu frames sent, %llu received, %llu grant copies, %llu requests refused",
		     (unsigned long long)twin_get(&rec.twin, "guest_tx_frames"),
		     (unsigned long long)twin_get(&rec.twin, "guest_rx_frames"),
		     (unsigned long long)twin_get(&rec.twin, "guest_grant_copies"),
		     (unsigned long long)twin_get(&rec.twin, "guest_requests_refused"));
	if (rec.has_twin)
		info("  instance: %llu frames sent, %llu received, %llu interrupts, %llu polls, %llu SVM misses",
		     (unsigned long long)twin_get(&rec.twin, "tx_frames"),
		     (unsigned long long)twin_get(&rec.twin, "rx_frames"),
		     (unsigned long long)twin_get(&rec.twin, "interrupts"),
		     (unsigned long long)twin_get(&rec.twin, "polls"),
		     (unsigned long long)twin_get(&rec.twin, "svm_misses"));
	free(iperf_out);
	free(cpu_out);
	free(iperf_path);
	free(cpu_path);
}

bool traffic_run(const struct config_desc *cd, const char *workload, double seconds,
		 const char *json_path, struct iperf_result *ir, const char **err)
{
	double t0;
	char *out;
	bool ok;
	pid_t pid;

	pid = start_iperf(cd->guest_ip, !strcmp(workload, "tx"), seconds, 0, json_path, &t0);
	if (pid >= 0)
		wait_iperf(pid, seconds + 60);
	out = read_file(json_path, NULL);
	ok = parse_iperf(out ? out : "", ir, err);
	if (!out)
		*err = "iperf3 left no output";
	free(out);
	return ok;
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

void boot(const struct testbed_opts *o, const struct launcher *launcher, struct machine *m,
	  struct agent *a, enum machine_kind kind, enum accel accel, const char *rundir,
	  const char *tag)
{
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
enum accel resolve_accel(const struct testbed_opts *o, const char *rundir)
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

