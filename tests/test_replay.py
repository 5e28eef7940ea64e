"""tdh replay: fault files against the real stack, with the invariants.

Each replay boots a configuration with the project's QEMU injecting the
file's faults into the e1000 and tracing it, runs traffic through the
fault and after it, and writes replay.json.  The tests check what the
replay says against what must have happened.  With --nic e1000e the
faults go into QEMU's e1000e (patch 0008), checked the same way.
"""
import json
import re

import pytest

from conftest import ROOT, assert_no_leftovers, tdh

TRACES = ROOT / "harness" / "traces"
INVARIANTS = {
    "native": {"guest_alive", "traffic_resumes"},
    "dom0": {"hypervisor_alive", "dom0_alive", "traffic_resumes"},
    "netback": {"hypervisor_alive", "dom0_alive", "guest_alive", "traffic_resumes"},
}


def replay(tmp_path, fault, *args):
    """Run tdh replay; returns (process, replay.json or None)."""
    runs = tmp_path / "runs"
    p = tdh("replay", fault, "--duration", "5", "--after", "3", "--results", runs, *args,
            timeout=900)
    found = list(runs.glob("*/replay.json"))
    rep = json.loads(found[0].read_text()) if found else None
    assert_no_leftovers(runs)
    return p, rep


def one_error_line(p):
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("tdh: error:")]
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_replay_needs_a_readable_fault_file(tmp_path):
    p = tdh("replay", "--results", tmp_path, wait_lock=0)
    assert p.returncode == 2 and "no fault file given" in one_error_line(p)
    p = tdh("replay", tmp_path / "nope.fault", "--results", tmp_path, wait_lock=0)
    assert p.returncode == 2 and "nope.fault" in one_error_line(p)
    p = tdh("replay", TRACES / "link-flap.fault", "--config", "dom1", "--results", tmp_path,
            wait_lock=0)
    assert p.returncode == 2 and "--config 'dom1'" in one_error_line(p)


def test_replay_refuses_a_malformed_fault_file(tmp_path):
    bad = tmp_path / "bad.fault"
    bad.write_text("# fine\ntx_desc 100 link_down 1s\ntx_desc 200 flop\n")
    p, rep = replay(tmp_path, bad)
    assert p.returncode == 2, p.stdout + p.stderr
    line = one_error_line(p)
    assert "QEMU refused to start" in line and f"{bad}:3" in line, line
    assert rep is None


def test_link_flap_on_native(tmp_path):
    p, rep = replay(tmp_path, TRACES / "link-flap.fault")
    assert p.returncode == 0, p.stdout + p.stderr
    assert rep["schema"] == "tdh-replay/1" and rep["config"] == "native"
    assert rep["faults_injected"] >= 1
    assert any(f["action"] == "link_down" for f in rep["faults"]), rep["faults"]
    # the driver saw the link go and come back, and traffic came back
    assert rep["driver"]["link_down"] >= 1 and rep["driver"]["link_up"] >= 1, rep["driver"]
    assert set(rep["invariants"]) == INVARIANTS["native"]
    assert all(rep["invariants"].values()) and rep["held"]
    assert rep["traffic"]["after"]["completed"] and rep["traffic"]["after"]["mbps"] > 1
    # a link flap moves no DMA anywhere it should not
    assert rep["dma"]["confinement"]["held"] and rep["dma"]["confinement"]["violations"] == 0


@pytest.fixture
def redirect_out_of_ram(tmp_path):
    """A TX buffer read sent to 8 GiB, where the 2 GiB machine has nothing."""
    f = tmp_path / "redirect-out.fault"
    f.write_text("# one TX buffer read from outside RAM\ntx_desc 20000 redirect 0x200000000 tx_buf\n")
    return f


def test_checker_flags_a_dma_outside_ram(tmp_path, redirect_out_of_ram):
    p, rep = replay(tmp_path, redirect_out_of_ram)
    assert rep is not None, p.stderr
    assert rep["faults_injected"] == 1
    conf = rep["dma"]["confinement"]
    assert not conf["held"] and conf["violations"] >= 1, conf
    text = next((tmp_path / "runs").glob("*/dma-check.txt")).read_text()
    assert "addr 0x200000000" in text and "tx_buf read" in text, text
    # a device fault, not a driver one: the machine stays up
    assert rep["invariants"]["guest_alive"]


def test_iommu_stops_the_dma_under_xen(tmp_path, redirect_out_of_ram):
    """dom0 with VT-d: the redirected read is refused by the IOMMU that Xen
    programmed, so nothing reaches memory outside what Xen allows."""
    p, rep = replay(tmp_path, redirect_out_of_ram, "--config", "dom0", "--iommu", "intel")
    assert rep is not None, p.stderr
    assert rep["iommu"] == "intel" and rep["faults_injected"] == 1
    assert set(rep["invariants"]) == INVARIANTS["dom0"]
    assert rep["invariants"]["hypervisor_alive"] and rep["invariants"]["dom0_alive"]
    run = next((tmp_path / "runs").glob("*/dma-check.txt")).parent
    check = (run / "dma-check.txt").read_text()
    assert "refused by the IOMMU" in check, check
    assert rep["dma"]["confinement"]["held"], check
    refused = re.search(r"; (\d+) refused by the IOMMU", check)
    assert refused and int(refused.group(1)) >= 1, check
    # Xen's ranges: RAM from 1 MiB without Xen's image
    regions = (run / "allowed-regions.txt").read_text()
    assert "Xen" in regions and "\n0x100000 " in regions, regions


def test_netback_guest_survives_a_link_flap(tmp_path):
    p, rep = replay(tmp_path, TRACES / "link-flap.fault", "--config", "netback")
    assert p.returncode == 0, p.stdout + p.stderr
    assert set(rep["invariants"]) == INVARIANTS["netback"]
    assert all(rep["invariants"].values()), rep["invariants"]
    assert rep["driver"]["link_down"] >= 1


def test_e1000e_replay_under_xen_flags_a_dma_outside_ram(tmp_path, redirect_out_of_ram):
    """dom0 drives the e1000e (MSI-X through Xen); the device takes the
    fault file and its trace feeds the same DMA check against what Xen
    allows: the TX buffer mapped at 8 GiB is flagged, everything lives on.
    (Native Linux with e1000e: test_qemu_trace and test_qemu_faults.)"""
    p, rep = replay(tmp_path, redirect_out_of_ram, "--nic", "e1000e", "--config", "dom0")
    assert rep is not None, p.stderr
    assert rep["nic"] == "e1000e" and rep["faults_injected"] == 1, rep
    conf = rep["dma"]["confinement"]
    assert not conf["held"] and conf["violations"] >= 1, conf
    run = next((tmp_path / "runs").glob("*/dma-check.txt")).parent
    text = (run / "dma-check.txt").read_text()
    assert "addr 0x200000000" in text and "tx_buf read" in text, text
    assert json.loads((run / "trace-summary.json").read_text())["model"] == "e1000e"
    assert set(rep["invariants"]) == INVARIANTS["dom0"]
    assert all(rep["invariants"].values()), rep["invariants"]
    assert "Xen" in (run / "allowed-regions.txt").read_text()


def test_e1000e_replay_refuses_what_does_not_apply(tmp_path):
    """A legacy RX write-back flip: QEMU's e1000e refuses it at start, tdh
    says why in one line."""
    p, rep = replay(tmp_path, TRACES / "rx-status-eop.fault", "--nic", "e1000e")
    assert p.returncode == 2 and rep is None, p.stdout + p.stderr
    line = one_error_line(p)
    assert "QEMU refused to start" in line and "rx-status-eop.fault:" in line, line
    assert "legacy layout" in line, line


def test_e1000e_link_flap_under_its_instance(tmp_path):
    """e1000e's hypervisor instance attached (twin-dom0): a link flap is
    survived, and every DMA of the NIC stays within the frames Xen's
    record allowed (the per-frame confinement, with e1000e's trace)."""
    p, rep = replay(tmp_path, TRACES / "link-flap.fault", "--config", "twin-dom0", "--nic", "e1000e")
    assert p.returncode == 0, p.stdout + p.stderr
    assert rep["nic"] == "e1000e" and rep["config"] == "twin-dom0" and rep["faults_injected"] >= 1
    assert rep["held"] and all(rep["invariants"].values()), rep["invariants"]
    conf = rep["dma"]["confinement"]
    assert conf["held"] and conf["violations"] == 0, conf
    run = next((tmp_path / "runs").glob("*/replay.json")).parent
    assert json.loads((run / "trace-summary.json").read_text())["model"] == "e1000e"
