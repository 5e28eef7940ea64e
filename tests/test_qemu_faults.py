"""Fault injection in the patched QEMU's e1000 (property fault-trace).

A malformed fault file must stop QEMU at once with FILE:LINE and the
reason.  Each file of the library in harness/traces/ is replayed on a
native Linux boot (tdh sim with a QEMU wrapper that adds the fault file
and tracing): the fault must appear in the trace at the requested trigger
count, with its effect visible in the trace and, where the driver reports
it, in the guest's console.  A mixed fault file run twice injects at the
same trigger counts.  The e1000e (patch 0008) takes the same files, but
for the flips of the e1000's legacy RX write-back fields, which it refuses;
one e1000e boot replays several fault kinds at once.
"""
import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, BUILD, tdh, assert_no_leftovers

QEMU = BUILD / "qemu" / "qemu-system-x86_64"
DECODER = BUILD / "bin" / "e1000-trace"
EVENTS = ROOT / "qemu-e1000-tracing" / "events" / "all"
TRACES = ROOT / "harness" / "traces"

ICR = 0xc0


@pytest.fixture(scope="module", autouse=True)
def built():
    # make test builds both; missing is a failure, never a skip
    assert QEMU.exists() and DECODER.exists(), "run 'make qemu' first"


def run(cmd, timeout=600, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True,
                          text=True, timeout=timeout, **kw)


# --- malformed files: refused at start, no boot -----------------------------

BAD_FILES = [
    # (file text, line of the error, text of the message)
    ("# comment\n\ntx_desc 10 dma_fail\nirq 5 flop\n", 4,
     "unknown action 'flop'"),
    ("tx_desc 1x0 dma_fail\n", 1, "bad trigger count '1x0'"),
    ("rx_dma 10 redirect 0x1000 rx_buf\nwhen 5 link_down\n", 2,
     "unknown trigger 'when'"),
    ("time 5 link_down\n", 1, "bad time '5'"),
    ("tx_desc 0 dma_fail\n", 1, "trigger count must be at least 1"),
    ("tx_desc 5 flip tx.length 0x10000\n", 1, "wider than tx.length"),
    ("tx_desc 5 flip tx.bogus 1\n", 1, "unknown descriptor field"),
    ("reg_write 0x3819 5 link_up\n", 1, "not a 32-bit register"),
    ("irq 3 irq_drop count 2 sometimes\n", 1, "unexpected 'sometimes'"),
    ("tx_desc 3 dma_fail rx_sideways\n", 1, "unknown DMA kind"),
    ("irq 3\n", 1, "missing action"),
    # the actions of patch 0007
    ("rx_frame 5 redirect + rx_desc_wb\n", 1, "bad offset ''"),
    ("rx_frame 5 redirect -0 rx_desc_wb\n", 1, "bad offset '-0'"),
    ("irq 5 irq_storm 500ns 10ms\n", 1, "period under 1us"),
    ("irq 5 irq_storm 20us\n", 1, "missing duration"),
    ("tx_desc 5 mmio_dead\n", 1, "missing duration"),
    ("tx_desc 5 mmio_dead 0s\n", 1, "duration must not be 0"),
    ("reg_write 0xc8=zero 1 mmio_dead 1s\n", 1, "bad register value 'zero'"),
    ("reg_write 0xc9=0 1 mmio_dead 1s\n", 1, "not a 32-bit register"),
]


def qemu_with_faults(path, extra=(), nic="e1000"):
    return [QEMU, "-machine", "q35", "-nodefaults", "-display", "none",
            "-device", f"{nic},fault-trace={path}", *extra]


def refused(f, line, msg, nic="e1000"):
    """QEMU stops at once with one line: FILE:LINE: and the reason."""
    t0 = time.monotonic()
    p = run(qemu_with_faults(f, nic=nic), timeout=30)
    assert p.returncode != 0
    assert time.monotonic() - t0 < 10, "QEMU did not refuse at start"
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert f"{f}:{line}: " in lines[0] and msg in lines[0], lines[0]


@pytest.mark.parametrize("text,line,msg", BAD_FILES)
def test_malformed_fault_file_refused(tmp_path, text, line, msg):
    f = tmp_path / "faults.txt"
    f.write_text(text)
    refused(f, line, msg)


def test_e1000e_refuses_a_malformed_file_the_same_way(tmp_path):
    # the engine is the e1000's: a few of its messages, through e1000e
    for text, line, msg in BAD_FILES[:3] + BAD_FILES[-3:]:
        f = tmp_path / "faults.txt"
        f.write_text(text)
        refused(f, line, msg, nic="e1000e")


# the e1000's legacy RX write-back layout, which e1000e does not write
E1000E_NO_RX_WB = "e1000e does not write RX descriptors back in the e1000's legacy layout"


@pytest.mark.parametrize("field", ["rx.length", "rx.csum", "rx.status", "rx.errors",
                                   "rx.special"])
def test_e1000e_refuses_rx_write_back_flips(tmp_path, field):
    f = tmp_path / "faults.txt"
    f.write_text(f"tx_desc 5 flip tx.cmd 0x8\n# then\nrx_frame 5 flip {field} 0x1\n")
    refused(f, 3, f"flip {field}: {E1000E_NO_RX_WB}", nic="e1000e")


def test_missing_fault_file_refused(tmp_path):
    f = tmp_path / "nonexistent.fault"
    p = run(qemu_with_faults(f), timeout=30)
    assert p.returncode != 0 and str(f) in p.stderr, p.stderr


# the library's files that flip RX write-back fields: e1000 only
E1000_ONLY = {"rx-length-flip", "rx-status-eop"}


@pytest.mark.parametrize("nic", ["e1000", "e1000e"])
def test_library_files_parse(nic):
    """QEMU accepts every library file (the e1000e all but the RX
    write-back flips): it starts (paused) and keeps running until killed."""
    files = sorted(TRACES.glob("*.fault"))
    assert len(files) >= 9
    for f in files:
        if nic == "e1000e" and f.stem in E1000_ONLY:
            p = run(qemu_with_faults(f, nic=nic), timeout=30)
            assert p.returncode != 0 and E1000E_NO_RX_WB in p.stderr, p.stderr
            continue
        proc = subprocess.Popen([str(c) for c in qemu_with_faults(
            f, ["-S", "-monitor", "none"], nic=nic)], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(1.0)
            assert proc.poll() is None, f"{f.name}: {proc.stderr.read()}"
        finally:
            proc.kill()
            proc.wait()


# --- replaying the library on native Linux ----------------------------------

class Run:
    """One native boot with a fault file: trace, summary, console."""

    def __init__(self, d, fault_file, workload, duration, nic="e1000",
                 window=400):
        self.dir = d
        self.window = window
        self.trace = d / "e1000.simpletrace"
        wrapper = d / "qemu-faults"
        # -D: the log backend would echo every traced event on stderr
        wrapper.write_text(
            f'#!/bin/sh\nexec {QEMU} "$@" -global {nic}.fault-trace={fault_file} '
            f'-trace events={EVENTS},file={self.trace} -D /dev/null\n')
        wrapper.chmod(0o755)
        self.p = tdh("sim", "--configs", "native", "--workloads", workload,
                     "--duration", duration, "--nic", nic, "--qemu", wrapper,
                     "--results", d / "runs")
        assert_no_leftovers(d / "runs")
        consoles = list((d / "runs").glob("*/console-native-*.log"))
        assert consoles, f"no console log:\n{self.p.stdout}\n{self.p.stderr}"
        self.console = consoles[0].read_text(errors="replace")
        assert self.trace.exists(), self.p.stderr
        s = run([DECODER, "summary", self.trace])
        assert s.returncode == 0, s.stderr
        self.summary = json.loads(s.stdout)
        self._scan()

    @property
    def ok(self):
        return self.p.returncode == 0

    def _scan(self):
        """One pass over the dump: per fault event, how many trigger events
        of each kind came before it and the window of events after it."""
        c = {"tx_desc": 0, "rx_dma": 0, "rx_frame": 0, "irq": 0}
        self.faults, self.ends, self.after = [], [], {}
        # event indices of every TX descriptor fetch, line raise (or
        # e1000e's MSI/MSI-X message) and frame sent
        self.fetches, self.raises, self.sent = [], [], []
        watch = []          # (fault index, events wanted)
        proc = subprocess.Popen([str(DECODER), "dump", str(self.trace)],
                                stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if watch or '"e1000_fault' in line:
                ev = json.loads(line)
                for w in watch:
                    self.after[w[0]].append(ev)
                watch = [w for w in watch if len(self.after[w[0]]) < w[1]]
                if ev["event"] == "e1000_fault":
                    ev["before"] = dict(c)
                    self.faults.append(ev)
                    self.after[ev["i"]] = []
                    watch.append((ev["i"], self.window))
                elif ev["event"] == "e1000_fault_end":
                    self.ends.append(ev)
                    self.after[ev["i"]] = []
                    watch.append((ev["i"], self.window))
            if '"e1000_dma"' in line:
                if '"kind":"tx_desc"' in line:
                    c["tx_desc"] += 1
                    self.fetches.append(int(line[5:line.index(",")]))
                elif '"kind":"rx_' in line:
                    c["rx_dma"] += 1
            elif '"e1000_rx_packet"' in line:
                c["rx_frame"] += 1
            elif '"e1000_tx_packet"' in line:
                self.sent.append(int(line[5:line.index(",")]))
            elif '"e1000_irq_level","level":1' in line or \
                    '"e1000_irq_msg"' in line:
                c["irq"] += 1
                self.raises.append(int(line[5:line.index(",")]))
        assert proc.wait() == 0
        self.counts = c

    def next_event(self, fault, name, **fields):
        """The first event called name after a fault (or fault end)."""
        for ev in self.after[fault["i"]]:
            if ev["event"] == name and all(ev.get(k) == v
                                           for k, v in fields.items()):
                return ev
        raise AssertionError(f"no {name} {fields} within {self.window} "
                             f"events after "
                             f"{fault}")

    def check_fault(self, line, action, trigger, nth):
        """The fault of that line, injected once, at the requested count,
        and agreeing with the summary."""
        mine = [f for f in self.faults if f["line"] == line]
        assert mine, f"line {line} not injected: {self.summary['faults']}"
        f = mine[0]
        assert (f["action"], f["trigger"], f["nth"]) == (action, trigger, nth)
        assert self.summary["faults_injected"] == len(self.faults)
        assert self.summary["faults_loaded"] >= 1
        assert [x["i"] for x in self.summary["faults"]] == \
            [x["i"] for x in self.faults]
        return f

    def between(self, indices, first, last):
        """How many of the event indices lie strictly between two events."""
        return sum(1 for i in indices if first["i"] < i < last["i"])

    def dmesg(self, pattern):
        return [ln for ln in self.console.splitlines()
                if re.search(pattern, ln)]

    def describe(self):
        return (f"tdh rc={self.p.returncode}\n{self.p.stderr[-2000:]}\n"
                f"faults: {self.faults}\nconsole e1000 lines: "
                f"{self.dmesg('e1000|NETDEV')}")


_runs = {}


def replay(tmp_path_factory, name, workload="tx", duration=5, window=400):
    if name not in _runs:
        d = tmp_path_factory.mktemp(name)
        _runs[name] = Run(d, TRACES / f"{name}.fault", workload, duration,
                          window=window)
    return _runs[name]


def fault_line(name):
    """Line number of the (first) fault in a library file."""
    for n, text in enumerate((TRACES / f"{name}.fault").read_text()
                             .splitlines(), 1):
        if text.split("#")[0].strip():
            return n
    raise AssertionError(f"{name}: no fault")


def test_tx_desc_flip(tmp_path_factory):
    r = replay(tmp_path_factory, "tx-desc-flip")
    f = r.check_fault(fault_line("tx-desc-flip"), "flip", "tx_desc", 30000)
    # the flip follows the fetch of the first data descriptor from the
    # 30000th on
    assert f["before"]["tx_desc"] >= 30000, r.describe()
    # the device then reads the buffer at the flipped address: bit 39 is
    # far above RAM, so the read fails
    assert f["arg"] & (1 << 39), f
    dma = r.next_event(f, "e1000_dma", kind="tx_buf")
    assert dma["addr"] == f["arg"] and dma["result"] != 0, (f, dma)
    assert r.ok, r.describe()


def test_dma_fail(tmp_path_factory):
    r = replay(tmp_path_factory, "dma-fail", workload="rx")
    f = r.check_fault(fault_line("dma-fail"), "dma_fail", "rx_frame", 50000)
    assert f["before"]["rx_frame"] == 49999, f
    # the frame's buffer write is the DMA that fails, right after the fault
    dma = r.next_event(f, "e1000_dma")
    assert dma["kind"] == "rx_buf" and dma["result"] == 1, dma
    assert dma["addr"] == f["arg"], (f, dma)
    assert r.summary["dma_errors"] == 1, r.summary
    # the descriptor still says the frame arrived; the stack drops the
    # garbage and TCP recovers
    pkt = r.next_event(f, "e1000_rx_packet")
    assert pkt["len"] > 0, pkt
    assert r.ok, r.describe()


def test_dma_redirect(tmp_path_factory):
    r = replay(tmp_path_factory, "dma-redirect")
    f = r.check_fault(fault_line("dma-redirect"), "redirect", "tx_desc",
                      30000)
    dma = r.next_event(f, "e1000_dma")
    assert dma["kind"] == "tx_buf" and dma["addr"] == 0x1000, (f, dma)
    assert dma["result"] == 0 and f["arg"] != 0x1000, (f, dma)
    assert r.ok, r.describe()


def test_irq_drop(tmp_path_factory):
    r = replay(tmp_path_factory, "irq-drop")
    line = fault_line("irq-drop")
    drops = [f for f in r.faults if f["line"] == line]
    assert [f["nth"] for f in drops] == [1500, 1600, 1700], r.describe()
    assert all(f["action"] == "irq_drop" for f in drops)
    # raises before the first drop: every raise so far reached the line
    assert drops[0]["before"]["irq"] == 1499, drops[0]
    for f in drops:
        cause, nxt = r.after[f["i"]][:2]
        # the lost causes are gone from ICR and the line stays low
        assert f["arg"] != 0, f
        assert cause["event"] == "e1000_irq_cause", cause
        assert cause["icr"] & cause["ims"] == 0 and \
            cause["icr"] & f["arg"] == 0, (f, cause)
        assert not (nxt["event"] == "e1000_irq_level" and nxt["level"] == 1)
    assert r.ok, r.describe()


def test_irq_dup(tmp_path_factory):
    # the guest's read of ICR can come hundreds of events after the raise:
    # while its vCPU waits for the host, QEMU's main loop goes on taking
    # frames from the tap (a CI run saw none within 400 events)
    r = replay(tmp_path_factory, "irq-dup", window=20000)
    f = r.check_fault(fault_line("irq-dup"), "irq_dup", "irq", 1500)
    assert f["before"]["irq"] >= 1500, f
    # the duplicate: the line goes up at once, without a new cause
    lvl = r.after[f["i"]][0]
    assert (lvl["event"], lvl["level"]) == ("e1000_irq_level", 1), lvl
    # ... and stays up until the guest reads ICR (the read lowers the line,
    # then its own reg_read event follows)
    after = r.after[f["i"]]
    k = next((k for k in range(1, len(after) - 1)
              if after[k]["event"] == "e1000_irq_level"), None)
    assert k is not None, \
        f"the line never changed in {len(after)} events after {f}"
    assert after[k]["level"] == 0, after[k]
    assert (after[k + 1]["event"], after[k + 1]["off"]) == \
        ("e1000_reg_read", ICR), after[k:k + 2]
    assert r.ok, r.describe()


def test_irq_delay(tmp_path_factory):
    r = replay(tmp_path_factory, "irq-delay")
    line = fault_line("irq-delay")
    f = r.check_fault(line, "irq_delay", "irq", 1500)
    assert f["before"]["irq"] == 1499, f
    assert f["arg"] != 0, f
    ends = [e for e in r.ends if e["line"] == line]
    assert len(ends) == 1 and ends[0]["i"] > f["i"], r.ends
    # held for 50 ms of virtual time (the trace's clock is the host's;
    # under TCG they run together)
    assert ends[0]["ts"] - f["ts"] >= 45e6, (f, ends)
    # no raise of the line while it was held, one right after
    assert r.between(r.raises, f, ends[0]) == 0, (f, ends)
    assert r.next_event(ends[0], "e1000_irq_level", level=1)
    assert r.ok, r.describe()


def test_link_flap(tmp_path_factory):
    # 3 s down, then TCP's backoff: leave room for the transfer to resume
    r = replay(tmp_path_factory, "link-flap", duration=12)
    line = fault_line("link-flap")
    f = r.check_fault(line, "link_down", "tx_desc", 30000)
    assert f["arg"] == 3 * 10**9, f
    ends = [e for e in r.ends if e["line"] == line]
    assert len(ends) == 1, r.ends
    assert ends[0]["ts"] - f["ts"] >= 2.95e9, (f, ends)
    # traffic resumed after
    assert sum(1 for i in r.sent if i > ends[0]["i"]) > 1000, r.describe()
    # the driver saw the link go down, then come back
    down = r.dmesg(r"e1000: eth0 NIC Link is Down")
    assert down, r.describe()
    lines = r.console.splitlines()
    after = lines[lines.index(down[0]):]
    assert any("NIC Link is Up" in ln for ln in after), r.describe()
    assert r.ok, r.describe()


def test_rx_corrupt(tmp_path_factory):
    r = replay(tmp_path_factory, "rx-corrupt", workload="rx")
    f = r.check_fault(fault_line("rx-corrupt"), "rx_corrupt", "rx_frame",
                      50000)
    # the 50000th frame: 49999 were written to the guest before it
    assert f["before"]["rx_frame"] == 49999, f
    # a full-sized segment, so offset 100..103 lay inside it
    assert f["arg"] > 104, f
    pkt = r.next_event(f, "e1000_rx_packet")
    assert pkt["len"] == f["arg"], (f, pkt)
    assert r.ok, r.describe()


def test_tx_stall(tmp_path_factory):
    r = replay(tmp_path_factory, "tx-stall", duration=8)
    line = fault_line("tx-stall")
    f = r.check_fault(line, "tx_stall", "tx_desc", 30000)
    # fired as the 30000th fetch began: that one is finished, then TX stops
    assert f["before"]["tx_desc"] == 29999, f
    ends = [e for e in r.ends if e["line"] == line]
    assert len(ends) == 1, r.ends
    assert ends[0]["ts"] - f["ts"] >= 3.9e9, (f, ends)
    assert r.between(r.fetches, f, ends[0]) == 1, (f, ends)
    # TX resumed after the stall
    assert r.counts["tx_desc"] > 30000 + 1000, r.counts
    assert r.dmesg(r"e1000 .*Detected Tx Unit Hang"), r.describe()
    assert r.ok, r.describe()


# --- determinism --------------------------------------------------------------

MIXED = """\
# harmless faults on every counted trigger, for the determinism check
tx_desc 20000 flip tx.status 0x40
rx_dma 60000 flip rx.special 0x1
rx_frame 9000 rx_corrupt 2000
irq 700 irq_dup
reg_write 0x3818 5000 irq_delay 1ms
tx_desc 25000 tx_stall 1ms count 3 every 1000
"""


def test_same_file_same_trigger_counts(tmp_path_factory):
    faults = tmp_path_factory.mktemp("mixed") / "mixed.fault"
    faults.write_text(MIXED)
    seen = []
    for n in range(2):
        r = Run(tmp_path_factory.mktemp(f"mixed{n}"), faults, "tx", 5)
        assert r.summary["faults_loaded"] == 6
        seen.append([(f["line"], f["action"], f["trigger"], f["nth"])
                     for f in r.faults])
        # the counts the engine reports agree with the trace itself
        for f in r.faults:
            if f["trigger"] == "tx_desc" and f["action"] == "tx_stall":
                assert f["before"]["tx_desc"] == f["nth"] - 1, f
            if f["trigger"] == "rx_dma":
                assert f["before"]["rx_dma"] >= f["nth"], f
            if f["trigger"] == "rx_frame":
                assert f["before"]["rx_frame"] == f["nth"] - 1, f
    want = sorted([(2, "flip", "tx_desc", 20000), (3, "flip", "rx_dma", 60000),
                   (4, "rx_corrupt", "rx_frame", 9000),
                   (5, "irq_dup", "irq", 700),
                   (6, "irq_delay", "reg_write", 5000),
                   (7, "tx_stall", "tx_desc", 25000),
                   (7, "tx_stall", "tx_desc", 26000),
                   (7, "tx_stall", "tx_desc", 27000)])
    assert sorted(seen[0]) == want, seen[0]
    assert sorted(seen[1]) == want, seen[1]


# --- e1000e: several fault kinds in one boot -----------------------------------

# far apart in a 5 s TCP transmit run (about 130 k TX descriptor fetches,
# 65 k MSI-X messages, 25 k received frames), each one's effect its own
E1000E_FAULTS = """\
# e1000e (patch 0008): a DMA redirect, interrupts duplicated and held, a
# corrupted received frame (an ACK), a TX stall
tx_desc 30000 redirect 0x1000 tx_buf
irq 3000 irq_dup 100us
irq 20000 irq_delay 20ms
rx_frame 12000 rx_corrupt 30 1
tx_desc 60000 tx_stall 500ms
"""


@pytest.fixture(scope="module")
def e1000e_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("e1000e")
    f = d / "e1000e.fault"
    f.write_text(E1000E_FAULTS)
    return Run(d, f, "tx", 5, nic="e1000e")


def test_e1000e_faults(e1000e_run):
    r = e1000e_run
    assert r.summary["model"] == "e1000e", r.summary
    assert r.summary["faults_loaded"] == 5, r.summary
    assert r.ok, r.describe()
    # the redirected TX buffer: its mapping is the DMA right after the fault
    f = r.check_fault(3, "redirect", "tx_desc", 30000)
    dma = r.next_event(f, "e1000_dma")
    assert dma["kind"] == "tx_buf" and dma["addr"] == 0x1000, (f, dma)
    assert dma["result"] == 0 and f["arg"] != 0x1000, (f, dma)
    # a message without a cause, on a vector of the device's, at once
    f = r.check_fault(4, "irq_dup", "irq", 3000)
    assert r.after[f["i"]][0]["event"] == "e1000_irq_msg", r.after[f["i"]][:3]
    # held 20 ms: no message meanwhile, one as it ends
    f = r.check_fault(5, "irq_delay", "irq", 20000)
    assert 19999 <= f["before"]["irq"] <= 20000, f     # + irq_dup's message
    end = next(e for e in r.ends if e["line"] == 5)
    assert end["ts"] - f["ts"] >= 18e6, (f, end)
    assert r.between(r.raises, f, end) == 0, (f, end)
    assert r.next_event(end, "e1000_irq_msg")
    # the 12000th frame, corrupted as it is written to the guest
    f = r.check_fault(6, "rx_corrupt", "rx_frame", 12000)
    assert f["before"]["rx_frame"] == 11999, f
    assert r.next_event(f, "e1000_rx_packet")["len"] == f["arg"], f
    # the stall: the fetch at the trigger is finished, then none for 500 ms
    f = r.check_fault(7, "tx_stall", "tx_desc", 60000)
    assert f["before"]["tx_desc"] == 59999, f
    end = next(e for e in r.ends if e["line"] == 7)
    assert end["ts"] - f["ts"] >= 0.45e9, (f, end)
    assert r.between(r.fetches, f, end) == 1, (f, end)
    assert r.counts["tx_desc"] > 60000 + 1000, r.counts
