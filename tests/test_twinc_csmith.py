"""The csmith differential campaign (issue 17) in make test: a small seeded
share, and the campaign command's files.

Each seed's random C program is compiled with the corpus's kernel-like
flags, run as GCC made it and as twinc --test derived it (linked with the
user-space SVM runtime).  twinc may refuse a program; it must never make
one print a different checksum.  A program whose original does not finish
in time says nothing.  How a seed is judged is tests/csmith_campaign.py,
which hv/derive/csmith-campaign.sh runs for the long campaign."""
import json
import shutil

import pytest

from csmith_campaign import OUTCOMES, program
from twinc_lib import ROOT, make, run

# seed 21 writes the first variable of .data, on the page where the
# harness's read-only range ends (the harness once mapped that page read-only);
# 963 and 1098 index their own data with %r11, the thunks' register (the
# derived program read a wild address: wrong, with the verifier's approval);
# 376 had a thunk use %rbp as its scratch (refused: a thunk returns with its
# caller's %rbp)
SEEDS = [*range(1, 13), 21, 963, 1098, 376]
CAMPAIGN = ROOT / "hv" / "derive" / "csmith-campaign.sh"


@pytest.fixture(scope="module", autouse=True)
def built():
    if not shutil.which("csmith"):
        pytest.fail("csmith missing: scripts/host-deps.sh installs it")
    make("twinc")


def test_csmith_seeded_share(tmp_path):
    results = {}
    for seed in SEEDS:
        d = tmp_path / str(seed)
        d.mkdir()
        r = program(seed, d)
        assert r["outcome"] not in ("wrong", "error"), \
            f"seed {seed}: {r['outcome'].upper()}: {r['detail']}\nfiles: {d}"
        results[seed] = r["outcome"] + (": " + r["rule"] if "rule" in r else "")
    same = [k for k, v in results.items() if v == "same"]
    # most of them must really run both ways: a twinc that refused
    # everything would pass the "never wrong" half alone
    assert len(same) >= len(SEEDS) * 2 // 3, results


def campaign(*args):
    return run([CAMPAIGN, *map(str, args)], timeout=600)


def test_campaign_records_and_resumes(tmp_path):
    out = tmp_path / "c"
    p = campaign("--out", out, "--every", 1, "--nice", 0, 13, 2)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2/2: same" in p.stdout and "programs/min" in p.stdout, p.stdout
    # a second run over more seeds judges only the new one
    p = campaign("--out", out, "--nice", 0, 13, 3)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2 already recorded, 1 to run" in p.stdout, p.stdout
    recs = [json.loads(l) for l in (out / "programs.jsonl").read_text().splitlines()]
    assert sorted(r["seed"] for r in recs) == [13, 14, 15]
    for r in recs:
        assert r["outcome"] in OUTCOMES and r["outcome"] not in ("wrong", "error"), r
        assert r["seconds"]["total"] > 0 and r["twinc"], r
        assert ("rule" in r and "refusal" in r) == (r["outcome"] == "refused"), r
    s = json.loads((out / "summary.json").read_text())
    assert s["programs"] == 3 and s["seeds"] == [13, 15]
    assert sum(s["counts"].values()) == 3 and set(s["counts"]) == set(OUTCOMES)
    assert sum(s["refused"].values()) == s["counts"]["refused"]
    assert s["wrong_seeds"] == [] and s["error_seeds"] == []
    assert not (out / "wrong").exists()
    assert f"{out}: 3 programs (seeds 13..15)" in p.stdout


def test_summary_fails_on_a_wrong_program(tmp_path):
    """The summarizer alone, on a fabricated campaign: one wrong line makes
    it exit non-zero and name the seed; refusals are counted by rule."""
    lines = [{"seed": 1, "outcome": "same"},
             {"seed": 2, "outcome": "refused", "rule": "verify: raw access to SYM"},
             {"seed": 3, "outcome": "refused", "rule": "verify: raw access to SYM"},
             {"seed": 4, "outcome": "slow", "detail": "the original exited 1"},
             {"seed": 5, "outcome": "wrong", "detail": "checksum differs"}]
    out = tmp_path / "c"
    out.mkdir()
    (out / "programs.jsonl").write_text(
        "".join(json.dumps({**l, "seconds": {"total": 1.0}, "twinc": "x"}) + "\n" for l in lines))
    p = campaign("--summary", "--out", out)
    assert p.returncode == 1, p.stdout + p.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["counts"] == {"same": 1, "refused": 2, "slow": 1, "wrong": 1, "error": 0}
    assert s["refused"] == {"verify: raw access to SYM": 2} and s["wrong_seeds"] == [5]
    assert "seeds: 5" in p.stdout
    # without the wrong line it passes
    (out / "programs.jsonl").write_text(
        "".join(l for l in (out / "programs.jsonl").read_text().splitlines(True) if '"wrong"' not in l))
    assert campaign("--summary", "--out", out).returncode == 0


def test_campaign_keeps_a_wrong_programs_files(tmp_path, monkeypatch):
    """The campaign alone, with a fabricated judgement: a wrong program's
    files stay in DIR/wrong/SEED, every temporary file goes."""
    import csmith_campaign

    temps = []

    def fake(seed, tmp):
        temps.append(tmp)
        (tmp / "p.s").write_text("# the program\n")
        return {"seed": seed, "outcome": "wrong" if seed == 2 else "same",
                "detail": "checksum differs", "seconds": {"total": 0.1}}

    monkeypatch.setattr(csmith_campaign, "program", fake)
    assert csmith_campaign.campaign(1, 3, tmp_path, jobs=2) == 3
    assert (tmp_path / "wrong" / "2" / "p.s").read_text() == "# the program\n"
    assert [p.name for p in (tmp_path / "wrong").iterdir()] == ["2"]
    assert temps and not any(t.parent.exists() for t in temps)
    assert csmith_campaign.main(["--summary", "--out", str(tmp_path)]) == 1
