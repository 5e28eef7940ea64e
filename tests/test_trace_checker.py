"""e1000-trace check through an IOMMU, on synthetic traces with known answers.

The traces are written in QEMU's simple-trace format (version 4, as
scripts/simpletrace.py reads it): with an IOMMU the e1000's addresses are
IOVAs, and the checker must follow each DMA through the translations QEMU
made just before it (patch 0003) to where it really went.
"""
import json
import struct
import subprocess

from conftest import BUILD

DECODER = BUILD / "bin" / "e1000-trace"
HEADER = struct.pack("=QQQ", 0xFFFFFFFFFFFFFFFF, 0xF2B177CB0AA429B4, 4)
EVENTS = {"e1000_dma": 1, "vtd_translation": 2, "amdvi_translation": 3, "e1000_reg_write": 4,
          "e1000_model": 5, "e1000_irq_msg": 6, "e1000_irq_level": 7}
TX_BUF, RX_BUF = 2, 5
RAM = "0x100000 0x40000000\n"


def record(name, *args, ts=1000):
    # a string argument is a 32-bit length and its bytes, as QEMU writes it
    body = b"".join(struct.pack("=I", len(a)) + a.encode() if isinstance(a, str)
                    else struct.pack("=Q", a) for a in args)
    return struct.pack("=QQQII", 1, EVENTS[name], ts, 24 + len(body), 4242) + body


def trace(path, *records):
    maps = b"".join(struct.pack("=QQI", 0, eid, len(n)) + n.encode()
                    for n, eid in EVENTS.items())
    path.write_bytes(HEADER + maps + b"".join(records))
    return path


def xlat(iova, to, ok=1, write=0, name="vtd_translation", sid=0x8):
    return record(name, sid, iova, to if ok else 0, 3 if ok else 0, write, ok)


def dma(kind, addr, length, write=0, ts=1000):
    return record("e1000_dma", kind, write, addr, length, 7, 0, ts=ts)


def check(tmp_path, *records, options=()):
    regions = tmp_path / "regions"
    regions.write_text(RAM)
    t = trace(tmp_path / "t.st", *records)
    return subprocess.run([str(DECODER), "check", *options, str(t), str(regions)],
                          capture_output=True, text=True, timeout=60)


def test_only_the_window_is_checked(tmp_path):
    # tdh faults: one fault's window of a boot's trace, [from, to) in ns
    outside = 0x80000000
    p = check(tmp_path, dma(TX_BUF, outside, 64, ts=999), dma(TX_BUF, 0x200000, 64, ts=1000),
              dma(TX_BUF, outside, 64, ts=1500), dma(TX_BUF, outside, 64, ts=2000),
              options=("--from", "1000", "--to", "2000"))
    assert p.returncode == 1
    assert "violation: event 2 tx_buf" in p.stdout
    assert "2 DMAs checked, 1 violations" in p.stdout
    p = check(tmp_path, dma(TX_BUF, outside, 64, ts=999), dma(TX_BUF, 0x200000, 64, ts=1000),
              options=("--from", "1000"))
    assert p.returncode == 0, p.stdout


def reg_write(off, val, ts):
    return record("e1000_reg_write", off, val, ts=ts)


def test_the_window_runs_between_xens_marks(tmp_path):
    # Xen writes 0 to ICS where the instance takes the device and where it
    # lets it go; dom0's driver's buffers before and after are not its own
    outside = 0x80000000
    recs = (dma(TX_BUF, outside, 64, ts=1050), reg_write(0xc8, 4, ts=1060),
            reg_write(0xc8, 0, ts=1100), dma(TX_BUF, outside, 64, ts=1150),
            dma(TX_BUF, 0x200000, 64, ts=1160),
            reg_write(0xc8, 0, ts=1200), dma(TX_BUF, outside, 64, ts=1300))
    p = check(tmp_path, *recs, options=("--from", "1000", "--marks"))
    assert p.returncode == 1
    assert "violation: event 3 tx_buf" in p.stdout
    assert "2 DMAs checked, 1 violations" in p.stdout
    # marks before --from do not count; without --marks the whole window
    p = check(tmp_path, reg_write(0xc8, 0, ts=900), *recs,
              options=("--marks", "--from", "1000"))
    assert "2 DMAs checked, 1 violations" in p.stdout
    p = check(tmp_path, *recs, options=("--from", "1000"))
    assert "4 DMAs checked, 3 violations" in p.stdout
    # no attach mark in the window: nothing checked, and said so
    p = check(tmp_path, recs[0], options=("--marks",))
    assert p.returncode == 0 and "attach mark is not in the window" in p.stdout


def test_a_bad_window_option_is_usage(tmp_path):
    p = check(tmp_path, dma(TX_BUF, 0x200000, 64), options=("--from", "soon"))
    assert p.returncode == 2 and "usage" in p.stderr
    p = check(tmp_path, dma(TX_BUF, 0x200000, 64), options=("--since", "1"))
    assert p.returncode == 2 and "usage" in p.stderr


def test_many_violations_are_counted_not_all_printed(tmp_path):
    p = check(tmp_path, *[dma(TX_BUF, 0x80000000 + i * 64, 64) for i in range(80)])
    assert p.returncode == 1
    assert p.stdout.count("violation:") == 50
    assert "(30 more violations not printed)" in p.stdout
    assert "80 DMAs checked, 80 violations" in p.stdout


def test_without_iommu_bus_addresses_are_checked(tmp_path):
    p = check(tmp_path, dma(TX_BUF, 0x200000, 1500), dma(TX_BUF, 0x80000000, 64))
    assert p.returncode == 1
    assert "violation: event 1 tx_buf read addr 0x80000000" in p.stdout
    assert "2 DMAs checked, 1 violations" in p.stdout


def test_translated_dma_inside_ram_passes(tmp_path):
    # the IOVA is outside RAM, where it goes is inside
    p = check(tmp_path, xlat(0xFFFF0000, 0x300000), dma(TX_BUF, 0xFFFF0000, 1500))
    assert p.returncode == 0, p.stdout
    assert "OK: 1 DMAs checked, 0 violations" in p.stdout


def test_each_chunk_is_checked_where_it_went(tmp_path):
    # a buffer across a page boundary: the second page maps outside RAM
    p = check(tmp_path,
              xlat(0xFFFF0F00, 0x300F00), xlat(0xFFFF1000, 0x90000000, write=1),
              dma(RX_BUF, 0xFFFF0F00, 0x400, write=1))
    assert p.returncode == 1
    assert "violation: event 2 rx_buf write addr 0xffff0f00 len 1024" in p.stdout
    assert "-> 0x90000000 (translation at event 1)" in p.stdout


def test_a_refused_translation_is_not_a_violation(tmp_path):
    p = check(tmp_path, xlat(0x200000000, 0, ok=0), dma(TX_BUF, 0x200000000, 64),
              xlat(0x1000000, 0x1000000, name="amdvi_translation"),
              dma(TX_BUF, 0x1000000, 64))
    assert p.returncode == 0, p.stdout
    assert "; 1 refused by the IOMMU" in p.stdout


def test_a_refused_dma_retried_chunk_by_chunk_is_not_a_violation(tmp_path):
    # QEMU retries a refused read every 4 bytes: 258 refusals for 1 KiB,
    # the first of which (the DMA's own address) must still be found
    refusals = [xlat(0x200000000 + off, 0, ok=0) for off in range(0, 1032, 4)]
    p = check(tmp_path, *refusals, dma(TX_BUF, 0x200000000, 1032))
    assert p.returncode == 0, p.stdout
    assert "; 1 refused by the IOMMU" in p.stdout


def test_an_untranslated_dma_is_a_violation(tmp_path):
    # once the trace shows an IOMMU, a DMA without its translation escaped it
    p = check(tmp_path, xlat(0x400000, 0x400000), dma(TX_BUF, 0x400000, 64),
              dma(TX_BUF, 0x500000, 64))
    assert p.returncode == 1
    assert "violation: event 2 tx_buf read addr 0x500000" in p.stdout
    assert "untranslated" in p.stdout


def run_decoder(*args):
    return subprocess.run([str(DECODER), *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def test_an_e1000e_trace_is_read_as_the_e1000s(tmp_path):
    """Patch 0008: the e1000e writes the e1000's events, names itself once
    and signals with MSI-X messages; the decoder and the checker take it."""
    t = trace(tmp_path / "e1000e.st", record("e1000_model", "e1000e", ts=10),
              dma(TX_BUF, 0x200000, 1514), record("e1000_irq_msg", 1),
              record("e1000_irq_msg", 2), record("e1000_irq_level", 1),
              dma(RX_BUF, 0x90000000, 66, write=1))
    p = run_decoder("summary", t)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["model"] == "e1000e" and s["irq_msgs"] == 2 and s["irq_raise"] == 1, s
    assert s["dma"]["tx_buf"] == {"count": 1, "bytes": 1514}, s
    dump = [json.loads(ln) for ln in run_decoder("dump", t).stdout.splitlines()]
    assert dump[0]["model"] == "e1000e" and dump[2]["vector"] == 1, dump
    p = check(tmp_path, *[record("e1000_model", "e1000e"), dma(TX_BUF, 0x200000, 64),
                          record("e1000_irq_msg", 0), dma(RX_BUF, 0x90000000, 66, write=1)])
    assert p.returncode == 1
    assert "violation: event 3 rx_buf write addr 0x90000000" in p.stdout
    assert "2 DMAs checked, 1 violations" in p.stdout


def test_a_trace_from_before_patch_0008_has_no_model(tmp_path):
    s = json.loads(run_decoder("summary", trace(tmp_path / "t.st", dma(TX_BUF, 0x200000, 64))).stdout)
    assert s["model"] is None and s["irq_msgs"] == 0, s
