"""Helpers for the twinc suites: build twinc and the derived e1000 once,
compile the differential corpus both ways, run it."""
import json
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
                 "-mno-avx", "-fno-tree-loop-distribute-patterns", "-fno-builtin"]
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


def build_corpus(tmp: Path, groups=True, thunks=None):
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
    p = twinc(*args)
    assert p.returncode == 0, p.stderr
    orig, twin = tmp / "orig", tmp / "twin"
    p = run(["gcc", *LINK_CFLAGS, f"-I{CORPUS}", "-o", orig, CORPUS / "harness.c", s])
    assert p.returncode == 0, p.stderr
    p = run(["gcc", *LINK_CFLAGS, "-DTWIN", f"-I{CORPUS}", f"-I{SVM}", "-o", twin,
             CORPUS / "harness.c", tmp / "corpus.twin.o", SVM / "svm.c",
             SVM / "svm_user.c", SVM / "svm_entry.S"])
    assert p.returncode == 0, p.stderr
    return orig, twin


def results(binary, *args):
    p = run([binary, *args])
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
