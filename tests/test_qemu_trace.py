"""The patched QEMU's e1000 tracing and the e1000-trace decoder/checker.

One native Linux boot (through tdh sim, with the patched QEMU wrapped to
add -trace) moves TCP traffic; the same trace then feeds every check:
the decoder against QEMU's own scripts/simpletrace.py, DMA counts against
the packets moved, and the confinement checker on a clean and on a
synthetically corrupted trace.  A second boot does the same with
--nic e1000e, whose model writes the same events (patch 0008).
"""
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
QEMU = BUILD / "qemu" / "qemu-system-x86_64"
DECODER = BUILD / "bin" / "e1000-trace"
TDH = BUILD / "bin" / "tdh"
EVENTS = ROOT / "qemu-e1000-tracing" / "events" / "all"



@pytest.fixture(scope="module", autouse=True)
def built():
    # make test builds both; missing is a failure, never a skip
    assert QEMU.exists() and DECODER.exists(), "run 'make qemu' first"


def run(cmd, timeout=600):
    return subprocess.run([str(c) for c in cmd], capture_output=True,
                          text=True, timeout=timeout)


def tdh_sim(*args, wait_lock=900):
    """tdh sim, waiting while another run holds the testbed's lock."""
    deadline = time.monotonic() + wait_lock
    while True:
        p = run([TDH, "sim", *args], timeout=900)
        if "is using the testbed" in p.stderr and time.monotonic() < deadline:
            time.sleep(5)
            continue
        return p


def traced_boot(d, nic):
    """A trace of one native boot with that NIC plus 5 s of TCP transmit."""
    trace = d / "e1000.simpletrace"
    wrapper = d / "qemu-traced"
    # tdh takes any QEMU binary; the wrapper adds the trace options
    wrapper.write_text(f'#!/bin/sh\nexec {QEMU} "$@" '
                       f'-trace events={EVENTS},file={trace}\n')
    wrapper.chmod(0o755)
    p = tdh_sim("--configs", "native", "--workloads", "tx", "--duration", "5",
                "--nic", nic, "--qemu", wrapper, "--results", d / "runs")
    assert p.returncode == 0, f"tdh sim failed:\n{p.stdout}\n{p.stderr}"
    res = json.loads(next((d / "runs").glob("*/results.json")).read_text())
    assert trace.stat().st_size > 0
    return trace, res


@pytest.fixture(scope="module")
def native_trace(tmp_path_factory):
    return traced_boot(tmp_path_factory.mktemp("trace"), "e1000")


@pytest.fixture(scope="module")
def e1000e_trace(tmp_path_factory):
    return traced_boot(tmp_path_factory.mktemp("trace-e1000e"), "e1000e")


BOTH = pytest.mark.parametrize("boot", ["native_trace", "e1000e_trace"])


def summary(trace):
    p = run([DECODER, "summary", trace])
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_events_are_declared():
    p = run([QEMU, "-trace", "help"])
    names = set(p.stdout.split())
    for ev in EVENTS.read_text().splitlines():
        if not ev.startswith("#"):
            assert ev in names, f"{ev} not a trace event of {QEMU}"


def test_dma_counts_match_packets(native_trace):
    trace, res = native_trace
    s = summary(trace)
    assert s["dropped"] == 0, s
    assert s["dma_errors"] == 0, s
    dma = s["dma"]
    # each transmitted frame needs at least one descriptor and one buffer
    # read; TSO lets one descriptor chain carry several frames
    assert s["tx_packets"] > 10000, s
    assert dma["tx_desc"]["count"] >= s["tx_packets"] / 50, s
    assert dma["tx_buf"]["count"] >= dma["tx_desc"]["count"] / 4, s
    # the payload read over DMA covers what went out on the wire: headers
    # are re-sent per TSO segment, so wire bytes exceed DMA bytes a little
    assert dma["tx_buf"]["bytes"] <= s["tx_bytes"] * 1.01, s
    assert dma["tx_buf"]["bytes"] >= s["tx_bytes"] * 0.9, s
    # one RX buffer write per received frame (ACKs), one descriptor fetch
    assert dma["rx_buf"]["count"] == s["rx_packets"], s
    assert dma["rx_desc"]["count"] >= s["rx_packets"], s
    # iperf3 measured traffic, and the trace saw at least that much
    mbytes = res["records"][0]["mbps"] * res["records"][0]["duration_s"] / 8
    assert s["tx_bytes"] / 1e6 >= mbytes * 0.9, (s, mbytes)
    assert s["irq_raise"] > 0 and s["reg_writes"] > 0, s


def test_e1000e_dma_counts_match_packets(e1000e_trace):
    """The e1000e's trace carries what the e1000's does: every DMA of the
    traffic, without errors or drops; its interrupts are MSI-X messages."""
    trace, res = e1000e_trace
    s = summary(trace)
    assert s["model"] == "e1000e", s
    assert s["dropped"] == 0 and s["dma_errors"] == 0, s
    dma = s["dma"]
    # a packet is one event however large: the tap peer segments TSO ones
    assert s["tx_packets"] > 500, s
    assert dma["tx_desc"]["count"] >= s["tx_packets"], s
    assert dma["tx_buf"]["count"] >= s["tx_packets"], s
    # each packet's bytes are the buffers mapped for it
    assert s["tx_bytes"] * 0.95 <= dma["tx_buf"]["bytes"] <= s["tx_bytes"] * 1.05, s
    assert dma["tx_desc_wb"]["count"] > 0, s
    # received frames (ACKs): a descriptor, a buffer write and a write-back each
    assert dma["rx_buf"]["count"] >= s["rx_packets"] > 0, s
    assert dma["rx_desc"]["count"] >= s["rx_packets"], s
    assert dma["rx_desc_wb"]["count"] >= s["rx_packets"], s
    mbytes = res["records"][0]["mbps"] * res["records"][0]["duration_s"] / 8
    assert s["tx_bytes"] / 1e6 >= mbytes * 0.9, (s, mbytes)
    assert res["records"][0]["nic"] == "e1000e"
    # Linux's e1000e takes MSI-X on q35: messages, not a line
    assert s["irq_msgs"] > 0 and s["irq_causes"] > 0 and s["reg_writes"] > 0, s


@BOTH
def test_decoder_matches_simpletrace_py(boot, request):
    """Our decoder and QEMU's reference reader agree event by event."""
    trace, _ = request.getfixturevalue(boot)
    qdir = QEMU.parent
    script = ("import sys; sys.path.insert(0, %r)\n"
              "import simpletrace\n"
              "class A(simpletrace.Analyzer):\n"
              "    def catchall(self, ev, rec):\n"
              "        print(ev.name, rec[1], *rec[3:])\n"
              "simpletrace.run(A())\n" % str(qdir))
    ref = subprocess.run([sys.executable, "-c", script,
                          str(qdir / "trace-events-all"), str(trace)],
                         capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr
    ref_lines = ref.stdout.splitlines()
    ours = run([DECODER, "dump", trace]).stdout.splitlines()
    assert len(ours) == len(ref_lines) > 1000
    for i in range(0, len(ours), max(1, len(ours) // 2000)):
        o = json.loads(ours[i])
        r = ref_lines[i].split()
        assert o["i"] == i and o["event"] == r[0] and o["ts"] == int(r[1])
        if o["event"] == "e1000_dma":
            assert [o["addr"], o["len"], o["idx"]] == \
                [int(r[4]), int(r[5]), int(r[6])], (o, r)
        if o["event"] in ("e1000_reg_read", "e1000_reg_write"):
            assert [o["off"], o["val"]] == [int(r[2]), int(r[3])], (o, r)


@BOTH
def test_checker_passes_clean_run(boot, request, tmp_path):
    trace, _ = request.getfixturevalue(boot)
    regions = tmp_path / "ram"
    # the whole 2 GiB guest RAM, which is all below 4 GiB on q35
    regions.write_text("# native guest RAM\n0 0x80000000\n")
    p = run([DECODER, "check", trace, regions])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "OK:" in p.stdout and " 0 violations" in p.stdout


def corrupt_first_dma(src, dst, addr):
    """Copy a simple trace, moving the first e1000_dma to bus address addr;
    returns that record's event index."""
    data = bytearray(src.read_bytes())
    off, idx, names = 24, 0, {}
    while off < len(data):
        (rtype,) = struct.unpack_from("=Q", data, off)
        if rtype == 0:
            eid, ln = struct.unpack_from("=QI", data, off + 8)
            names[eid] = data[off + 20:off + 20 + ln].decode()
            off += 20 + ln
            continue
        eid, _, ln, _ = struct.unpack_from("=QQII", data, off + 8)
        if names.get(eid) == "e1000_dma":
            struct.pack_into("=Q", data, off + 8 + 24 + 16, addr)
            dst.write_bytes(bytes(data))
            return idx
        off += 8 + ln
        idx += 1
    raise AssertionError("no e1000_dma event in the trace")


def test_checker_flags_out_of_range_dma(native_trace, tmp_path):
    trace, _ = native_trace
    bad = tmp_path / "bad.simpletrace"
    idx = corrupt_first_dma(trace, bad, 0xdead00000)
    regions = tmp_path / "ram"
    regions.write_text("0x0 0x80000000  # guest RAM\n")
    p = run([DECODER, "check", bad, regions])
    assert p.returncode == 1, p.stdout
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("violation")]
    assert len(lines) == 1, p.stdout
    assert lines[0].startswith(f"violation: event {idx} ")
    assert "addr 0xdead00000" in lines[0]


def test_checker_refuses_bad_region_file(tmp_path):
    regions = tmp_path / "r"
    regions.write_text("0 0x1000\n# ok\n0x2000 0x1000\n")
    empty = tmp_path / "t"
    empty.write_bytes(b"")
    p = run([DECODER, "check", empty, regions])
    assert p.returncode == 2
    assert f"{regions}:3:" in p.stderr


def test_decoder_refuses_non_trace(tmp_path):
    f = tmp_path / "x"
    f.write_bytes(b"not a trace at all, definitely not" * 4)
    p = run([DECODER, "summary", f])
    assert p.returncode == 2 and "not a QEMU simple trace" in p.stderr
