"""A small seeded share of the csmith differential campaign (issue 17).

Each seed's random C program is compiled with the corpus's kernel-like
flags, run as GCC made it and as twinc --test derived it (linked with the
user-space SVM runtime).  twinc may refuse a program; it must never make
one print a different checksum.  A program whose original does not finish
in time says nothing and is skipped."""
import shutil
import subprocess

import pytest

from twinc_lib import CORPUS_CFLAGS, LINK_CFLAGS, ROOT, SVM, make, run, twinc

HERE = ROOT / "tests" / "twinc_csmith"
SEEDS = range(1, 13)
CSMITH_OPTS = ["--no-packed-struct", "--no-bitfields", "--no-volatiles", "--no-float",
               "--max-funcs", "4", "--max-block-depth", "3"]
CFLAGS = [*CORPUS_CFLAGS, "-w", "-I/usr/include/csmith", "-Dmain=csmith_main"]


@pytest.fixture(scope="module", autouse=True)
def built():
    if not shutil.which("csmith"):
        pytest.fail("csmith missing: scripts/host-deps.sh installs it")
    make("twinc")


def outcome(seed, tmp):
    """'same', 'refused: ...', 'slow', or raises on a wrong result."""
    c, s = tmp / "p.c", tmp / "p.s"
    p = run(["csmith", "--seed", seed, *CSMITH_OPTS, "-o", c], cwd=tmp)  # it writes platform.info
    assert p.returncode == 0, p.stderr
    p = run(["gcc", *CFLAGS, "-S", "-o", s, c])
    assert p.returncode == 0, p.stderr
    orig = tmp / "orig"
    p = run(["gcc", *LINK_CFLAGS, "-o", orig, HERE / "harness.c", s])
    assert p.returncode == 0, p.stderr
    try:
        want = run([orig], timeout=10)
    except subprocess.TimeoutExpired:
        return "slow"
    if want.returncode != 0 or "checksum" not in want.stdout:
        return "slow"
    p = twinc("--quiet", "--test", "--policy", HERE / "csmith.policy",
              "-o", tmp / "p.twin.s", "--obj", tmp / "p.twin.o", s)
    if p.returncode != 0:
        return "refused: " + p.stderr.strip().splitlines()[-1]
    twin = tmp / "twin"
    p = run(["gcc", *LINK_CFLAGS, "-DTWIN", f"-I{SVM}", "-o", twin, HERE / "harness.c",
             tmp / "p.twin.o", SVM / "svm.c", SVM / "svm_user.c", SVM / "svm_entry.S"])
    assert p.returncode == 0, p.stderr
    got = run([twin], timeout=60)
    assert got.returncode == 0 and got.stdout == want.stdout, \
        f"seed {seed}: WRONG RESULT\nwant {want.stdout[-200:]!r}\ngot  {got.stdout[-200:]!r}\n{got.stderr}"
    return "same"


def test_csmith_seeded_share(tmp_path):
    results = {}
    for seed in SEEDS:
        d = tmp_path / str(seed)
        d.mkdir()
        results[seed] = outcome(seed, d)
    same = [k for k, v in results.items() if v == "same"]
    # most of them must really run both ways: a twinc that refused
    # everything would pass the "never wrong" half alone
    assert len(same) >= len(SEEDS) * 2 // 3, results
