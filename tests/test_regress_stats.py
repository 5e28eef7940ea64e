"""The regression rule on synthetic samples with known answers (tdh stats):
no shift, a 5% and a 20% shift, heavy noise.  No boots."""
import json
import random

import pytest

from conftest import one_error_line, tdh


def judge(base, now, metric="insn", seed=1):
    p = tdh("stats", "--base", ",".join(f"{v:.6f}" for v in base),
            "--now", ",".join(f"{v:.6f}" for v in now), "--metric", metric, "--seed", seed,
            wait_lock=0)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def sample(rng, n, centre, cv):
    return [rng.gauss(centre, centre * cv) for _ in range(n)]


@pytest.mark.parametrize("metric", ["insn", "scaled"])
def test_no_shift_is_not_flagged(metric):
    # instructions per KB are quiet (cv 1%), scaled throughput is not (cv 5%)
    cv = 0.01 if metric == "insn" else 0.05
    flagged = 0
    for trial in range(40):
        rng = random.Random(trial)
        r = judge(sample(rng, 5, 3000, cv), sample(rng, 5, 3000, cv), metric, seed=trial)
        assert r["ci_low"] <= r["ratio"] <= r["ci_high"]
        flagged += r["change"] != "same"
    assert flagged <= 2, f"{flagged} of 40 equal pairs judged changed"


def test_five_percent_more_instructions_is_worse():
    detected = 0
    for trial in range(40):
        rng = random.Random(100 + trial)
        r = judge(sample(rng, 5, 3000, 0.01), sample(rng, 5, 3150, 0.01), seed=trial)
        detected += r["change"] == "worse"
        assert r["ratio"] == pytest.approx(1.05, abs=0.03)
    assert detected >= 36, f"a 5% cost increase was caught in only {detected} of 40 trials"


def test_five_percent_fewer_instructions_is_better_not_worse():
    rng = random.Random(7)
    r = judge(sample(rng, 5, 3000, 0.01), sample(rng, 5, 2850, 0.01))
    assert r["change"] == "better"


def test_twenty_percent_less_throughput_is_worse():
    detected = 0
    for trial in range(20):
        rng = random.Random(200 + trial)
        r = judge(sample(rng, 5, 500, 0.05), sample(rng, 5, 400, 0.05), "scaled", seed=trial)
        detected += r["change"] == "worse"
    assert detected >= 19


def test_twenty_percent_more_throughput_is_better():
    rng = random.Random(3)
    r = judge(sample(rng, 5, 500, 0.05), sample(rng, 5, 600, 0.05), "scaled")
    assert r["change"] == "better"


def test_five_percent_less_throughput_is_under_its_threshold():
    # the time-based metric's threshold is 10%: a clean 5% step stays "same"
    rng = random.Random(5)
    r = judge(sample(rng, 8, 500, 0.005), sample(rng, 8, 475, 0.005), "scaled")
    assert r["ratio"] == pytest.approx(0.95, abs=0.01)
    assert r["change"] == "same"


def test_heavy_noise_hides_a_small_shift_and_raises_no_alarm():
    # cv 30% (a shared host at its worst): neither the A/A pairs nor a 5%
    # shift may be called; the interval must be wide
    calls = 0
    for trial in range(30):
        rng = random.Random(300 + trial)
        base = [abs(v) for v in sample(rng, 5, 500, 0.3)]
        r = judge(base, [abs(v) for v in sample(rng, 5, 475, 0.3)], "scaled", seed=trial)
        calls += r["change"] != "same"
        assert r["ci_high"] / r["ci_low"] > 1.2
    assert calls <= 2


def test_same_seed_same_interval_other_seed_other_interval():
    rng = random.Random(11)
    base, now = sample(rng, 6, 3000, 0.02), sample(rng, 6, 3060, 0.02)
    a, b, c = judge(base, now, seed=5), judge(base, now, seed=5), judge(base, now, seed=6)
    assert a == b
    assert (a["ci_low"], a["ci_high"]) != (c["ci_low"], c["ci_high"])


def test_region_threshold_is_five_percent():
    r = judge([100, 101, 99, 100], [104, 105, 103, 104], "insn:xen_text")
    assert r["threshold"] == 0.05 and r["change"] == "same"
    r = judge([100, 101, 99, 100], [107, 108, 106, 107], "insn:xen_text")
    assert r["change"] == "worse"


@pytest.mark.parametrize("args, words", [
    (["--base", "1", "--now", "1,2"], "at least 2"),
    (["--base", "1,x", "--now", "1,2"], "'x'"),
    (["--base", "1,2", "--now", "1,2", "--metric", "speed"], "--metric 'speed'"),
])
def test_bad_input(args, words):
    p = tdh("stats", *args, wait_lock=0)
    assert p.returncode == 2
    assert words in one_error_line(p)


def test_a_scattered_baseline_needs_a_wider_step():
    # the same clean +8% step: counted against a quiet baseline, not
    # against one that scatters by about 10% (2 x spread > 8%)
    quiet = [3000, 3010, 2990, 3005, 2995]
    wide = [3000, 3300, 2700, 3150, 2850]
    now = [3240, 3250, 3230, 3245, 3235]
    q, w = judge(quiet, now), judge(wide, now)
    assert q["change"] == "worse" and q["step"] == pytest.approx(0.03)
    assert w["spread"] == pytest.approx(1.4826 * 150 / 3000, rel=1e-6)
    assert w["step"] == pytest.approx(2 * w["spread"]) and w["change"] == "same"
