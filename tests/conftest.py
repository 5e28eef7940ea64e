"""Shared fixtures for the testbed's pytest suites.

Every test drives the real binaries in build/ (make test builds them first).
Tests that boot QEMU take the testbed's lock through tdh itself; when
another run holds it, they wait rather than fail.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
TDH = BUILD / "bin" / "tdh"
LOCK_MSG = "is using the testbed"


def run(cmd, timeout=600, **kw):
    """Run a command, capturing text output.

    On a timeout the command gets SIGINT first and a minute to clean up
    (tdh then stops its QEMU and removes its namespace and tap), so one
    slow test does not leave leftovers that fail every test after it."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGINT)
            try:
                out, err = p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            raise subprocess.TimeoutExpired(cmd, timeout, output=out, stderr=err)
        return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def tdh(*args, timeout=900, wait_lock=900, **kw):
    """Run build/bin/tdh, waiting while another run holds the testbed."""
    deadline = time.monotonic() + wait_lock
    while True:
        p = run([str(TDH), *map(str, args)], timeout=timeout, **kw)
        if LOCK_MSG in p.stderr and time.monotonic() < deadline:
            time.sleep(5)
            continue
        return p


def leftovers(marker):
    """Processes whose command line mentions marker (a run's folder), and
    tdh network namespaces whose tdh is gone."""
    procs = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(marker) in cmdline and "pytest" not in cmdline:
            procs.append(cmdline)
    stale = []
    netns = Path("/run/netns")
    if netns.is_dir():
        for ns in netns.iterdir():
            if ns.name.startswith("tdh-"):
                pid = ns.name[4:]
                if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                    stale.append(ns.name)
    return procs, stale


def assert_no_leftovers(marker):
    procs, stale = leftovers(marker)
    assert not procs, f"processes left running: {procs}"
    assert not stale, f"network namespaces left behind: {stale}"


def libvirt_domains():
    """tdh's libvirt domains that exist now (none may outlive a run)."""
    p = run(["virsh", "-c", "qemu:///system", "list", "--all", "--name"], timeout=60)
    return [d for d in p.stdout.split() if d.startswith("tdh-")] if p.returncode == 0 else []


def one_error_line(p):
    """tdh's convention: bad input gives one line starting 'tdh: error:'."""
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one error line, got: {p.stderr!r}"
    assert lines[0].startswith("tdh: error: "), lines[0]
    return lines[0]


@pytest.fixture(scope="session")
def tdh_bin():
    assert TDH.exists(), "build/bin/tdh is missing: run 'make tdh' (make test does)"
    return TDH


@pytest.fixture
def results_dir(tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    yield d
    assert_no_leftovers(d)


def load_results(results_dir):
    latest = results_dir / "latest"
    assert latest.is_symlink(), "results/runs/latest was not created"
    return latest.resolve(), json.loads((latest / "results.json").read_text())
