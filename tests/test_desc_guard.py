"""Xen's descriptor check (hv/xen/desc_guard.c) attacked in user space:
each program in hv/xen/tests plays an instance against the real
desc_guard.c, compiled with the host stand-ins of Xen in hv/xen/tests/host
and with the address and undefined-behaviour sanitizers, and prints "ok"
only when every attack failed.  The boots (test_faults.py, test_twin.py)
check the same rules on the real stack for e1000; these reach the rules
e1000e's extended receive descriptors need, which no mutant does."""
import pytest

from twinc_lib import ROOT, run

TESTS = ROOT / "hv" / "xen" / "tests"
ATTACKS = sorted(p for p in TESTS.glob("*.c") if p.name != "desc_host.c")
CFLAGS = ["-O2", "-g", "-Wall", "-Werror", "-fsanitize=address,undefined",
          "-fno-sanitize-recover=all", f"-I{TESTS / 'host'}",
          f"-I{ROOT / 'hv' / 'svm'}", f"-I{ROOT / 'hv' / 'xen'}", f"-I{TESTS}"]


def test_there_are_attacks():
    assert len(ATTACKS) >= 7, ATTACKS


@pytest.mark.parametrize("src", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_desc_guard_attack_fails(src, tmp_path):
    exe = tmp_path / src.stem
    p = run(["gcc", *CFLAGS, "-o", exe, src, TESTS / "desc_host.c",
             ROOT / "hv" / "xen" / "desc_guard.c"])
    assert p.returncode == 0, p.stderr
    p = run([exe], timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "ok", \
        f"{src.name}: exit {p.returncode}: {p.stdout}{p.stderr}"
