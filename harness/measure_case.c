// SPDX-License-Identifier: GPL-2.0
/*
 * One measurement case: iperf3 between the peer and the guest, with the
 * guest's CPU window (tdcpu), QEMU's host CPU, the host's load and the
 * instruction counts over the same window; and traffic that may fail
 * (tdh replay).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "insn.h"
#include "measure.h"
#include "testbed.h"
#include "twin.h"
#include "util.h"

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
/*
 * The end of a measurement through the instance: detached (dom0 has run
 * every upcall, the instance holds nothing), its counters over the run
 * into rec.  A run the instance did not carry to its end measured dom0's
 * driver, and one whose vif Xen gave back to netback measured netback:
 * both die().
 */
static void twin_window_end(const struct config_desc *cd, const char *workload, struct agent *a,
			    struct machine *m, const struct twin_counters *twin0, struct record *rec)
{
	struct twin_counters twin1;

	if (cd->twin_vif)
		twin_vif_detach(a, m);
	twin_detach(a, m);
	twin_status(a, m, &twin1);
	twin_delta(twin0, &twin1, &rec->twin);
	rec->has_twin = true;
	if (twin_get(&rec->twin, "disables"))
		die(EXIT_RUN, "%s %s: the hypervisor instance disabled itself during the run (reason %llu at %#llx); Xen's log is in %s",
		    cd->name, workload, (unsigned long long)twin_get(&rec->twin, "disabled_reason"),
		    (unsigned long long)twin_get(&rec->twin, "disabled_where"), m->d.console_log);
	if (cd->twin_vif && twin_get(&rec->twin, "guest_fatal"))
		die(EXIT_RUN, "%s %s: Xen stopped serving the guest's vif during the run (a fatal request); Xen's log is in %s",
		    cd->name, workload, m->d.console_log);
}

/* A record's progress lines. */
static void record_print(const struct config_desc *cd, const struct record *rec)
{
	info("  %.1f Mb/s, util %.2f of %d CPUs, %.1f Mb/s per CPU, host %.2f CPUs (%.2f busy in all)",
	     rec->mbps, rec->cpu_util, rec->cpu.nr_cpus, rec->cpu_scaled_mbps, rec->host_cpu_util,
	     rec->host_busy_util);
	if (rec->contended)
		info("  CONTENDED: %s; the throughput of this record is not valid", rec->contended);
	if (rec->insn.nr)
		info("  %.0f guest instructions per KB", insn_per_kb(rec->insn.total, rec->insn.kb));
	if (cd->twin_vif)
		info("  the guest's vif in Xen: %llu frames sent, %llu received, %llu grant copies, %llu requests refused",
		     (unsigned long long)twin_get(&rec->twin, "guest_tx_frames"),
		     (unsigned long long)twin_get(&rec->twin, "guest_rx_frames"),
		     (unsigned long long)twin_get(&rec->twin, "guest_grant_copies"),
		     (unsigned long long)twin_get(&rec->twin, "guest_requests_refused"));
	if (rec->has_twin)
		info("  instance: %llu frames sent, %llu received, %llu interrupts, %llu polls, %llu SVM misses",
		     (unsigned long long)twin_get(&rec->twin, "tx_frames"),
		     (unsigned long long)twin_get(&rec->twin, "rx_frames"),
		     (unsigned long long)twin_get(&rec->twin, "interrupts"),
		     (unsigned long long)twin_get(&rec->twin, "polls"),
		     (unsigned long long)twin_get(&rec->twin, "svm_misses"));
}

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
	struct twin_counters twin0;
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
	if (cd->twin)
		twin_window_end(cd, workload, a, m, &twin0, &rec);

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
	rec.nic = nic_name(m->d.nic);
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
	record_print(cd, &rec);
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

