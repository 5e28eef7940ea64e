"""twinc on a second driver: e1000e's fast path (issue 16, item 2).

The same twinc and verifiers as e1000 (make twin: the pinned linux-source's
e1000e with its hook patch, kbuild's flags, the layout proof), with its
own policy, hv/derive/e1000e.policy.  Nothing here is specific to e1000e
in twinc: what it needed went into twinc and the policy."""
import json
import re

import pytest

from test_objverify import flip, find_probe, verify
from twinc_lib import BUILD, ROOT, make, run, twinc

E1000E = BUILD / "twin" / "e1000e"
POLICY = ROOT / "hv" / "derive" / "e1000e.policy"
HOOKS = ROOT / "guest" / "twin" / "e1000e-twin-hooks.patch"

# every interrupt handler the driver may request, transmit and NAPI poll
ROOTS = {"e1000_xmit_frame", "e1000_intr", "e1000_intr_msi", "e1000_intr_msix_rx",
         "e1000_intr_msix_tx", "e1000_msix_other", "e1000e_poll"}
INDIRECT = {"e1000_clean_rx_irq", "e1000_clean_rx_irq_ps", "e1000_clean_jumbo_rx_irq",
            "e1000_alloc_rx_buffers", "e1000_alloc_rx_buffers_ps",
            "e1000_alloc_jumbo_rx_buffers"}
SLOW = {"e1000e_open", "e1000e_close", "e1000e_down", "e1000e_up", "e1000e_reset",
        "e1000_watchdog_task", "e1000_reset_task", "e1000_probe", "e1000_configure",
        "e1000_intr_msix", "e1000_intr_msi_test", "e1000e_twin_quiesce"}


@pytest.fixture(scope="module", autouse=True)
def built():
    make("twin")


def manifest():
    return json.loads((E1000E / "manifest.json").read_text())


def test_whole_input_parsed_and_verified():
    m = manifest()
    assert m["lines_total"] > 15000
    assert m["lines_parsed"] == m["lines_total"]
    assert m["verified"] is True
    assert (E1000E / "e1000e_twin.o").read_bytes()[:4] == b"\x7fELF"


def test_layouts_proven_identical():
    n = int((E1000E / "layout-members").read_text())
    assert n > 5000
    assert (E1000E / "layout-vm.txt").read_text() == (E1000E / "layout-twin.txt").read_text()


def test_hook_patch_adds_no_field_to_the_drivers_structures():
    """The VM instance's layouts are Debian's e1000e's: the patch adds one
    structure of its own and no member to any other."""
    added = [l for l in HOOKS.read_text().splitlines() if l.startswith("+") and
             not l.startswith("+++")]
    structs = re.findall(r"^\+struct (\w+) \{", "\n".join(added), re.M)
    assert structs == ["e1000e_twin_ops"]
    vm = (E1000E / "layout-vm.txt").read_text().splitlines()
    ops = [l for l in vm if l.startswith("e1000e_twin_ops.")]
    assert sorted(l.split()[0] for l in ops) == ["e1000e_twin_ops.quiesce",
                                                "e1000e_twin_ops.resume"]


def test_closure_is_the_fast_path():
    m = manifest()
    c = set(m["closure"])
    assert ROOTS | INDIRECT <= c
    assert set(m["indirect_targets"]) == INDIRECT
    assert {"e1000_clean_tx_irq", "e1000_irq_enable", "e1000_receive_skb"} <= c
    assert not c & SLOW, c & SLOW
    assert len(c) == 26


def test_every_external_call_bound_and_the_denied_are_the_policys():
    m = manifest()
    assert m["unused_policy"] == []
    deny = {n for n, b in m["bindings"].items() if b["bind"] == "deny"}
    assert deny == {"__const_udelay", "timecounter_cyc2time", "e1000e_mng_write_dhcp_info"}
    text = (E1000E / "e1000e_twin.s").read_text()
    local = set(re.findall(r"^([A-Za-z_][\w.]*):", text, re.M))
    for t in re.findall(r"^\s+(?:call|jmp)\s+([A-Za-z_][\w.]*)\s*$", text, re.M):
        b = m["bindings"].get(t, {}).get("bind")
        assert t in local or t.startswith(("__svm_", "__twin_")) or b == "hv", t
    assert not re.search(r"^\s+(call|jmp)\s+\*", text, re.M)
    assert "%gs:" not in text
    # wmb() before each tail write: the fence survives rewriting
    assert re.search(r"^\tsfence$", text, re.M)


def test_an_unbound_callee_is_refused(tmp_path):
    """The policy is complete for e1000e, not by luck: drop one binding and
    twinc names the callee and refuses."""
    pol = tmp_path / "p.policy"
    pol.write_text(re.sub(r"^extern mod_timer .*$", "", POLICY.read_text(), flags=re.M))
    p = twinc("--policy", pol, "-o", tmp_path / "o.s", E1000E / "netdev.s")
    assert p.returncode == 1
    assert "callee 'mod_timer' is not bound" in p.stderr, p.stderr
    assert not (tmp_path / "o.s").exists()


def test_both_verifiers_accept_the_object():
    rc, line = verify(E1000E / "e1000e_twin.o", POLICY)
    assert rc == 0 and ": accepted:" in line, line
    p = twinc("--policy", POLICY, "--verify", E1000E / "e1000e_twin.s")
    assert p.returncode == 0, p.stdout + p.stderr
    stamp = E1000E / "e1000e_twin.o.accepted"
    p = run(["sha256sum", "--quiet", "-c", stamp.name], cwd=E1000E)
    assert p.returncode == 0, p.stdout + p.stderr


def test_tampered_object_refused(tmp_path):
    obj = E1000E / "e1000e_twin.o"
    bad = tmp_path / "bound.o"
    flip(obj, bad, find_probe(obj) + 3, (0x1000).to_bytes(4, "little"))
    rc, line = verify(bad, POLICY)
    assert rc == 1 and "refused" in line, line


@pytest.mark.parametrize("flags", [
    ["--thunks", "loops"], ["--thunks", "off"], ["--thunks", "off", "--no-groups"],
    ["--thunks", "loops", "--no-windows"], ["--thunks", "all"]],
    ids=["loops", "inline", "inline-no-groups", "no-windows", "all-uncounted"])
def test_every_output_form_verified(flags, tmp_path):
    """e1000e through every form twinc emits (inline probes, groups, loop
    windows, thunks, with and without the hit counter): each derivation
    passes twinc's own check, and its object both verifiers."""
    count = [] if flags == ["--thunks", "all"] else ["--count-hits"]
    out, obj = tmp_path / "o.s", tmp_path / "o.o"
    p = twinc("--quiet", *count, *flags, "--policy", POLICY, "-o", out, "--obj", obj,
              E1000E / "netdev.s")
    assert p.returncode == 0, p.stderr
    p = twinc("--policy", POLICY, "--verify", out)
    assert p.returncode == 0, p.stdout + p.stderr
    rc, line = verify(obj, POLICY)
    assert rc == 0 and ": accepted:" in line, line


def test_effort_table():
    """make effort's table: a row per derived driver, the derived lines a
    small part of each driver and the policy, hook patch, Xen entries and
    dom0 support lines counted."""
    p = run(["make", "-s", "effort"], cwd=ROOT, timeout=900)
    assert p.returncode == 0, p.stderr
    rows = {r[0]: r[1:] for r in (
        [c.strip() for c in l.strip("|").split("|")] for l in p.stdout.splitlines()
        if l.startswith("| e1000"))}
    assert set(rows) == {"e1000", "e1000e"}, p.stdout
    for drv, (total, derived, policy, hooks, entries, dom0) in rows.items():
        n = int(derived.split()[0])
        assert 300 < n < int(total) / 10, (drv, derived)
        assert int(policy) > 40 and 10 < int(hooks) < 100, (drv, policy, hooks)
        # Xen is told the entry points only; dom0's module has a file per driver
        assert 3 <= int(entries) <= 9 and 100 < int(dom0) < 1000, (drv, entries, dom0)
