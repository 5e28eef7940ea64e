"""Differential tests: the corpus, as compiled and as rewritten by twinc
and linked with the user-space SVM runtime, must print the same results;
accesses and indirect calls outside what is allowed must be refused."""
import json
import re

import pytest

from twinc_lib import CORPUS, TWINC as ROOT_BIN, build_corpus, callgrind_ir, have, make, results, run


@pytest.fixture(scope="module")
def bins(tmp_path_factory):
    make("twinc")
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def bins_nogroups(tmp_path_factory):
    make("twinc")
    return build_corpus(tmp_path_factory.mktemp("corpus_ng"), groups=False)


@pytest.fixture(scope="module")
def bins_thunks_all(tmp_path_factory):
    make("twinc")
    return build_corpus(tmp_path_factory.mktemp("corpus_ta"), groups=False, thunks="all")


@pytest.fixture(scope="module")
def bins_thunks_off(tmp_path_factory):
    make("twinc")
    return build_corpus(tmp_path_factory.mktemp("corpus_to"), thunks="off")


VARIANTS = {"groups": "bins", "nogroups": "bins_nogroups",
            "thunks_all": "bins_thunks_all", "thunks_off": "bins_thunks_off"}

NAMES = ["struct", "globals", "atomics", "string", "flags", "cross", "indirect", "jumplabel",
         "memheavy"]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_same_results(request, variant):
    orig, twin = request.getfixturevalue(VARIANTS[variant])
    want, _, _ = results(orig, "run")
    got, stats, err = results(twin, "run")
    assert [l.split()[0] for l in want] == NAMES
    assert got == want, err
    # the translations really happened: misses filled the TLB, the
    # page-crossing accesses met non-adjacent host pages, rep ops went
    # through the runtime, and nothing was refused
    assert stats["fills"] > 0
    assert stats["crossings"] >= 5 and stats["bounces"] >= 5
    assert stats["rep"] == 2
    assert stats["refusals"] == 0 and stats["disabled"] == 0


def test_thunks_all_variant_is_thunked(bins_thunks_all):
    """--thunks all --no-groups: reads and writes go through probe thunks,
    so test_same_results[thunks_all] runs the page-crossing writes of
    t_cross through write thunks whose bounced writes take the fix-up path
    (without the runtime's redirect t_cross prints another value), and
    test_out_of_range_access_refused[thunks_all] refuses a thunked read."""
    orig, twin = bins_thunks_all
    m = json.loads((twin.parent / "corpus.json").read_text())
    text = (twin.parent / "corpus.twin.s").read_text()
    assert m["thunk_sites"] > 50 and m["thunks"] > 5
    assert re.search(r"^t_refuse:\n\tleaq\t\(%rdi\), %(r\w+)\n\tcall\t__svm_pr8_\1_", text, re.M)
    assert re.search(r"^__twin_wfix_table:\n\t\.quad\t\.Lsvm_wret_\d+, \.Lsvm_wfix_\d+$", text, re.M)
    p = run([str(ROOT_BIN), "--policy", str(CORPUS / "corpus.policy"), "--verify",
             str(twin.parent / "corpus.twin.s")])
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("variant", ["groups", "thunks_all", "thunks_off"])
def test_out_of_range_access_refused(request, variant):
    """Also through a probe thunk (thunks_all: every read is thunked)."""
    orig, twin = request.getfixturevalue(VARIANTS[variant])
    want, _, _ = results(orig, "refuse")
    assert want == ["value 0x5ec12e7", "secret 0xbad"]   # the original does it
    got, stats, err = results(twin, "refuse")
    assert got == ["value 0", "secret 0x5ec12e7"]         # never performed
    # the read is refused; the write after it goes to the sink, like any
    # access of a disabled instance
    assert stats["refusals"] == 1 and stats["sunk"] >= 1 and stats["disabled"] == 1
    assert "refused access" in err


def test_unknown_indirect_target_refused(bins):
    orig, twin = bins
    assert results(orig, "badcall")[0] == ["value 120"]
    got, stats, err = results(twin, "badcall")
    assert got == ["value 100"]          # the call returned 0 instead
    assert stats["dispatch_refused"] == 1 and stats["disabled"] == 1
    assert "indirect call" in err


def test_instruction_overhead_callgrind(bins):
    """Deterministic instruction counts of the memory-heavy kernel; the
    issue's target is < 1.5x; we assert only a regression bound and print
    the figure (see hv/derive/README.md for the measured value)."""
    assert have("valgrind")
    orig, twin = bins
    a = callgrind_ir(orig, "t_memheavy", "run", "5")
    b = callgrind_ir(twin, "t_memheavy", "run", "5")
    ratio = b / a
    print(f"callgrind t_memheavy: original {a} Ir, rewritten {b} Ir, ratio {ratio:.2f}")
    assert 1.0 < ratio < 4.0


def test_svm_core_builds_for_xen(tmp_path):
    """The SVM core compiles freestanding with -D__XEN__ and needs from its
    environment only what svm_port.h names (Xen provides all of these)."""
    from twinc_lib import CORPUS, SVM, run
    o = tmp_path / "svm_xen.o"
    p = run(["gcc", "-D__XEN__", "-nostdinc", "-ffreestanding", f"-I{CORPUS}/xenstub",
             "-O2", "-Wall", "-Werror", "-mno-red-zone", "-fno-pic", "-c",
             SVM / "svm.c", "-o", o])
    assert p.returncode == 0, p.stderr
    undef = set(run(["nm", "-u", o]).stdout.split()) - {"U"}
    assert undef == {"memcpy", "memset", "printk", "dump_execution_state",
                     "svm_pt_lookup", "svm_pt_pin", "svm_pt_release"}


def test_denied_call_refused(bins):
    orig, twin = bins
    assert results(orig, "deny")[0] == ["forbidden called", "value 7"]
    got, stats, err = results(twin, "deny")
    assert got == ["value 7"]            # the call did not happen
    assert stats["denied"] == 1 and stats["disabled"] == 1
    assert "denied function" in err


def test_jump_label_follows_the_key(bins):
    """Unpatched code only knows its initial form; the rewrite tests the
    key, so a key enabled at run time takes effect (what the kernel gets by
    patching the site)."""
    orig, twin = bins
    assert results(orig, "flip")[0] == ["value 2"]
    got, stats, _ = results(twin, "flip")
    assert got == ["value 1"]
    assert stats["fills"] >= 1          # the key was read through SVM


def test_warn_reported_and_continues(bins):
    orig, twin = bins
    assert results(orig, "warn", "1")[0] == ["value 2"]
    assert run([orig, "warn", "5"]).returncode != 0     # ud2: SIGILL
    got, stats, err = results(twin, "warn", "5")
    assert got == ["value 6"]
    assert stats["warns"] == 1 and stats["disabled"] == 0
    assert "WARN at line 321" in err


def test_write_to_read_only_page_refused(bins):
    """The TLB caches only writable pages, so a read of a read-only page
    cannot open the way for a write that hits the TLB."""
    orig, twin = bins
    assert results(orig, "rowrite")[0] == ["value 81", "ro 41"]
    got, stats, err = results(twin, "rowrite")
    # the write was not performed, and the read after it saw the sink:
    # a disabled instance touches no real memory
    assert got == ["value 40", "ro 40"]
    assert stats["refusals"] == 1 and stats["sunk"] >= 1 and stats["disabled"] == 1
