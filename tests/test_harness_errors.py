"""Bad input and faults: one clear line, a non-zero exit, nothing left
running.  Some of these boot QEMU briefly."""
import fcntl
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from conftest import BUILD, TDH, assert_no_leftovers, one_error_line, run, tdh


def test_not_root(results_dir):
    p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             str(TDH), "sim", "--results", str(results_dir)])
    assert p.returncode == 2
    assert "must run as root" in one_error_line(p)


def test_no_tun_device(results_dir):
    # hide /dev/net in a private mount namespace
    p = run(["unshare", "--mount", "sh", "-c",
             f"mount -t tmpfs none /dev/net && exec {TDH} sim --results {results_dir}"])
    assert p.returncode == 2
    assert "/dev/net/tun" in one_error_line(p)


def test_missing_images(tmp_path, results_dir):
    p = tdh("sim", "--build", tmp_path, "--stock-qemu", "--results", results_dir, wait_lock=0)
    assert p.returncode == 2
    line = one_error_line(p)
    assert "is missing" in line and "make images" in line


def test_missing_project_qemu(tmp_path, results_dir):
    # the default is the project's own QEMU; without it, say how to get it
    p = tdh("sim", "--build", tmp_path, "--results", results_dir, wait_lock=0)
    assert p.returncode == 2
    line = one_error_line(p)
    assert "make qemu" in line and "--stock-qemu" in line


def test_missing_qemu(results_dir):
    p = tdh("sim", "--qemu", "/nonexistent/qemu", "--results", results_dir, wait_lock=0)
    assert p.returncode == 2
    assert "QEMU '/nonexistent/qemu' not found" in one_error_line(p)


def test_testbed_in_use(results_dir):
    with open(BUILD / ".tdh.lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            import pytest
            pytest.skip("another run holds the testbed right now")
        try:
            p = tdh("sim", "--configs", "native", "--results", results_dir, wait_lock=0)
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    assert p.returncode == 2
    assert "is using the testbed" in one_error_line(p)
    assert not list(results_dir.iterdir()), "a refused run must not create a run folder"


def test_qemu_that_exits_at_once(results_dir):
    # /bin/false stands for a QEMU or guest that dies while booting
    p = tdh("sim", "--configs", "native", "--qemu", "/bin/false", "--results", results_dir)
    assert p.returncode == 1
    line = one_error_line(p)
    assert "stopped (QEMU exited)" in line and "console log kept at" in line


def test_boot_timeout_keeps_the_console_log(tmp_path, results_dir):
    # A guest that boots but never becomes ready: the real QEMU, with an
    # init that does not exist, so the kernel prints its boot and then
    # waits in its panic.  The limit is ample for the kernel's first lines
    # on a loaded host, and readiness can never come however fast it is.
    qemu = tmp_path / "qemu-no-init"
    qemu.write_text(f"""#!/bin/bash
args=()
for a in "$@"; do
    [ "${{args[-1]:-}}" = -append ] && a="$a rdinit=/tdh-no-such-init root=/dev/null panic=0"
    args+=("$a")
done
exec {BUILD}/qemu/qemu-system-x86_64 "${{args[@]}}"
""")
    qemu.chmod(0o755)
    p = tdh("sim", "--configs", "native", "--qemu", qemu, "--boot-timeout", "30",
            "--kernel-args", "tdh.test=1,2", "--results", results_dir)
    assert p.returncode == 1
    line = one_error_line(p)
    assert "did not become ready within" in line
    log = Path(line.split("console log kept at ")[1].split(",")[0])
    assert log.exists(), "the console log of the failed boot must be kept"
    text = log.read_text(errors="replace")
    assert "Kernel panic" in text, "the kept log must hold what the guest printed"
    # --kernel-args reached the kernel, comma and all
    assert re.search(r"Kernel command line: .* tdh\.test=1,2 ", text)
    assert_no_leftovers(results_dir)


def test_ctrl_c_while_booting_cleans_up(results_dir):
    proc = subprocess.Popen([str(TDH), "sim", "--configs", "native", "--results", str(results_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen += line
        if "booting native" in line:
            break
        if "is using the testbed" in line or proc.poll() is not None:
            break
    assert "booting native" in seen, f"tdh never started booting: {seen} {proc.stderr.read()}"
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGINT
    assert "interrupted" in err
    assert_no_leftovers(results_dir)
    assert not os.path.exists(f"/run/netns/tdh-{proc.pid}")


def test_kvm_requested_without_kvm(results_dir):
    import pytest
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        pytest.skip("this host has a usable /dev/kvm")
    p = tdh("sim", "--accel", "kvm", "--results", results_dir, wait_lock=0)
    assert p.returncode == 2
    assert "/dev/kvm is not usable" in one_error_line(p)


def test_e1000e_fault_campaign_is_refused(results_dir):
    """The fault campaign's mutants and faults are e1000's: asked for
    e1000e, tdh faults says so (and where e1000e's instance is checked)
    before anything boots."""
    p = tdh("faults", "--nic", "e1000e", "--results", results_dir, wait_lock=0)
    assert p.returncode == 2, p.stderr
    line = one_error_line(p)
    assert "--nic e1000e" in line and "--nic e1000" in line and "twin-check" in line, line
    assert_no_leftovers(results_dir)
