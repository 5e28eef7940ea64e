"""tdh faults: the fault campaigns' runner, against the real stack.

A campaign of known mutations must reach the outcome each one is known to
have (one boot); a deliberately unsafe build must make the campaign report
the crash it causes and fail (a second boot, Xen told to accept it); the
plan, the bad input and twinctl's refusal of an unsafe build need no boot.
"""
import json
import re
import subprocess

import pytest

from conftest import BUILD, ROOT, assert_no_leftovers, one_error_line, run, tdh

TWINCTL = BUILD / "guest" / "twinctl"
XEN_SYMS = BUILD / "xen" / "xen-syms"

# known mutations and the outcome each reaches (hv/faults/e1000.mutations)
KNOWN = {
    "swifi:xmit_double_free_unbound": "verifier",    # calls kfree_skb_reason: twinc refuses
    "swifi:tx_wild_buffer_info_xen": "svm",          # reads Xen's image
    "swifi:txclean_endless": "watchdog",             # TX clean never ends
    "swifi:itr_zero_packets_divide": "instance_fault",  # divides by zero
    # Xen stops the tail write before the NIC gets the descriptor (desc_guard.c;
    # predicted, not yet run: these were guest_visible or dom0 crashes before)
    "swifi:tx_dma_addr_neighbour": "svm",            # another page than the mapping
    "swifi:tx_dma_addr_low": "svm",                  # machine address 1 MB
    "swifi:tx_desc_length_overrun": "svm",           # 1 KB past the mapping
    "swifi:rx_dma_addr_next_buffer": "svm",          # 2 KB past the buffer mapped
    "swifi:rx_stale_next_to_use": "svm",             # a tail moved back past the head
    "swifi:rx_dma_addr_owned_buffer": "svm",         # another slot's live buffer
    "swifi:tx_double_free_skb": "svm",               # Xen refuses the second free
    "swifi:rx_double_free_skb": "svm",               # ... a free after the delivery
    "swifi:tx_frags_off_by_one": "svm",              # Xen refuses the bogus fragment's mapping
    "vm:rmmod-twin": "no_effect",                    # Xen detaches, traffic goes on
    "ring:fuzz": "no_effect",                        # a guest's random requests: refused
    "ring:teardown": "no_effect",                    # ... while its vif goes away
    "device:irq-drop": "no_effect",                  # lost interrupts: the next one cleans up
}
RING_REQUESTS = 3000


def faults(tmp_path, *args, timeout=1800):
    runs = tmp_path / "runs"
    p = tdh("faults", "--results", runs, *args, timeout=timeout)
    found = list(runs.glob("*/faults.json"))
    rec = json.loads(found[0].read_text()) if found else None
    assert_no_leftovers(runs)
    return p, rec, (found[0].parent if found else None)


# --- no boot ------------------------------------------------------------------

def test_the_plan_is_seeded_and_covers_every_kind():
    def plan(*args):
        p = tdh("faults", "--list", *args, wait_lock=0)
        assert p.returncode == 0, p.stderr
        return p.stdout.split()

    ids = plan("--count", "5")
    assert len([i for i in ids if i.startswith("swifi:")]) >= 25
    assert len([i for i in ids if i.startswith("random:")]) == 5
    assert {"vm:unbind-e1000", "vm:rmmod-twin", "vm:stall-dom0"} <= set(ids)
    assert len([i for i in ids if i.startswith("device:")]) == len(list((ROOT / "harness/traces").glob("*.fault")))
    assert plan("--count", "5") == ids
    other = plan("--count", "5", "--seed", "2")
    assert [i for i in other if i.startswith("random:")] != [i for i in ids if i.startswith("random:")]
    assert plan("--kinds", "vm") == ["vm:unbind-e1000", "vm:rmmod-twin", "vm:stall-dom0"]
    assert plan("--kinds", "ring") == ["ring:fuzz", "ring:teardown"]
    assert plan("--only", "random:42,vm:rmmod-twin") == ["random:42", "vm:rmmod-twin"]


@pytest.mark.parametrize("args,words", [
    (["--kinds", "bogus"], "unknown fault kind 'bogus'"),
    (["--count", "-1"], "--count"),
    (["--seed", "x"], "--seed"),
    (["--only", "swifi:no_such_mutation"], "no fault 'swifi:no_such_mutation'"),
    (["--library", "/nonexistent.mutations"], "no such file"),
    (["--bogus"], "--bogus"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_bad_input_is_one_line(tmp_path, args, words):
    p = tdh("faults", "--results", tmp_path / "runs", *args, wait_lock=0)
    assert p.returncode == 2, p.stdout + p.stderr
    assert words in one_error_line(p)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def idt_library(path):
    """One mutation writing zeros over Xen's IDT entry for page faults."""
    nm = run(["nm", str(XEN_SYMS)])
    addr = int(re.search(r"^([0-9a-f]+) \w idt_table$", nm.stdout, re.M).group(1), 16) + 14 * 16
    path.write_text(f"""[wild_write_xen_idt]
kind:     wild_pointer
function: e1000_xmit_frame
models:   a wild pointer in transmit writes zeros over Xen's IDT entry for page faults
expect:   safe: SVM refuses it; the unsafe test build: Xen double-faults at dom0's next page fault
find:     count += TXD_USE_COUNT(len, max_txd_pwr);
replace:  count += TXD_USE_COUNT(len, max_txd_pwr); {{ u64 *wild = (void *){addr:#x}UL; OPTIMIZER_HIDE_VAR(wild); wild[0] = 0; wild[1] = 0; }}
""")
    return path


def test_twinctl_refuses_an_unsafe_build_unless_forced(tmp_path):
    lib = idt_library(tmp_path / "idt.mutations")
    p = run([str(ROOT / "hv/faults/mutant.sh"), "--library", str(lib), "--unsafe",
             "--named", "wild_write_xen_idt", str(tmp_path / "m")])
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "m" / "mutant.json").read_text())
    assert m["status"] == "built" and m["unsafe"] is True
    payload = tmp_path / "m" / m["payload"]
    # before anything else (this host has no e1000 module): the refusal
    p = run([str(TWINCTL), "load", str(payload)])
    assert p.returncode == 1
    assert "unsafe test build" in p.stderr and "--force" in p.stderr
    # forced, it gets past that check to the next (no e1000 here)
    p = run([str(TWINCTL), "load", "--force", str(payload)])
    assert p.returncode == 1 and "unsafe" not in p.stderr
    # the real payload is not an unsafe build
    p = run([str(TWINCTL), "load", str(BUILD / "twin/payload/e1000_twin.livepatch")])
    assert "unsafe" not in p.stderr


# --- boots --------------------------------------------------------------------

@pytest.fixture(scope="module")
def known_campaign(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    p, rec, rundir = faults(tmp, "--kinds", "swifi,vm,ring,device", "--only", ",".join(KNOWN),
                            "--ring-requests", RING_REQUESTS)
    return p, rec, rundir


def test_known_mutations_reach_their_outcomes(known_campaign):
    p, rec, _ = known_campaign
    assert rec, f"no faults.json:\n{p.stdout[-3000:]}\n{p.stderr}"
    got = {f["id"]: f["outcome"] for f in rec["faults"]}
    assert got == KNOWN, p.stdout[-3000:]
    assert p.returncode == 0, p.stderr


def test_a_transmit_mapping_outside_its_frame_is_refused(known_campaign):
    """One fragment too many: the NIC would have sent a page of dom0's that
    is not the frame's, checksummed, as stream data (it reached the peer
    corrupted before Xen checked transmit mappings)."""
    _, rec, _ = known_campaign
    f = next(f for f in rec["faults"] if f["id"] == "swifi:tx_frags_off_by_one")
    assert "DMA mapping outside the frame being sent" in f["detail"], f["detail"]
    assert f["traffic_resumed"] is True


def test_the_record_is_whole(known_campaign):
    p, rec, rundir = known_campaign
    s = rec["summary"]
    assert rec["schema"] == "tdh-faults/1"
    assert s["injected"] == len(KNOWN)
    assert s["xen_crashes"] == s["dom0_crashes"] == s["corruptions"] == s["leaks"] == 0
    assert s["failed"] is False and s["uninjectable"] == 0
    assert sum(s["outcomes"].values()) == len(KNOWN)
    assert s["device_corruptions"] == s["outcomes"]["device_corrupted"] == 0
    assert s["not_recovered"] == 0
    assert s["recovered_by_nic_reset"] == sum(f["recovered_by"] == "nic_reset" for f in rec["faults"])
    for f in rec["faults"]:
        if f["outcome"] in ("svm", "watchdog", "instance_fault", "guest_visible"):
            assert f["traffic_resumed"] and f["recovery_s"] is not None, f
            assert f["recovered_by"] in ("driver", "nic_reset"), f
        if f["kind"] == "swifi" and f["outcome"] != "verifier":
            assert f["what"]["status"] == "built" and f["what"]["diff"].startswith("--- a/")
            assert f["counters"] is not None
        if f["kind"] == "ring":
            assert f["what"]["rounds"] >= 1 and f["what"]["traffic_failures"] == 0, f
        if f["kind"] == "device":
            assert f["what"]["fired"] >= 1
            assert (rundir / "irq-drop.fault").read_text() == f["what"]["faults"]
    # the guest's requests: written, answered, the malformed ones refused
    assert s["ring_requests"] >= RING_REQUESTS
    fuzz = next(f for f in rec["faults"] if f["id"] == "ring:fuzz")["what"]
    assert fuzz["error"] > 0 and s["ring_refused"] > 0
    stopped = {f["id"]: f["detail"] for f in rec["faults"]}
    assert "refused by SVM at 0xffff82d04000" in stopped["swifi:tx_wild_buffer_info_xen"]
    assert "kfree_skb_reason" in stopped["swifi:xmit_double_free_unbound"]
    for double in ("swifi:tx_double_free_skb", "swifi:rx_double_free_skb"):
        assert "skb freed twice" in stopped[double]
    report = (rundir / "faults.md").read_text()
    for fid in KNOWN:
        assert f"| {fid} |" in report


def test_descriptors_outside_the_mappings_never_reach_the_nic(known_campaign):
    """Xen checks each descriptor at the tail write that hands it to the
    NIC: the mutants that aimed the NIC at other memory (it read Xen's boot
    area onto the wire, wrote frames over dom0 memory that was no buffer)
    are stopped there, with no DMA outside Xen's record."""
    _, rec, _ = known_campaign
    faults = {f["id"]: f for f in rec["faults"]}
    for fid in ("swifi:tx_dma_addr_neighbour", "swifi:tx_dma_addr_low",
                "swifi:tx_desc_length_overrun", "swifi:rx_dma_addr_next_buffer",
                "swifi:rx_stale_next_to_use", "swifi:rx_dma_addr_owned_buffer"):
        f = faults[fid]
        assert "descriptor handed to the NIC" in f["detail"], (fid, f["detail"])
        assert f["traffic_resumed"] is True, fid
        assert f["dma"]["checked"] and f["dma"]["outside"] == 0, (fid, f["dma"])
        assert f["counters"]["descs_refused"] >= 1, fid


def test_dma_outside_the_allowed_frames_is_caught(known_campaign):
    # item 4: the window's DMAs against Xen's record of the frames the NIC
    # may use; Xen now stops the descriptors that aimed elsewhere before
    # the NIC reads them, so no window has any
    p, rec, rundir = known_campaign
    dma = {f["id"]: f["dma"] for f in rec["faults"]}
    bad = dma["swifi:tx_dma_addr_neighbour"]
    assert bad["checked"] and bad["outside"] == 0, bad
    # the real payload under traffic: thousands of DMAs, none outside
    good = dma["device:irq-drop"]
    assert good["checked"] and good["outside"] == 0 and good["dmas"] > 1000, good
    assert good["frames"] > 0
    assert dma["swifi:xmit_double_free_unbound"] is None     # never attached
    s = rec["summary"]
    assert s["dma_outside"] == 0 and s["dma_checked"] >= 2
    assert (rundir / "dma" / "swifi-tx_dma_addr_neighbour.regions").read_text().startswith(
        "# attachment ")
    assert not list(rundir.glob("*.simpletrace")), "the boots' traces are not removed"


def test_an_unsafe_build_makes_the_campaign_fail(tmp_path):
    lib = idt_library(tmp_path / "idt.mutations")
    p, rec, rundir = faults(tmp_path, "--unsafe", "--library", lib, "--kinds", "swifi")
    assert rec, f"no faults.json:\n{p.stdout[-3000:]}\n{p.stderr}"
    assert p.returncode == 1, p.stdout[-2000:] + p.stderr
    assert rec["unsafe"] is True
    assert [f["outcome"] for f in rec["faults"]] == ["xen_crash"]
    assert rec["summary"]["xen_crashes"] == 1 and rec["summary"]["failed"] is True
    console = (rundir / "console-xen-1.log").read_text(errors="replace")
    assert "UNSAFE test build" in console and "Panic on CPU" in console
