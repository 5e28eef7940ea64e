"""Unit tests of the harness's logic, on recorded and synthetic data: no
boots.  tdh analyze recomputes one record from raw outputs."""
import json
import time
import subprocess
import os
import re

import pytest

from conftest import BUILD, ROOT, one_error_line, run, tdh

DATA = ROOT / "tests" / "data"


def analyze(*args):
    p = tdh("analyze", *args, wait_lock=0)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def write_json(path, obj):
    path.write_text(json.dumps(obj))
    return path


def test_iperf_receive_goodput_from_real_output():
    rec = analyze("--iperf", DATA / "iperf3-rx.json")
    raw = json.loads((DATA / "iperf3-rx.json").read_text())
    want = raw["end"]["sum_received"]["bits_per_second"] / 1e6
    assert rec["mbps"] == pytest.approx(want, rel=1e-9)
    assert rec["workload"] == "rx"          # peer sent: not reversed
    assert rec["duration_s"] == pytest.approx(raw["end"]["sum_received"]["seconds"])


def test_iperf_reverse_is_guest_transmit():
    rec = analyze("--iperf", DATA / "iperf3-tx-reverse.json")
    assert rec["workload"] == "tx"
    assert rec["mbps"] == pytest.approx(715.0739135530515, rel=1e-9)


def test_iperf_error_is_reported(tmp_path):
    f = write_json(tmp_path / "err.json", {"start": {}, "intervals": [],
                                           "end": {}, "error": "unable to connect to server: Connection refused"})
    p = tdh("analyze", "--iperf", f, wait_lock=0)
    assert p.returncode == 1
    assert "Connection refused" in one_error_line(p)


def test_iperf_incomplete_output_is_refused(tmp_path):
    f = tmp_path / "cut.json"
    f.write_text((DATA / "iperf3-rx.json").read_text()[:500])
    p = tdh("analyze", "--iperf", f, wait_lock=0)
    assert p.returncode == 1
    assert "not JSON" in one_error_line(p)


def snapshot(wall, idle, total=None, domains=()):
    return {"wall_s": wall, "idle_s": idle, "total_s": total or [0.0] * len(idle),
            "domains": [{"domid": d, "cpu_s": c} for d, c in domains]}


def test_xen_utilization_from_idle_time(tmp_path):
    # 2 pCPUs over 10 s: CPU0 idle 2.5 s (busy 0.75), CPU1 idle 7.5 s (busy 0.25)
    cpu = write_json(tmp_path / "cpu.json", {
        "backend": "xen",
        "start": snapshot(100.0, [50.0, 60.0], domains=[(0, 30.0), (1, 5.0)]),
        "end": snapshot(110.0, [52.5, 67.5], domains=[(0, 36.0), (1, 9.0)])})
    rec = analyze("--iperf", DATA / "iperf3-rx.json", "--cpu", cpu)
    assert rec["cpu_util"] == pytest.approx(1.0)
    assert rec["cpu_scaled_mbps"] == pytest.approx(rec["mbps"] / 1.0)
    doms = {d["domid"]: d["cpu_util"] for d in rec["domains"]}
    assert doms == {0: pytest.approx(0.6), 1: pytest.approx(0.4)}


def test_xen_domain_born_inside_window_counts_from_zero(tmp_path):
    cpu = write_json(tmp_path / "cpu.json", {
        "backend": "xen",
        "start": snapshot(0.0, [0.0], domains=[(0, 1.0)]),
        "end": snapshot(4.0, [2.0], domains=[(0, 2.0), (3, 1.0)])})
    rec = analyze("--iperf", DATA / "iperf3-rx.json", "--cpu", cpu)
    assert rec["cpu_util"] == pytest.approx(0.5)
    assert {d["domid"]: d["cpu_util"] for d in rec["domains"]}[3] == pytest.approx(0.25)


def test_procstat_utilization_uses_jiffies_not_wall(tmp_path):
    # per-CPU total advanced 5 s; CPU0 idle 1 s (busy 0.8), CPU1 idle 4 s (busy 0.2);
    # the wall clock says 6 s, which must not dilute the figure
    cpu = write_json(tmp_path / "cpu.json", {
        "backend": "procstat",
        "start": snapshot(10.0, [1.0, 1.0], [2.0, 2.0]),
        "end": snapshot(16.0, [2.0, 5.0], [7.0, 7.0])})
    rec = analyze("--iperf", DATA / "iperf3-rx.json", "--cpu", cpu)
    assert rec["cpu_util"] == pytest.approx(1.0)
    assert rec["domains"] == []


def test_utilization_is_clamped_per_cpu(tmp_path):
    # a CPU cannot be more than fully busy or less than idle, whatever the
    # counters' jitter says
    cpu = write_json(tmp_path / "cpu.json", {
        "backend": "xen",
        "start": snapshot(0.0, [10.0, 0.0]),
        "end": snapshot(1.0, [9.0, 1.5])})
    rec = analyze("--iperf", DATA / "iperf3-rx.json", "--cpu", cpu)
    assert rec["cpu_util"] == pytest.approx(1.0)


def test_recorded_tdcpu_outputs_give_utilization_within_cpus():
    for name, backend in (("tdcpu-xen.json", "xen"), ("tdcpu-procstat.json", "procstat")):
        rec = analyze("--iperf", DATA / "iperf3-rx.json", "--cpu", DATA / name)
        assert rec["cpu_backend"] == backend
        assert 0 < rec["cpu_util"] <= rec["cpus"] == 2


def test_cpu_scaled_is_zero_not_infinite_without_utilization():
    rec = analyze("--iperf", DATA / "iperf3-rx.json")
    assert rec["cpu_util"] == 0 and rec["cpu_scaled_mbps"] == 0


def test_host_cpu_delta(tmp_path):
    rec = analyze("--iperf", DATA / "iperf3-rx.json", "--host-cpu", "10,25,10")
    assert rec["host_cpu_util"] == pytest.approx(1.5)


# the guest of tdcpu-procstat.json is busy on 1.21 CPUs over its window
@pytest.mark.parametrize("qemu_cpu_s,busy,verdict,why", [
    (12.0, 1.4, "ok", None),            # quiet: QEMU had what the guest used, little else ran
    (10.0, 1.2, "ok", None),            # QEMU at 82% of the guest's busy CPUs: within the rule
    (9.0, 1.1, "contended", "QEMU had 0.90 host CPUs for a guest busy on 1.21"),
    # the night: guest 1.6-1.7 CPUs, QEMU given 1.0
    (6.0, 2.0, "contended", "QEMU had 0.60 host CPUs"),
    (13.0, 2.0, "contended", "busy on 0.70 CPUs besides QEMU"),
])
def test_validity_verdict(qemu_cpu_s, busy, verdict, why):
    rec = analyze("--iperf", DATA / "iperf3-rx.json", "--cpu", DATA / "tdcpu-procstat.json",
                  "--host-cpu", f"0,{qemu_cpu_s},10", "--host-busy", busy)
    assert rec["cpu_util"] == pytest.approx(1.2146, abs=1e-3)
    assert rec["validity"] == verdict and rec["host_busy_util"] == busy
    assert (rec["contended"] is None) if why is None else why in rec["contended"]


def test_validity_needs_qemus_share():
    p = tdh("analyze", "--iperf", DATA / "iperf3-rx.json", "--host-busy", "1", wait_lock=0)
    assert p.returncode == 2 and "--host-busy needs --host-cpu" in one_error_line(p)


@pytest.mark.parametrize("cpu", [
    {"backend": "xen", "start": snapshot(0, [0, 0])},                              # no end
    {"backend": "xen", "start": snapshot(0, [0, 0]), "end": snapshot(1, [0])},     # CPUs differ
    {"backend": "xen", "start": snapshot(5, [0]), "end": snapshot(5, [0])},        # empty window
])
def test_malformed_cpu_window_is_refused(tmp_path, cpu):
    f = write_json(tmp_path / "cpu.json", cpu)
    p = tdh("analyze", "--iperf", DATA / "iperf3-rx.json", "--cpu", f, wait_lock=0)
    assert p.returncode == 1
    one_error_line(p)


@pytest.mark.parametrize("args,needle", [
    (["sim", "--bogus"], "unknown option '--bogus'"),
    (["sim", "--configs", "native,foo"], "unknown configuration 'foo'"),
    (["sim", "--configs", "native,native"], "given twice"),
    (["sim", "--workloads", "up"], "unknown workload 'up'"),
    (["sim", "--duration", "0"], "--duration '0'"),
    (["sim", "--duration"], "needs a value"),
    (["sim", "--repeats", "2x"], "--repeats '2x'"),
    (["sim", "--cpus", "9"], "--cpus '9'"),
    (["sim", "--accel", "hvf"], "--accel 'hvf'"),
    (["sim", "extra"], "unexpected argument 'extra'"),
    (["sim", "--kernel-args", ""], "--kernel-args ''"),
    (["sim", "--kernel-args", "a='b c'"], "without quotes"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["analyze", "--host-cpu", "1,2"], "--host-cpu"),
    (["analyze"], "needs --iperf"),
    (["sim", "--xen-fpu", "lazyish"], "--xen-fpu 'lazyish'"),
    (["sim", "--xen-args", "a,b"], "without quotes or commas"),
    (["boot", "--machine", "hvm"], "--machine 'hvm'"),
    (["boot", "--machine", "native", "--domu"], "--domu needs --machine xen"),
    (["boot", "--domu-args", "a='b'"], "without quotes"),
    (["boot", "--cmd-timeout", "0"], "--cmd-timeout '0'"),
    (["boot", "--bogus"], "unknown option '--bogus'"),
    (["boot", "--", ""], "an empty command"),
])
def test_option_errors(args, needle):
    p = tdh(*args, wait_lock=0)
    assert p.returncode == 2, p
    assert needle in one_error_line(p)
    assert p.stdout == ""


def test_help_lists_every_option():
    p = tdh("sim", "--help", wait_lock=0)
    assert p.returncode == 0
    for opt in ("--configs", "--workloads", "--duration", "--repeats", "--accel", "--cpus"):
        assert opt in p.stdout


def test_tdcpu_procstat_window_on_this_host():
    tool = BUILD / "guest" / "tdcpu-linux"
    p = run([str(tool), "window", "0", "0.3"])
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["backend"] == "procstat"
    assert out["end"]["wall_s"] - out["start"]["wall_s"] == pytest.approx(0.3, abs=0.2)
    assert len(out["start"]["idle_s"]) == len(out["end"]["idle_s"]) > 0


@pytest.mark.parametrize("args", [["window", "x", "1"], ["window", "1"], ["nope"], []])
def test_tdcpu_rejects_bad_arguments(args):
    p = run([str(BUILD / "guest" / "tdcpu-linux"), *args])
    assert p.returncode == 2
    assert p.stdout == ""


TDMEMCHECK = BUILD / "guest" / "tdmemcheck"


def test_tdmemcheck_clean_memory_passes():
    p = run([str(TDMEMCHECK), "0.5", "4"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "corrupted words 0" in p.stdout
    assert "corrupted:" not in p.stdout


def test_tdmemcheck_reports_an_overwritten_word():
    # --selftest zeroes one word of each pass behind the checker's back
    p = run([str(TDMEMCHECK), "--selftest", "0.1", "4"])
    assert p.returncode == 1, p.stdout + p.stderr
    lines = [l for l in p.stdout.splitlines() if l.startswith("corrupted: 1 words at ")]
    assert lines and all(l.endswith(" 00 00 00 00 00 00 00 00") for l in lines)
    passes = int(p.stdout.split("passes ")[1].split(",")[0])
    assert f"corrupted words {passes}" in p.stdout


@pytest.mark.parametrize("args", [[], ["x"], ["0"], ["1", "0"], ["1", "2", "3"]])
def test_tdmemcheck_rejects_bad_arguments(args):
    p = run([str(TDMEMCHECK), *args])
    assert p.returncode == 2
    assert p.stdout == ""


TDFPUCHECK = BUILD / "guest" / "tdfpucheck"


def test_tdfpucheck_on_this_host_finds_nothing():
    p = run([str(TDFPUCHECK), "--procs", "3", "1"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"^tdfpucheck: procs 3, seconds 1, checks [1-9]\d*, corrupted 0$", p.stdout, re.M)


def test_tdfpucheck_reports_a_changed_register():
    # --selftest: worker 0 changes XMM5 between its load and its check
    p = run([str(TDFPUCHECK), "--selftest", "--procs", "2", "0.5"])
    assert p.returncode == 1, p.stdout + p.stderr
    assert re.search(r"^corrupted: pid \d+ worker 0 round \d+: xmm5 .*; 1 of 16 registers differ$",
                     p.stdout, re.M)
    assert not re.search(r"worker 1 ", p.stdout), "only worker 0 tampers"


@pytest.mark.parametrize("args", [[], ["x"], ["-1"], ["--procs", "0", "1"], ["1", "2"], ["--bogus", "1"]])
def test_tdfpucheck_rejects_bad_arguments(args):
    p = run([str(TDFPUCHECK), *args])
    assert p.returncode == 2
    assert p.stdout == ""


TDPATTERN = BUILD / "bin" / "tdpattern"


@pytest.fixture
def pattern_server(request):
    """A tdpattern server on loopback; request.param: --flip OFFSET or None."""
    port = 5390 + (os.getpid() % 50)
    args = [str(TDPATTERN), "serve", str(port)]
    if getattr(request, "param", None) is not None:
        args += ["--flip", str(request.param)]
    p = subprocess.Popen(args)
    time.sleep(0.3)
    yield port
    p.kill()
    p.wait()


def test_tdpattern_moves_a_stream_intact(pattern_server):
    p = run([str(TDPATTERN), "check", "127.0.0.1", str(pattern_server), "9", "3000000"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == ("tdpattern: to 127.0.0.1 3000000 bytes ok; "
                                "from 127.0.0.1 3000000 bytes ok")


@pytest.mark.parametrize("pattern_server", [123457], indirect=True)
def test_tdpattern_finds_a_changed_byte(pattern_server):
    # the server changes byte 123457 of what it sends: the check says where
    p = run([str(TDPATTERN), "check", "127.0.0.1", str(pattern_server), "9", "3000000"])
    assert p.returncode == 1, p.stdout + p.stderr
    assert "to 127.0.0.1 3000000 bytes ok; from 127.0.0.1 3000000 bytes bad at 123457" in p.stdout


@pytest.mark.parametrize("args", [[], ["serve"], ["check", "127.0.0.1", "1", "x", "10"],
                                  ["check", "127.0.0.1", "1", "1", "0"], ["serve", "1", "--flip", "-3"]])
def test_tdpattern_rejects_bad_arguments(args):
    p = run([str(TDPATTERN), *args])
    assert p.returncode == 2
    assert p.stdout == ""
