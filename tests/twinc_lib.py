"""Helpers for the twinc suites: build twinc and the derived e1000 once,
compile the differential corpus both ways, run it."""
import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
TWINC = BUILD / "bin" / "twinc"
TWIN = BUILD / "twin" / "e1000"
POLICY = ROOT / "hv" / "derive" / "e1000.policy"
CORPUS = ROOT / "tests" / "twinc_corpus"
SVM = ROOT / "hv" / "svm"

# Kernel-like code generation for the corpus (what matters to the
# rewriter: no red zone, no jump tables, no PIC, no stack protector).
CORPUS_CFLAGS = ["-O2", "-fno-pic", "-fno-pie", "-mno-red-zone", "-fno-jump-tables",
                 "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
                 "-fcf-protection=none", "-mno-sse", "-mno-mmx", "-mno-sse2",
                 "-mno-avx", "-fno-tree-loop-distribute-patterns", "-fno-builtin",
                 "-fno-ipa-ra"]
LINK_CFLAGS = ["-O2", "-fno-pie", "-no-pie", "-mno-red-zone", "-fno-stack-protector"]


def run(cmd, timeout=300, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, **kw)


def make(*targets):
    p = run(["make", "-s", *targets], cwd=ROOT, timeout=900)
    assert p.returncode == 0, f"make {' '.join(targets)} failed:\n{p.stdout}\n{p.stderr}"


def twinc(*args, cwd=None):
    return run([TWINC, *args], cwd=cwd)


def manifest():
    return json.loads((TWIN / "manifest.json").read_text())


def build_corpus(tmp: Path, groups=True, thunks=None, count_hits=False, windows=True):
    """Original and rewritten corpus binaries in tmp; returns their paths."""
    s = tmp / "corpus.s"
    p = run(["gcc", *CORPUS_CFLAGS, "-S", "-o", s, CORPUS / "corpus.c"])
    assert p.returncode == 0, p.stderr
    args = ["--quiet", "--policy", CORPUS / "corpus.policy", "--test",
            "-o", tmp / "corpus.twin.s", "--obj", tmp / "corpus.twin.o",
            "--manifest", tmp / "corpus.json", s]
    if not groups:
        args.insert(0, "--no-groups")
    if thunks:
        args[:0] = ["--thunks", thunks]
    if count_hits:
        args.insert(0, "--count-hits")
    if not windows:
        args.insert(0, "--no-windows")
    p = twinc(*args)
    assert p.returncode == 0, p.stderr
    orig, twin = tmp / "orig", tmp / "twin"
    p = run(["gcc", *LINK_CFLAGS, f"-I{CORPUS}", "-o", orig, CORPUS / "harness.c", s])
    assert p.returncode == 0, p.stderr
    link_twin(tmp / "corpus.twin.o", twin)
    return orig, twin


def link_twin(obj, out):
    p = run(["gcc", *LINK_CFLAGS, "-DTWIN", f"-I{CORPUS}", f"-I{SVM}", "-o", out,
             CORPUS / "harness.c", obj, SVM / "svm.c", SVM / "svm_user.c",
             SVM / "svm_entry.S"])
    assert p.returncode == 0, p.stderr


PROBE_START = re.compile(r"^(\tmovq\t%(\w+), %(\w+)\n\tshrq\t\$7, %\3\n"
                         r"\tandl\t\$131040, %\w+\n\taddq\t__svm_tlbp\(%rip\), %\3\n)", re.M)
MISS_ENTRY = re.compile(r"^(\.Lsvm_(?:miss|slow|wslow|t[rwq]miss)_\w+:\n)", re.M)


def instrument_probes(twin_s: Path, out: Path):
    """The test's own count of probes executed and probes that missed,
    independent of --count-hits: a counter before the first instruction of
    every probe (inline, group, loop window or thunk: the probe is about to
    clobber the flags there) and one at the start of every miss path and
    group or loop-window slow copy (which clobber the flags or restore them
    first).  Not verified: it is a measuring build, linked like the
    rewrite."""
    text = twin_s.read_text()
    text, n = PROBE_START.subn(r"\tincq\ttwin_probes(%rip)\n\1", text)
    text, m = MISS_ENTRY.subn(r"\1\tincq\ttwin_probe_misses(%rip)\n", text)
    assert n > 0 and m > 0
    text += ("\t.data\n\t.balign 8\n\t.globl\ttwin_probes\ntwin_probes:\n\t.quad\t0\n"
             "\t.globl\ttwin_probe_misses\ntwin_probe_misses:\n\t.quad\t0\n")
    src = out.with_suffix(".s")
    src.write_text(text)
    p = run(["as", "--64", "-o", out.with_suffix(".o"), src])
    assert p.returncode == 0, p.stderr
    link_twin(out.with_suffix(".o"), out)
    return n, m


def results(binary, *args, same_layout=False):
    """The binary's result lines, its "# svm" statistics and stderr.  With
    same_layout, address randomisation is off, so that two runs lay out
    memory alike (and the TLB's entries collide alike)."""
    p = run([*(["setarch", "-R"] if same_layout else []), binary, *args])
    assert p.returncode == 0, f"{binary} {args}: rc {p.returncode}\n{p.stderr}"
    lines = p.stdout.splitlines()
    values = [l for l in lines if not l.startswith("#")]
    stats = {}
    for l in lines:
        if l.startswith("# svm"):
            w = l.split()[2:]
            stats = {w[i]: int(w[i + 1]) for i in range(0, len(w) - 1, 2)}
    return values, stats, p.stderr


def callgrind_ir(binary, fn, *args):
    """Instructions executed inside fn (inclusive), by callgrind."""
    out = Path(str(binary) + f".cg.{fn}")
    p = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             f"--toggle-collect={fn}", binary, *args], timeout=600)
    assert p.returncode == 0, p.stderr
    for line in p.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    raise AssertionError(f"no callgrind total for {binary}:\n{p.stderr}")


def have(tool):
    return shutil.which(tool) is not None
