"""The instruction-accounting TCG plugin (qemu-e1000-tracing/plugins/
insn-regions.c) and its use by tdh: the plugin loads, its counters file has
the documented layout, every record carries instructions per KB per region,
and the regions are where the code runs (native Linux: guest only; Xen:
Xen's text too).  Three boots through tdh sim: about two minutes."""
import json
import struct
import subprocess

import pytest

from conftest import BUILD, load_results, tdh

PLUGIN = BUILD / "qemu" / "plugins" / "libinsn-regions.so"
XEN_SYMS = BUILD / "xen" / "xen-syms"
# regions [0, 7) partition the instructions; the last four split the guest's
# kernel and user time by domain (Xen's scheduling beacon, hv/xen/beacon.c)
DISJOINT = ["xen_text", "xen_livepatch", "xen_other", "guest_kernel", "guest_user", "other", "xen_twin"]
REGIONS = DISJOINT + ["dom0_kernel", "domu_kernel", "dom0_user", "domu_user"]
TWIN_TEXT = BUILD / "xen" / "twin-text"
XEN_REGIONS = ["xen_text", "xen_livepatch", "xen_other"]


@pytest.fixture(scope="module", autouse=True)
def built():
    # make test builds it (part of make qemu); missing is a failure, never a skip
    assert PLUGIN.exists(), f"{PLUGIN} is missing: run 'make qemu'"


def sim(tmp_path_factory, name, *args):
    results = tmp_path_factory.mktemp(name) / "runs"
    results.mkdir()
    p = tdh("sim", *args, "--results", results, timeout=900)
    assert p.returncode == 0, f"tdh sim failed:\n{p.stdout[-3000:]}\n{p.stderr}"
    rundir, res = load_results(results)
    return p, rundir, res


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    return sim(tmp_path_factory, "native", "--configs", "native", "--workloads", "tx,rx",
               "--duration", "5")


@pytest.fixture(scope="module")
def dom0(tmp_path_factory):
    return sim(tmp_path_factory, "dom0", "--configs", "dom0", "--workloads", "tx",
               "--duration", "5")


def check_insn(r):
    """What every record with the plugin on must satisfy."""
    what = f"{r['config']} {r['workload']}"
    insn = r["insn"]
    assert insn is not None, f"{what}: no instruction counts with the plugin on"
    assert list(insn["regions"]) == REGIONS, f"{what}: regions {list(insn['regions'])}"
    counts = {k: v["count"] for k, v in insn["regions"].items()}
    assert insn["total"] == sum(counts[k] for k in DISJOINT) > 0, f"{what}: {insn}"
    assert counts["dom0_kernel"] + counts["domu_kernel"] <= counts["guest_kernel"], counts
    assert counts["dom0_user"] + counts["domu_user"] <= counts["guest_user"], counts
    # the window's KB: iperf3's rate over the host window (10^6 bit/s, 1024-byte KB)
    assert insn["window_s"] == pytest.approx(5, abs=0.3)
    assert insn["kb"] == pytest.approx(r["mbps"] * 1e6 / 8 * insn["window_s"] / 1024, rel=0.02)
    assert insn["per_kb"] == pytest.approx(insn["total"] / insn["kb"])
    for k, v in insn["regions"].items():
        assert v["per_kb"] == pytest.approx(v["count"] / insn["kb"]), f"{what} {k}"
    return counts


def test_native_records_count_the_guest_only(native):
    _, _, res = native
    assert {(r["config"], r["workload"]) for r in res["records"]} == {("native", "tx"), ("native", "rx")}
    for r in res["records"]:
        what = f"native {r['workload']}"
        counts = check_insn(r)
        assert counts["guest_kernel"] > 0 and counts["guest_user"] > 0, f"{what}: {counts}"
        for k in XEN_REGIONS:
            assert counts[k] == 0, f"{what}: native Linux ran code in {k}: {counts}"
        # Linux runs no code in the kernel half outside its text and modules
        assert counts["other"] == 0, f"{what}: {counts}"
        # TCP through the kernel: measured about 2,200 (tx) and 2,900 (rx)
        # instructions per KB; bits for bytes or MB for KB would be off by 8x
        # or 1000x, counting idle would blow it up
        assert 500 < r["insn"]["per_kb"] < 15000, f"{what}: {r['insn']['per_kb']:.0f} insn/KB"
        assert counts["guest_kernel"] > 10 * counts["guest_user"], f"{what}: {counts}"


def test_table_shows_insn_per_kb(native):
    p, _, res = native
    header = next(l for l in p.stdout.splitlines() if l.startswith("config"))
    assert header.split()[-1] == "insn/KB"
    for r in res["records"]:
        row = next(l for l in p.stdout.splitlines() if l.startswith(f"native     {r['workload']}"))
        assert float(row.split()[-1]) == pytest.approx(r["insn"]["per_kb"], abs=1)


def test_qemu_got_the_plugin(native):
    _, rundir, _ = native
    cmdline = (rundir / "qemu-native-r1.cmdline").read_text()
    assert f"'-plugin' '{PLUGIN},out={rundir}/raw/native-r1-insn.bin,xen_syms={XEN_SYMS},twin_text={TWIN_TEXT}'" in cmdline


def xen_image_end():
    out = subprocess.run(["nm", str(XEN_SYMS)], capture_output=True, text=True, check=True).stdout
    return next(int(l.split()[0], 16) for l in out.splitlines() if l.endswith(" __2M_rwdata_end"))


def test_counters_file_layout(native):
    """The file tdh reads while QEMU runs, as the plugin's header comment
    documents it; QEMU has exited, so it holds the whole run's counts."""
    _, rundir, res = native
    data = (rundir / "raw" / "native-r1-insn.bin").read_bytes()
    (magic, version, nr, names_off, name_len, ctr_off, stride, flags, slots, image_end, nr_disjoint,
     vcpus_off) = struct.unpack_from("<8sIIIIIIIIQII", data, 0)
    assert magic == b"TDINSN1\0" and version == 3 and flags == 0
    assert nr_disjoint == len(DISJOINT)
    # one counter per vCPU, each on its own cache line
    cpus = res["records"][0]["cpus"]
    assert (nr, names_off, name_len, stride, slots) == (len(REGIONS), 64, 32, 64, cpus)
    assert ctr_off % 64 == 0 and len(data) >= ctr_off + nr * slots * stride
    names = [data[names_off + i * name_len:names_off + (i + 1) * name_len].rstrip(b"\0").decode()
             for i in range(nr)]
    assert names == REGIONS
    # xen_syms named the beacons: a record per vCPU of its pending split,
    # after the counters; native Linux never reached one, and at QEMU's
    # exit every vCPU's share was moved (kind 0, none pending)
    assert vcpus_off == ctr_off + nr * slots * stride and len(data) == vcpus_off + slots * stride
    for j in range(slots):
        seq, kind, kbase, ubase = struct.unpack_from("<4Q", data, vcpus_off + j * stride)
        assert seq % 2 == 0 and kind == 0, (j, seq, kind)
    # the livepatch area starts where xen-syms says Xen's image ends
    assert image_end == xen_image_end()
    ctrs = struct.unpack_from(f"<{nr * slots * stride // 8}Q", data, ctr_off)[::stride // 8]
    final = {name: sum(ctrs[i * slots:(i + 1) * slots]) for i, name in enumerate(names)}
    # every vCPU ran kernel code, each counted in its own slot
    assert all(ctrs[REGIONS.index("guest_kernel") * slots:][:slots]), ctrs
    for r in res["records"]:
        for k, v in r["insn"]["regions"].items():
            assert final[k] >= v["count"], f"{k}: the run's total is below one window's"
    # the boot ran code too (firmware and early boot count as guest_user)
    assert final["guest_kernel"] > sum(r["insn"]["regions"]["guest_kernel"]["count"]
                                       for r in res["records"])


def test_dom0_counts_xen(dom0):
    _, _, res = dom0
    (r,) = res["records"]
    counts = check_insn(r)
    assert counts["xen_text"] > 0 and counts["guest_kernel"] > 0, counts
    # no livepatch payload is loaded in the dom0 configuration (yet)
    assert counts["xen_livepatch"] == 0, counts
    assert counts["other"] == 0, counts
    # dom0's e1000 interrupts, event channels and hypercalls go through Xen
    assert counts["xen_text"] > 0.01 * r["insn"]["total"], counts
    # Xen's beacon names dom0 as what runs: its kernel time is dom0's, no domU's
    assert counts["dom0_kernel"] > 0.9 * counts["guest_kernel"], counts
    assert counts["domu_kernel"] == 0 and counts["domu_user"] == 0, counts


def test_no_plugin(tmp_path_factory):
    _, rundir, res = sim(tmp_path_factory, "noplugin", "--configs", "native", "--workloads", "tx",
                         "--duration", "3", "--no-plugin")
    assert [r["insn"] for r in res["records"]] == [None]
    assert "-plugin" not in (rundir / "qemu-native-r1.cmdline").read_text()
    assert not list((rundir / "raw").glob("*-insn.bin"))


def test_help_names_the_option():
    p = tdh("sim", "--help")
    assert p.returncode == 0 and "--no-plugin" in p.stdout


def test_plugin_refuses_a_bad_argument(tmp_path):
    """QEMU refuses to start; tdh says so with the plugin's own words kept
    in QEMU's log."""
    wrapper = tmp_path / "qemu-bad-plugin"
    wrapper.write_text(f'#!/bin/sh\nexec {BUILD}/qemu/qemu-system-x86_64 "$@" '
                       f'-plugin {PLUGIN},out={tmp_path}/x.bin,bogus=1\n')
    wrapper.chmod(0o755)
    results = tmp_path / "runs"
    results.mkdir()
    p = tdh("sim", "--configs", "native", "--workloads", "tx", "--duration", "3",
            "--qemu", wrapper, "--results", results, timeout=300)
    assert p.returncode != 0
    log = next(results.glob("*/qemu-native-r1.log")).read_text()
    assert "insn-regions: unknown argument 'bogus=1'" in log, log
