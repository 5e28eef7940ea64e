"""tdh regress without boots: earlier runs' samples (--from) judged against
a baseline, the report and its plots, the history, and every kind of bad
baseline.  Synthetic runs with known answers."""
import json
import random
import struct
import zlib

import pytest

from conftest import BUILD, ROOT, assert_no_leftovers, one_error_line, tdh

VERSIONS = {"xen": "4.17.5+72-g01140da4e8-1", "kernel": "6.1.0-50-amd64 (6.1.176-1)",
            "qemu": "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)", "iperf3": "iperf 3.12",
            "qemu_binary": "/x/qemu", "sha256": {"dom0.img": "aa", "tdh": "bb"},
            "commit": "abc", "libvirt": "none"}
MATRIX = {"configs": ["native", "dom0"], "workloads": ["tx", "rx"], "repeats": 5,
          "duration_s": 5, "warmup_s": 2, "cpus": 2, "mem_mb": 2048, "accel": "tcg", "insn": True}
CELLS = [(c, w) for c in MATRIX["configs"] for w in MATRIX["workloads"]]


def samples(seed, insn_factor=1.0, scaled_factor=1.0, launcher="direct", cells=CELLS, n=5):
    rng = random.Random(seed)
    out = []
    for i, (c, w) in enumerate(cells):
        for r in range(1, n + 1):
            kernel = rng.gauss(2500 + 100 * i, 15) * insn_factor
            xen = rng.gauss(900, 8) * insn_factor if c != "native" else 0.0
            user = rng.gauss(40, 4) * insn_factor
            out.append({"config": c, "workload": w, "launcher": launcher, "repeat": r,
                        "mbps": 600.0, "cpu_util": 1.2,
                        "cpu_scaled_mbps": rng.gauss(500 - 50 * i, 20) / scaled_factor,
                        "insn_per_kb": kernel + xen + user,
                        "regions": {"guest_kernel": kernel, "xen_text": xen, "guest_user": user}})
    return out


def write_run(folder, smp, matrix=MATRIX, versions=VERSIONS):
    folder.mkdir(parents=True)
    (folder / "regress.json").write_text(json.dumps({
        "schema": "tdh-regress/1", "matrix": matrix, "versions": versions, "samples": smp}))
    return folder


def write_baseline(path, smp, matrix=MATRIX, versions=VERSIONS, schema="tdh-baseline/1"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema": schema, "name": path.stem, "matrix": matrix,
                                "versions": versions, "samples": smp}))
    return path


@pytest.fixture
def place(tmp_path):
    base = write_baseline(tmp_path / "bl" / "nightly.json", samples(1))
    return tmp_path, base


def regress(tmp, *args):
    return tdh("regress", "--baselines", tmp / "bl", "--results", tmp / "runs", "--seed", 42,
               *args, wait_lock=0)


def latest(tmp):
    d = (tmp / "runs" / "latest").resolve()
    return d, json.loads((d / "regress.json").read_text())


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def test_same_build_again_is_no_regression(place):
    tmp, _ = place
    run = write_run(tmp / "in" / "a", samples(2))
    p = regress(tmp, "--from", run)
    assert p.returncode == 0, p.stdout + p.stderr
    d, res = latest(tmp)
    assert res["verdict"] == "ok"
    judged = [c for c in res["comparisons"] if c["judged"]]
    # the verdict: scaled and the total per cell; the regions say where
    assert sorted(c["metric"] for c in judged) == ["insn"] * 4 + ["scaled"] * 4
    regions = {(c["config"], c["metric"]): c["diagnostic"] for c in res["comparisons"]
               if c["metric"].startswith("insn:")}
    assert regions[("dom0", "insn:xen_text")] and regions[("native", "insn:guest_kernel")]
    assert not regions[("dom0", "insn:guest_user")], "a region under 10% of the cost is no diagnostic"
    assert "VERDICT: no regression" in p.stdout


def test_five_percent_more_instructions_is_a_regression(place):
    tmp, _ = place
    run = write_run(tmp / "in" / "b", samples(3, insn_factor=1.05))
    p = regress(tmp, "--from", run)
    assert p.returncode == 1, p.stdout + p.stderr
    d, res = latest(tmp)
    assert res["verdict"] == "regression"
    worse = {(c["config"], c["workload"], c["metric"]) for c in res["comparisons"]
             if c["judged"] and c["change"] == "worse"}
    assert {(c, w, "insn") for c, w in CELLS} == worse
    where = {(c["config"], c["workload"], c["metric"]) for c in res["comparisons"]
             if c["diagnostic"] and c["change"] == "worse"}
    # a 5% step sits on the regions' 5% threshold: some of them show it
    assert where and all(m in ("insn:guest_kernel", "insn:xen_text") for _, _, m in where)
    report = (d / "report.md").read_text()
    assert report.splitlines()[0].startswith("# VERDICT: REGRESSION")
    assert "**worse**" in report


def test_twenty_percent_less_throughput_is_a_regression(place):
    tmp, _ = place
    run = write_run(tmp / "in" / "c", samples(4, scaled_factor=1.25))
    p = regress(tmp, "--from", run)
    assert p.returncode == 1
    _, res = latest(tmp)
    worse = {c["metric"] for c in res["comparisons"] if c["change"] == "worse"}
    assert worse == {"scaled"}


def test_report_plots_and_history(place):
    tmp, _ = place
    for i, f in enumerate((1.0, 1.0, 1.06)):
        regress(tmp, "--from", write_run(tmp / "in" / f"h{i}", samples(10 + i, insn_factor=f)))
    d, res = latest(tmp)
    report = (d / "report.md").read_text()
    assert report.startswith("# VERDICT: REGRESSION")
    for png in ("scaled.png", "insn.png", "history.png"):
        assert f"]({png})" in report
        w, h = png_size(d / png)
        assert w >= 800 and h >= 400
        assert (d / png).stat().st_size > 5000, f"{png} looks empty"
    hist = [json.loads(l) for l in (tmp / "history.jsonl").read_text().splitlines()]
    assert [h["verdict"] for h in hist] == ["ok", "ok", "regression"]
    assert all(h["cells"] for h in hist)
    # the history table shows every run, newest first
    assert report.index("| 3 |") < report.index("| 1 |")


def test_report_lists_medians_and_ratios(place):
    """The medians table is computed from tonight's samples, cell by cell."""
    tmp, _ = place
    smp = samples(3)
    assert regress(tmp, "--from", write_run(tmp / "in" / "a", smp)).returncode == 0
    d, _ = latest(tmp)
    report = (d / "report.md").read_text()
    section = report.split("## Medians of this run's samples", 1)[1].split("\n## ", 1)[0]

    def med(c, w, f):
        v = sorted(f(s) for s in smp if s["config"] == c and s["workload"] == w)
        return v[len(v) // 2]
    for c, w in CELLS:
        row = f"| {c}/{w} | 5 | {med(c, w, lambda s: s['cpu_scaled_mbps']):.1f} | " \
              f"{med(c, w, lambda s: s['insn_per_kb']):.0f} |"
        assert row in section, (row, section)
    assert "xen_text" in section.splitlines()[2], section
    # native and dom0 only: no twin, so only the pairs it has
    assert "twin / netback" not in section


def test_update_baseline_from_runs_pools_them(tmp_path):
    a = write_run(tmp_path / "in" / "a", samples(1))
    b = write_run(tmp_path / "in" / "b", samples(2))
    p = tdh("regress", "--update-baseline", "--baseline", "pooled", "--baselines", tmp_path / "bl",
            "--from", f"{a},{b}", "--results", tmp_path / "runs", wait_lock=0)
    assert p.returncode == 0, p.stderr
    bl = json.loads((tmp_path / "bl" / "pooled.json").read_text())
    # runs of the first schema ("matrix") pool into a baseline of the second
    assert bl["schema"] == "tdh-baseline/2" and len(bl["samples"]) == 2 * 20
    assert bl["versions"]["kernel"] == VERSIONS["kernel"] and "matrix" not in bl
    opts = bl["options"]
    assert {k: opts[k] for k in MATRIX} == MATRIX
    # what the first schema did not record is what regress then required
    assert (opts["iommu"], opts["trace"], opts["kernel_args"], opts["guest_mtu"]) == ("off", None, None, None)


def test_a_baseline_of_the_second_schema_judges_runs_of_both(tmp_path):
    base = write_baseline(tmp_path / "bl" / "nightly.json", samples(1), schema="tdh-baseline/2")
    text = json.loads(base.read_text())
    text["options"] = text.pop("matrix")
    base.write_text(json.dumps(text))
    old = write_run(tmp_path / "in" / "old", samples(2))
    new = tmp_path / "in" / "new"
    new.mkdir()
    (new / "regress.json").write_text(json.dumps({"schema": "tdh-regress/2", "options": MATRIX,
                                                  "versions": VERSIONS, "samples": samples(3)}))
    for run_ in (old, new):
        p = tdh("regress", "--baselines", tmp_path / "bl", "--results", tmp_path / "runs", "--seed", 42,
                "--from", run_, wait_lock=0)
        assert p.returncode == 0, p.stderr
        res = json.loads((tmp_path / "runs" / "latest" / "regress.json").read_text())
        assert res["schema"] == "tdh-regress/2" and res["options"]["configs"] == MATRIX["configs"]


@pytest.mark.parametrize("key,value,why", [
    ("accel", "hvf", "accel is not tcg or kvm"),
    ("iommu", "arm-smmu", "iommu is not off, intel or amd"),
    ("insn", None, "insn missing"),
    ("configs", ["native", "vmware"], "configs or workloads"),
])
def test_malformed_options_in_a_baseline(tmp_path, key, value, why):
    bad_matrix = dict(MATRIX, **{key: value})
    write_baseline(tmp_path / "bl" / "nightly.json", samples(1), matrix=bad_matrix)
    p = tdh("regress", "--baselines", tmp_path / "bl", "--results", tmp_path / "runs",
            "--from", write_run(tmp_path / "in" / "a", samples(2)), wait_lock=0)
    assert p.returncode == 2
    line = one_error_line(p)
    assert "its options are malformed" in line and why in line


def test_aa_resampling_rate_and_shifted_detection(tmp_path):
    runs = [write_run(tmp_path / "in" / f"r{i}", samples(20 + i)) for i in range(2)]
    arg = ",".join(map(str, runs))
    p = tdh("regress", "--aa", arg, "--trials", 200, "--seed", 1, wait_lock=0)
    assert p.returncode == 0, p.stderr
    rate = float(p.stdout.split("rate=")[1])
    assert rate < 0.05, p.stdout
    p = tdh("regress", "--aa", arg, "--trials", 200, "--seed", 1, "--shift-insn", "1.05", wait_lock=0)
    assert float(p.stdout.split("rate=")[1]) > 0.9, p.stdout


# --- bad baselines: one line, exit 2, no run folder ------------------------------

def test_contended_samples_leave_the_throughput_comparison(place):
    """README, "Contended records": a contended sample's CPU-scaled
    throughput is left out on both sides, its instructions per KB stay;
    a cell left with fewer than 3 valid samples is not judged, and says so."""
    tmp, _ = place
    now = samples(2)
    for s in now:
        if (s["config"], s["workload"]) == ("dom0", "rx") and s["repeat"] <= 2:
            s["contended"] = True            # 3 valid left: judged on those
            s["cpu_scaled_mbps"] /= 10       # what contention did to them
        if (s["config"], s["workload"]) == ("native", "tx"):
            s["insn_per_kb"] *= 1.5          # instructions count, contended or not
            if s["repeat"] <= 3:
                s["contended"] = True        # 2 valid left: not judged
                s["cpu_scaled_mbps"] /= 10
    p = regress(tmp, "--from", write_run(tmp / "in" / "a", now))
    assert p.returncode == 1, p.stdout + p.stderr
    _, res = latest(tmp)
    cmp = {(c["config"], c["workload"], c["metric"]): c for c in res["comparisons"]}
    rx = cmp[("dom0", "rx", "scaled")]
    assert rx["judged"] and rx["change"] != "worse" and rx["n_now"] == 3 and rx["excluded_contended"] == 2
    tx = cmp[("native", "tx", "scaled")]
    assert not tx["judged"] and tx["too_contended"] and tx["excluded_contended"] == 3
    assert cmp[("native", "tx", "insn")]["change"] == "worse" and cmp[("native", "tx", "insn")]["n_now"] == 5
    assert "1 cell(s)' throughput not judged" in res["verdict_line"]
    assert [s["contended"] for s in res["samples"]].count(True) == 5
    report = (tmp / "runs" / "latest" / "report.md").read_text()
    assert "**Contended:** 5 of this run's 20 samples" in report and "native/tx r3 (direct)" in report


def bad(tmp, *args):
    p = regress(tmp, *args)
    assert p.returncode == 2, p.stdout + p.stderr
    assert not (tmp / "runs").exists() or not any((tmp / "runs").iterdir())
    return one_error_line(p)


def test_missing_baseline(tmp_path):
    line = bad(tmp_path, "--baseline", "none", "--from", tmp_path)
    assert "cannot read baseline" in line and "--update-baseline" in line


def test_unreadable_baseline(place):
    tmp, base = place
    base.write_text("{ not json")
    assert "is not JSON" in bad(tmp, "--from", tmp)


def test_wrong_schema(place):
    tmp, base = place
    write_baseline(base, samples(1), schema="tdh-results/1")
    assert "schema 'tdh-results/1'" in bad(tmp, "--from", tmp)


def test_matrix_differs(place):
    tmp, _ = place
    line = bad(tmp, "--duration", "10", "--from", tmp)
    assert "incompatible" in line and "--duration 5" in line and "10" in line
    assert "--configs" in bad(tmp, "--configs", "native", "--from", tmp)


def test_versions_differ(place):
    tmp, _ = place
    other = dict(VERSIONS, kernel="6.1.0-99-amd64")
    run = write_run(tmp / "in" / "v", samples(2), versions=other)
    line = bad(tmp, "--from", run)
    assert "kernel" in line and "6.1.0-99" in line and "--accept-versions" in line
    p = regress(tmp, "--from", run, "--accept-versions")
    assert p.returncode == 0
    d, res = latest(tmp)
    assert "kernel" in res["versions_note"] and "dom0.img" not in res["versions_note"]


def test_missing_plugin_when_baseline_counts_instructions(place, tmp_path):
    tmp, _ = place
    # a build whose QEMU has no plugin: everything else is the real build
    build = tmp_path / "build"
    (build / "qemu").mkdir(parents=True)
    (build / "qemu" / "qemu-system-x86_64").symlink_to(BUILD / "qemu" / "qemu-system-x86_64")
    for d in ("xen", "images", "versions"):
        (build / d).symlink_to(BUILD / d)
    line = bad(tmp, "--build", build)
    assert "instruction counts" in line and "make qemu" in line
    assert "--no-plugin given" in bad(tmp, "--no-plugin")
    assert_no_leftovers(tmp)


def test_baseline_without_counts_refuses_the_plugin(place):
    tmp, base = place
    smp = samples(1)
    for s in smp:
        s["insn_per_kb"] = None
        del s["regions"]
    write_baseline(base, smp, matrix=dict(MATRIX, insn=False))
    assert "--no-plugin" in bad(tmp)


@pytest.mark.parametrize("args, words", [
    (["--repeats", "2"], "between 3 and 100"),
    (["--launcher", "libvirt:qemu+ssh://elsewhere/system", "--update-baseline"], "remote daemon"),
    (["--launcher", "vmware"], "unknown launcher"),
    (["--guest-mtu", "100"], "--guest-mtu '100'"),
    (["--update-baseline", "--guest-mtu", "1000"], "slower variant"),
    (["--update-baseline", "--shard", "1/2"], "--shard"),
    (["--shard", "3/2"], "--shard '3/2'"),
    (["--accel", "auto"], "accelerator"),
])
def test_bad_options(tmp_path, args, words):
    p = tdh("regress", "--baselines", tmp_path, "--results", tmp_path / "runs", *args, wait_lock=0)
    assert p.returncode == 2, p.stdout + p.stderr
    assert words in one_error_line(p)
