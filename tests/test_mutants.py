"""Software-implemented fault injection on the host (hv/faults): twinmut's
named library and seeded random mutations of e1000's fast path, each mutant
compiled with the hypervisor instance's command line, derived and verified
by twinc and linked by hv/payload/link.sh as the real payload is.  No QEMU:
tdh faults loads the payloads.  About two minutes when build/faults/named/
is stale, mostly the named builds (make mutants) and twenty random ones."""
import hashlib
import json
import re

import pytest

from conftest import BUILD, ROOT, run

TWINMUT = BUILD / "bin" / "twinmut"
MUTANT = ROOT / "hv" / "faults" / "mutant.sh"
LIBRARY = ROOT / "hv" / "faults" / "e1000.mutations"
FASTPATH = ROOT / "hv" / "faults" / "e1000.fastpath"
DRIFT = ROOT / "tests" / "data" / "drift.mutations"
SRC = BUILD / "twin" / "e1000" / "vm" / "e1000_main.c"
NAMED = BUILD / "faults" / "named"

KINDS = {"wild_pointer", "null_pointer", "off_by_one", "stale_index", "skip_call",
         "double_free", "use_after_free", "length", "endless_loop", "dma_address"}
STATUSES = {"built", "derive_refused", "verify_refused", "compile_error", "no_site"}
SAMPLE = range(0, 200, 10)


def functions():
    return ",".join(l.strip() for l in FASTPATH.read_text().splitlines()
                    if l.strip() and not l.startswith("#"))


def twinmut(*args, **kw):
    return run([str(TWINMUT), *map(str, args)], timeout=60, **kw)


def mutant(*args):
    return run([str(MUTANT), *map(str, args)], timeout=600)


def library():
    p = twinmut("--library", LIBRARY, "--list")
    assert p.returncode == 0, p.stderr
    return [l.split() for l in p.stdout.splitlines()]


def one_line_error(p):
    assert p.returncode != 0
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def check_mutant(d, dirpath):
    """mutant.json's schema, whatever the status."""
    assert d["status"] in STATUSES
    assert isinstance(d["reason"], str) and isinstance(d["attempts"], int)
    assert isinstance(d["seconds"], float) and isinstance(d["diff"], str)
    assert d["mode"] in ("named", "random")
    if d["status"] == "no_site":
        assert d["payload"] is None and d["diff"] == "" and d["kind"] is None
        return
    assert d["kind"] in KINDS and d["function"] and isinstance(d["line"], int)
    assert isinstance(d["before"], str) and isinstance(d["after"], str)
    assert d["before"] != d["after"] and d["models"] and d["expect"]
    assert d["attempts"] >= 1
    assert (dirpath / "mutation.diff").read_text() == d["diff"]
    assert d["diff"].startswith("--- a/e1000_main.c\n+++ b/e1000_main.c\n@@")
    # "line" is where "before" starts in the original
    orig = SRC.read_text().splitlines()
    first = d["before"].split("\n")[0]
    assert first and first in orig[d["line"] - 1], (d["id"], d["line"], first)
    if d["status"] == "built":
        assert d["reason"] == ""
        payload = dirpath / d["payload"]
        elf = payload.read_bytes()
        assert elf[:4] == b"\x7fELF" and elf[16] == 1       # ET_REL, as livepatch wants
        obj = (dirpath / "e1000_twin.o").read_bytes()
        stamp = (dirpath / "e1000_twin.o.accepted").read_text().split()[0]
        assert hashlib.sha256(obj).hexdigest() == stamp
    else:
        assert d["payload"] is None and d["reason"]


@pytest.fixture(scope="module")
def named():
    p = run(["make", "-s", "mutants"], timeout=900, cwd=ROOT)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
    assert re.search(r"^mutants: \d+ named, \d+ built, \d+ refused", p.stdout, re.M), p.stdout
    out = {}
    for name, kind, function in library():
        d = json.loads((NAMED / name / "mutant.json").read_text())
        out[name] = (d, kind, function)
    return out


def test_every_named_mutation_applies_and_has_a_status(named):
    assert len(named) >= 30
    for name, (d, kind, function) in named.items():
        assert d["id"] == name and d["mode"] == "named"
        assert d["kind"] == kind and d["function"] == function
        check_mutant(d, NAMED / name)


def test_most_named_mutants_are_built(named):
    built = [n for n, (d, _, _) in named.items() if d["status"] == "built"]
    assert len(built) >= 25, {n: d["status"] for n, (d, _, _) in named.items()}
    # the refusal on purpose: a free twinc's policy does not bind
    d = named["xmit_double_free_unbound"][0]
    assert d["status"] == "derive_refused" and "not bound by policy" in d["reason"]


def test_named_mutations_cover_every_kind_and_path(named):
    kinds = {kind for _, kind, _ in named.values()}
    assert kinds == KINDS
    fns = {function for _, _, function in named.values()}
    assert fns & {"e1000_xmit_frame", "e1000_tx_map", "e1000_tx_queue", "e1000_tso"}   # TX
    assert fns & {"e1000_clean_rx_irq", "e1000_alloc_rx_buffers"}                        # RX
    assert "e1000_intr" in fns and "e1000_clean" in fns                                 # IRQ, NAPI
    assert "e1000_clean_tx_irq" in fns


def test_named_mutant_is_the_library_entry(named):
    d = named["intr_no_ack"][0]
    assert d["before"] == "u32 icr = er32(ICR);"
    assert d["after"] == "u32 icr = E1000_ICR_RXT0 | E1000_ICR_TXDW;"
    mutated = (NAMED / "intr_no_ack" / "e1000_main.c").read_text()
    assert mutated == SRC.read_text().replace(d["before"], d["after"], 1)
    # the derived interrupt handler no longer reads ICR (offset 0xc0)
    s = (NAMED / "intr_no_ack" / "e1000_main.s").read_text()
    intr = s[s.index("\ne1000_intr:"):s.index(".size\te1000_intr,")]
    assert not re.search(r"\$192\b|[^0-9]192\(", intr), intr


@pytest.mark.parametrize("name,what", [
    ("absent", "occurs 0 times in e1000_intr"),
    ("ambiguous", "occurs 2 times in e1000_tx_map"),
    ("no_function", "function e1000_no_such_function is not defined"),
    ("unchanged", "replacement changes nothing"),
])
def test_drifted_entry_is_refused_in_one_line(tmp_path, name, what):
    out = tmp_path / "m.c"
    p = twinmut("--library", DRIFT, "--named", name, SRC, "-o", out)
    line = one_line_error(p)
    assert name in line and what in line, line
    assert not list(tmp_path.iterdir())
    # the builder says the same, and writes no mutant.json
    p = mutant("--library", DRIFT, "--named", name, tmp_path / "mut")
    assert p.returncode == 1 and p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and what in p.stderr
    assert not (tmp_path / "mut" / "mutant.json").exists()


def test_drift_library_good_entry_applies(tmp_path):
    p = twinmut("--library", DRIFT, "--named", "good", SRC, "-o", tmp_path / "m.c")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["kind"] == "skip_call" and d["before"] == "ew32(IMC, ~0);" and d["after"] == ";"


@pytest.mark.parametrize("text,what", [
    ("[a]\nkind: length\nfunction: f\nmodels: m\nfind: x\nreplace: y\nflavour: z\n",
     ":7: unknown key 'flavour'"),
    ("[a]\nkind: length\nfunction: f\nmodels: m\nreplace: y\n", ":1: mutation a has no 'find:'"),
    ("[a]\nkind: bitrot\nfunction: f\nmodels: m\nfind: x\nreplace: y\n", "unknown kind 'bitrot'"),
    ("[a]\nkind: length\nfunction: f\nmodels: m\nfind: x\nreplace: y\n[a]\n",
     ":7: mutation a already defined at line 1"),
    ("kind: length\n", ":1: 'kind:' before the first '[name]'"),
    ("[a b]\n", ":1: bad mutation name"),
])
def test_bad_library_is_refused_in_one_line(tmp_path, text, what):
    lib = tmp_path / "bad.mutations"
    lib.write_text(text)
    line = one_line_error(twinmut("--library", lib, "--list"))
    assert what in line, line


def test_random_same_seed_same_mutant(tmp_path):
    a = mutant("--random", 7, tmp_path / "a")
    b = mutant("--random", 7, tmp_path / "b")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    da = json.loads((tmp_path / "a" / "mutant.json").read_text())
    db = json.loads((tmp_path / "b" / "mutant.json").read_text())
    check_mutant(da, tmp_path / "a")
    assert da["diff"] == db["diff"] and da["diff"]
    for k in ("id", "kind", "function", "line", "before", "after", "seed", "attempt", "status"):
        assert da[k] == db[k]
    assert (tmp_path / "a" / "e1000_main.c").read_bytes() == (tmp_path / "b" / "e1000_main.c").read_bytes()
    # one progress line, nothing left outside OUTDIR
    assert len(a.stdout.splitlines()) == 1 and a.stderr == ""


def random_descriptions(tmp_path, seeds, *extra):
    out = []
    for seed in seeds:
        p = twinmut("--random", seed, *extra, "--functions", functions(), SRC,
                    "-o", tmp_path / "m.c")
        assert p.returncode == 0, p.stderr
        out.append(json.loads(p.stdout))
    return out


def test_200_random_seeds_draw_every_kind(tmp_path):
    ds = random_descriptions(tmp_path, range(200))
    assert len(ds) == 200
    assert {d["kind"] for d in ds} == KINDS
    for seed, d in enumerate(ds):
        assert d["mode"] == "random" and d["seed"] == seed and d["attempt"] == 0
        assert d["before"] != d["after"]
    distinct = {(d["function"], d["line"], d["after"]) for d in ds}
    assert len(distinct) >= 100, len(distinct)
    # reproducible: the same seeds again give the same mutants
    assert random_descriptions(tmp_path, range(0, 200, 37)) == ds[0:200:37]


def test_attempts_pick_other_sites(tmp_path):
    sites = set()
    for k in range(6):
        d = random_descriptions(tmp_path, [11], "--attempt", str(k))[0]
        assert d["attempt"] == k
        sites.add((d["kind"], d["function"], d["line"], d["before"]))
    assert len(sites) == 6


def test_kinds_restrict_the_draw(tmp_path):
    ds = random_descriptions(tmp_path, range(30), "--kinds", "dma_address,endless_loop")
    assert {d["kind"] for d in ds} == {"dma_address", "endless_loop"}
    for d in ds:
        if d["kind"] == "dma_address":
            assert "buffer_addr" in d["before"] and d["after"] != d["before"]


def test_random_sample_builds(tmp_path):
    """Full builds for a sample of the 200 seeds: every one has a status."""
    results = []
    for seed in SAMPLE:
        p = mutant("--random", seed, tmp_path / str(seed))
        assert p.returncode == 0, p.stderr
        d = json.loads((tmp_path / str(seed) / "mutant.json").read_text())
        check_mutant(d, tmp_path / str(seed))
        assert d["seed"] == seed
        results.append(d)
    first = sum(1 for d in results if d["attempts"] == 1 and d["status"] != "compile_error")
    built = sum(1 for d in results if d["status"] == "built")
    print(f"random sample: {len(results)} mutants, {first} compiled first time, {built} built")
    assert built >= len(results) // 2, [(d["id"], d["status"], d["reason"]) for d in results]


def test_no_site_is_a_result(tmp_path):
    fns = tmp_path / "fns"
    fns.write_text("# the interrupt handler stores no descriptor address\ne1000_intr\n")
    p = mutant("--functions", fns, "--random", 3, "--kinds", "dma_address", tmp_path / "m")
    assert p.returncode == 0, p.stderr
    d = json.loads((tmp_path / "m" / "mutant.json").read_text())
    check_mutant(d, tmp_path / "m")
    assert d["status"] == "no_site" and d["attempts"] == 0 and "no site" in d["reason"]


@pytest.mark.parametrize("args,what", [
    (["--named", "nope", "SRC", "-o", "OUT"], "no mutation named 'nope'"),
    (["--named", "intr_no_ack", "/nonexistent.c", "-o", "OUT"], "/nonexistent.c: No such file"),
    (["--frobnicate"], "unknown or incomplete option '--frobnicate'"),
    (["--named", "intr_no_ack", "SRC"], "no output file given"),
    (["--random", "x", "--functions", "e1000_intr", "SRC", "-o", "OUT"], "unsigned number"),
    (["--random", "1", "--attempt", "-2", "--functions", "e1000_intr", "SRC", "-o", "OUT"],
     "--attempt must be a number"),
    (["--random", "1", "--kinds", "bitrot", "--functions", "e1000_intr", "SRC", "-o", "OUT"],
     "unknown kind 'bitrot'"),
    (["--random", "1", "--functions", "e1000_nope", "SRC", "-o", "OUT"],
     "function e1000_nope is not defined"),
    (["--random", "1", "SRC", "-o", "OUT"], "--functions LIST is required"),
    (["--named", "a", "--random", "1", "SRC", "-o", "OUT"], "give one of"),
    (["--named", "intr_no_ack", "SRC", "-o", "SRC"], "would overwrite the source"),
])
def test_twinmut_bad_input(tmp_path, args, what):
    out = tmp_path / "out.c"
    args = [str(SRC) if a == "SRC" else str(out) if a == "OUT" else a for a in args]
    if "--named" in args and "--library" not in args:
        args = ["--library", str(LIBRARY), *args]
    line = one_line_error(twinmut(*args))
    assert line.startswith("twinmut: ") and what in line, line
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args,what", [
    ([], "usage: mutant.sh"),
    (["--named"], "--named needs a value"),
    (["--bogus", "x", "OUT"], "unknown option --bogus"),
    (["--random", "12x", "OUT"], "decimal seed"),
    (["--named", "intr_no_ack", "--kinds", "length", "OUT"], "--kinds goes with --random"),
    (["--build", "/nonexistent", "--named", "intr_no_ack", "OUT"], "run make first"),
    (["--named", "nope", "OUT"], "no mutation named 'nope'"),
    (["--random", "1", "/tmp/has space"], "has characters other than"),
])
def test_mutant_sh_bad_input(tmp_path, args, what):
    out = tmp_path / "out"
    p = mutant(*[str(out) if a == "OUT" else a for a in args])
    assert p.returncode != 0 and p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and what in p.stderr, p.stderr
    assert not (out / "mutant.json").exists()


def test_link_script_reproduces_the_real_payload(tmp_path):
    """What mutants are linked with links the real object into the very
    payload make built, byte for byte; a tampered object is refused."""
    real = BUILD / "twin" / "payload" / "e1000_twin.livepatch"
    if run(["make", "-q", str(real.relative_to(ROOT))], cwd=ROOT, timeout=120).returncode:
        pytest.skip(f"{real} is older than its inputs: run make")
    twin = BUILD / "twin" / "e1000"
    args = [twin / "manifest.json", twin / "e1000_twin.o", twin / "e1000_twin.o.accepted",
            BUILD / "xen" / "xen-syms", tmp_path / "scratch", tmp_path / "p.livepatch"]
    p = run([str(ROOT / "hv" / "payload" / "link.sh"), *map(str, args)], timeout=120)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "p.livepatch").read_bytes() == real.read_bytes()
    bad = tmp_path / "tampered.o"
    obj = bytearray((twin / "e1000_twin.o").read_bytes())
    obj[-1] ^= 1
    bad.write_bytes(bytes(obj))
    args[1], args[5] = bad, tmp_path / "bad.livepatch"
    p = run([str(ROOT / "hv" / "payload" / "link.sh"), *map(str, args)], timeout=120)
    assert p.returncode == 1 and "is not the object twinc --verify accepted" in p.stderr
    assert not (tmp_path / "bad.livepatch").exists()
