"""The SVM runtime's bulk helpers (rep stosq, rep movsq) attacked in user
space: each program in hv/svm/tests is linked with the runtime's core and
its host port, and prints "ok" only when the attack failed."""
import pytest

from twinc_lib import LINK_CFLAGS, SVM, run

ATTACKS = sorted((SVM / "tests").glob("*.c"))


def test_there_are_attacks():
    assert len(ATTACKS) >= 2, ATTACKS


@pytest.mark.parametrize("src", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_svm_attack_fails(src, tmp_path):
    exe = tmp_path / src.stem
    p = run(["gcc", *LINK_CFLAGS, "-Wall", "-Werror", f"-I{SVM}", "-o", exe, src,
             SVM / "svm.c", SVM / "svm_user.c"])
    assert p.returncode == 0, p.stderr
    p = run([exe], timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "ok", \
        f"{src.name}: exit {p.returncode}: {p.stdout}{p.stderr}"
