"""Differential tests: the corpus, as compiled and as rewritten by twinc
and linked with the user-space SVM runtime, must print the same results;
accesses and indirect calls outside what is allowed must be refused."""
import json
import re

import pytest

from twinc_lib import (CORPUS, TWINC as ROOT_BIN, build_corpus, callgrind_ir, have,
                       instrument_probes, make, results, run)

# the shadow return stack's push unit at a function's entry (hv/derive/shadow.c)
RS_PUSH = r"\tmovq\t__twin_rsp\(%rip\), %r11\n(?:\t[^\n]*\n){8}"


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


@pytest.fixture(scope="module")
def bins_probe_each(tmp_path_factory):
    """One probe per access: no groups, no loop windows."""
    make("twinc")
    return build_corpus(tmp_path_factory.mktemp("corpus_pe"), groups=False, windows=False)


# the same builds with --count-hits (what make twin derives e1000 with)
COUNTED = {"groups": dict(), "nogroups": dict(groups=False),
           "thunks_all": dict(groups=False, thunks="all"), "thunks_off": dict(thunks="off"),
           "probe_each": dict(groups=False, windows=False)}


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    make("twinc")
    return {name: build_corpus(tmp_path_factory.mktemp(f"corpus_{name}_hits"), count_hits=True,
                               **kw) for name, kw in COUNTED.items()}


VARIANTS = {"groups": "bins", "nogroups": "bins_nogroups",
            "thunks_all": "bins_thunks_all", "thunks_off": "bins_thunks_off",
            "probe_each": "bins_probe_each"}

NAMES = ["struct", "globals", "atomics", "string", "flags", "cross", "fields", "scratch",
         "indirect", "jumplabel", "memheavy", "arena"]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_same_results(request, variant):
    orig, twin = request.getfixturevalue(VARIANTS[variant])
    want, _, _ = results(orig, "run")
    got, stats, err = results(twin, "run")
    assert [l.split()[0] for l in want] == NAMES
    assert got == want, err
    # the translations really happened: misses filled the TLB, the
    # page-crossing accesses met non-adjacent host pages (with groups, a
    # run of t_cross's and t_fields' reads cross as a whole), rep ops went
    # through the runtime, and nothing was refused; "arena" (a hash of the
    # arena after the run) says every write landed
    assert stats["fills"] > 0
    assert stats["crossings"] >= 4 and stats["bounces"] >= 4
    assert stats["rep"] == 2
    assert stats["refusals"] == 0 and stats["disabled"] == 0
    assert stats["hits"] == 0            # not derived with --count-hits


ROUNDS = 3


@pytest.mark.parametrize("variant", list(COUNTED))
def test_hit_counting_same_results(counted, variant):
    """--count-hits changes nothing the program sees, and the count is
    plausible: a probe per access reads t_memheavy's 1024 words per round
    through probes, nearly all of them hits; loop windows leave the other
    tests' thousands.  (Not a fixed hit rate: with address randomisation,
    about one run in a hundred puts a page of the arena and one of the
    corpus's read-only data in the same TLB entry, and t_globals then
    misses some 6,000 times.)"""
    orig, twin = counted[variant]
    want, _, _ = results(orig, "run", str(ROUNDS))
    got, stats, err = results(twin, "run", str(ROUNDS))
    assert got == want, err
    assert stats["refusals"] == 0 and stats["crossings"] >= 4
    assert stats["hits"] > 1000
    if variant == "probe_each":
        assert stats["hits"] >= 1024 * ROUNDS
    text = (twin.parent / "corpus.twin.s").read_text()
    assert text.count("\tincq\t__svm_hits(%rip)\n") == len(
        re.findall(r"^\tja\t\.Lsvm_(?:miss|slow|wslow|t[rwq]miss)_\w+\n\tincq\t__svm_hits\(%rip\)\n"
                   r"\t(?:addq|movq)\t8\(%\w+\), %\w+$", text, re.M)) > 0


@pytest.mark.parametrize("variant", list(COUNTED))
def test_hits_are_probes_minus_misses(counted, variant):
    """The harness's own count, from a build of the rewrite with a counter
    at the start of every probe and of every miss path and group slow copy:
    every probe either hits (and counts) or takes its miss path."""
    orig, twin = counted[variant]
    inst = twin.parent / "instrumented"
    nprobes, nmiss = instrument_probes(twin.parent / "corpus.twin.s", inst)
    want, _, _ = results(orig, "run", str(ROUNDS))
    got, stats, err = results(inst, "run", str(ROUNDS))
    assert got == want, err
    assert stats["probes"] > stats["probe_misses"] > 0
    assert stats["hits"] == stats["probes"] - stats["probe_misses"]
    # a thunk's or an inline probe's miss calls the runtime, a group
    # probe's jumps to its slow copy; the rep helpers miss too when their
    # page is not cached: t_string's rep stosq one page piece, its rep movsq
    # a source and a destination one
    if COUNTED[variant].get("groups", True) or COUNTED[variant].get("windows", True):
        assert stats["misses"] <= stats["probe_misses"] + 3
    else:
        assert stats["probe_misses"] <= stats["misses"] <= stats["probe_misses"] + 3


def test_hits_per_round_are_the_sources_accesses(counted):
    """With one probe per access (no groups, no loop windows, so no slow
    copies) every probe either hits or calls the runtime, so one more round
    of t_memheavy adds to hits + misses exactly its accesses per round: 256
    descriptors x 5 writes, 256 status tests + 192 x 5 accesses for the 3 in
    4 whose status is 3, and 1024 words of data: 3520.  (How they split
    between hits and misses depends on the addresses of the run, which are
    randomised, so two runs can differ there: see above.)"""
    _, twin = counted["probe_each"]
    _, s2, _ = results(twin, "run", "2", same_layout=True)
    _, s3, _ = results(twin, "run", "3", same_layout=True)
    per_round = 256 * 5 + 256 + 192 * 5 + 1024
    assert (s3["hits"] + s3["misses"]) - (s2["hits"] + s2["misses"]) == per_round


@pytest.mark.parametrize("variant", ["groups", "nogroups", "thunks_all"])
def test_loop_windows_probe_once_per_page(counted, variant):
    """With loop windows, t_memheavy's three loops probe each of their
    bases once per run of the loop (each base stays in one page): one more
    round adds 2 + 2 + 1 = 5 probes, against 3,520 accesses.  (The same
    layout for both runs: with groups, whether a group over a stack object
    crosses a page, and so runs its slow copy, depends on where the stack
    is.)"""
    _, twin = counted[variant]
    m = json.loads((twin.parent / "corpus.json").read_text())
    assert m["loop_windows"] >= 5 and m["window_accesses"] >= 16
    text = (twin.parent / "corpus.twin.s").read_text()
    body = text[text.index("\nt_memheavy:"):text.index(".size\tt_memheavy")]
    assert body.count(".Lsvm_wprobe_") and "call\t__svm_p" not in body
    _, s2, _ = results(twin, "run", "2", same_layout=True)
    _, s3, _ = results(twin, "run", "3", same_layout=True)
    assert (s3["hits"] + s3["misses"]) - (s2["hits"] + s2["misses"]) == 5


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
    assert re.search(r"^t_refuse:\n" + RS_PUSH + r"\tleaq\t\(%rdi\), %(r\w+)\n\tcall\t__svm_pr8_\1_", text, re.M)
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
    # the read is refused (with groups the read and the write of *secret are
    # one translation); the write after it goes to the sink, like any access
    # of a disabled instance
    assert stats["refusals"] == 1 and stats["disabled"] == 1
    assert stats["sunk"] >= (0 if variant == "groups" else 1)
    assert "refused access" in err


def test_unknown_indirect_target_refused(bins):
    orig, twin = bins
    assert results(orig, "badcall")[0] == ["value 120"]
    got, stats, err = results(twin, "badcall")
    assert got == ["value 100"]          # the call returned 0 instead
    assert stats["dispatch_refused"] == 1 and stats["disabled"] == 1
    assert "indirect call" in err


@pytest.mark.parametrize("variant", ["groups", "thunks_all"])
def test_instruction_overhead_callgrind(request, variant):
    """Deterministic instruction counts of the memory-heavy kernel over 20
    rounds, as bench.sh counts them: the issue's target, < 1.5x, with loop
    windows (1.45x: see hv/derive/README.md; over fewer rounds the loops'
    one-off window probes and saves weigh more); a probe per access is far
    above it."""
    assert have("valgrind")
    orig, twin = request.getfixturevalue(VARIANTS[variant])
    a = callgrind_ir(orig, "t_memheavy", "run", "20")
    b = callgrind_ir(twin, "t_memheavy", "run", "20")
    ratio = b / a
    print(f"callgrind t_memheavy: original {a} Ir, rewritten {b} Ir, ratio {ratio:.2f}")
    assert 1.0 < ratio < 1.5
    _, each = bins_probe_each_of(request)
    assert callgrind_ir(each, "t_memheavy", "run", "20") / a > 3


def bins_probe_each_of(request):
    return request.getfixturevalue("bins_probe_each")


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
    # The port's hooks are whatever svm_port.h declares; reading them from
    # the header keeps this test about the rule, not about today's list.
    port = set(re.findall(r"\b(svm_pt_\w+)\s*\(", (SVM / "svm_port.h").read_text()))
    assert {"svm_pt_lookup", "svm_pt_pin", "svm_pt_release"} <= port
    allowed = port | {"memcpy", "memset", "printk", "dump_execution_state"}
    assert undef - allowed == set(), "svm.c needs more than svm_port.h names"
    assert "svm_pt_lookup" in undef


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


@pytest.mark.parametrize("variant", ["groups", "thunks_all"])
def test_write_through_noncanonical_alias_refused(request, variant):
    """An entry caching a read-only page has no valid write tag; no address
    that indexes that entry may match the invalid one, or a write to
    0x8000000000000000 + offset would land in the read-only page."""
    _, twin = request.getfixturevalue(VARIANTS[variant])
    got, stats, err = results(twin, "alias")
    assert got == ["value 40", "ro 40"], err     # the write was not performed
    assert stats["refusals"] == 1 and stats["disabled"] == 1


@pytest.mark.parametrize("variant", ["groups", "probe_each"])
def test_write_to_read_only_page_refused(request, variant):
    """The TLB caches a read-only page for reads only, so a read of it
    cannot open the way for a write that hits the TLB.  (With groups, the
    read, the write and the read again are one run that writes, refused
    as a whole: its reads see the sink's zeroes.)"""
    orig, twin = request.getfixturevalue(VARIANTS[variant])
    assert results(orig, "rowrite")[0] == ["value 81", "ro 41"]
    got, stats, err = results(twin, "rowrite")
    # the write was not performed; without groups the read after it saw the
    # sink (a disabled instance touches no real memory): 40 + 0
    assert got == ["value 1" if variant == "groups" else "value 40", "ro 40"]
    assert stats["refusals"] == 1 and stats["disabled"] == 1


@pytest.mark.parametrize("pattern,replacement", [
    # bt* with a register bit offset: without the mask the offset could
    # reach far beyond the probed word
    (r"^(\tmovl\t%\w+, %(\w+)\n)\tandl\t\$63, %\2\n(\tlock btsq)", r"\1\3"),
    # a write through a probe that looked the read tag up
    (r"^\tsubq\t16\((%\w+)\), (%\w+)(\n\tcmpq\t\$\d+, \2\n\tja\t\.Lsvm_miss_\d+\n"
     r"\taddq\t8\(\1\), \2\n\tmov[bwlq]\t%\w+, \(\2\))", r"\tsubq\t(\1), \2\3"),
])
def test_verifier_catches_tampering_in_corpus(bins_thunks_off, tmp_path, pattern, replacement):
    """Forms e1000 does not have, on the corpus rewritten with inline probes."""
    tamper_corpus(bins_thunks_off, tmp_path, pattern, replacement)


# t_memheavy's data loop, as loop windows make it (rX %r11, rH %r10 there):
#   .Lsvm_wprobe_N: leaq 0(%rsi),%r11; <probe unit>; ja .Lsvm_wslow_N; movq 8(%r10),%r10
#   .L47: cmpq $4092,%r11; ja .Lsvm_wprobe_N; ...; addq $4,%rsi; leaq 4(%r11),%r11;
#         xorl -4(%r10,%r11,1),%edi; ...; jne .L47
LOOP3 = r"^(\.L\d+:\n)\tcmpq\t\$4092, (%\w+)\n\tja\t(\.Lsvm_wprobe_\d+)\n"


@pytest.mark.parametrize("pattern,replacement", [
    # a looser check at the loop's head: the offset could leave the page
    (LOOP3, r"\1\tcmpq\t$4095, \2\n\tja\t\3\n"),
    # no check at all: after the back edge the offset is unbounded
    (LOOP3, r"\1"),
    # a step of the offset that is not the base's
    (r"^\tleaq\t4\((%\w+)\), \1\n(\txorl\t-4\()", r"\tleaq\t4096(\1), \1\n\2"),
    # the offset scaled
    (r"^(\txorl\t-4\(%\w+,%\w+),1\)", r"\1,2)"),
    # the page of a probe that did not look at its result (no ja)
    (r"^(\tcmpq\t\$4092, %\w+\n)\tja\t\.Lsvm_wslow_\d+\n", r"\1"),
    # a call in the loop, which may evict the window's page
    (r"^(\txorl\t-4\()", r"\tcall\t__svm_miss_done\n\1"),
    # a jump into the loop from outside its window probe
    (r"^(\tmovq\t\(%rsp\), %rsi\n)((?:.*\n)*?)(\.L\d+:\n\tcmpq\t\$4092, )",
     r"\1\tjmp\t.Lsneak\n\2.Lsneak:\n\3"),
    # a write through a window probed with the read tag
    (r"^(\.Lsvm_wprobe_\d+:\n\tleaq\t0\(%rdi\), %\w+\n(?:\t.*\n){4})\tsubq\t16\(", r"\1\tsubq\t("),
])
def test_verifier_catches_window_tampering(bins, tmp_path, pattern, replacement):
    """Loop windows are checked like any other code: the offset's bound at
    the loop's head, its constant steps, the page from a probe that hit,
    no call while the window is in use, no other way in."""
    tamper_corpus(bins, tmp_path, pattern, replacement)


# t_fields in the groups build: a read thunk group over its 8 bytes
#   leaq 0(%rdi), %r11; call __svm_pr8_r11_r10; movzwl 0(%r11), %ecx; movl 2(%r11), ...
FIELDS = (r"^(t_fields:\n" + RS_PUSH + r"\tleaq\t0\(%rdi\), %r11\n\tcall\t__svm_pr8_r11_r10\n)"
          r"(\tmovzwl\t0\(%r11\), %\w+\n)(\tmovl\t2\(%r11\), %\w+\n)")
# t_cross's first run, one that writes every byte of its 8:
#   leaq -5(%rdi), %r11; call __svm_pw8_r11_r10; .Lsvm_wret_N: movl $..., 3(%r11); ...
CROSS = r"^(\tcall\t__svm_pw8_r11_r10\n\.Lsvm_wret_\d+:\n)\tmovl\t\$-1582119980, 3\(%r11\)\n"


@pytest.mark.parametrize("pattern,replacement", [
    # a read of the run beyond the range the thunk probed
    (FIELDS, r"\1\tmovzwl\t7(%r11), %ecx\n\3"),
    # a write through the run's read probe
    (FIELDS, r"\1\2\tmovl\t%edi, 2(%r11)\n"),
    # a call inside the run, which may evict its page
    (FIELDS, r"\1\2\tcall\t__svm_miss_done\n\3"),
    # a jump into the run from before its probe
    (r"^(t_fields:\n" + RS_PUSH + r")(\tleaq\t0\(%rdi\), %r11\n\tcall\t__svm_pr8_r11_r10\n"
     r"\tmovzwl\t0\(%r11\), %\w+\n)", r"\1\ttestq\t%rdi, %rdi\n\tje\t.Lsneak\n\2.Lsneak:\n"),
    # a write of a writing run beyond its range
    (CROSS, r"\1\tmovl\t$-1582119980, 5(%r11)\n"),
    # a writing run probed for reading
    (r"^\tcall\t__svm_pw8_r11_r10(\n\.Lsvm_wret_\d+:\n\tmovl\t\$-1582119980, 3)",
     r"\tcall\t__svm_pr8_r11_r10\1"),
])
def test_verifier_catches_thunk_group_tampering(bins, tmp_path, pattern, replacement):
    """A thunk group's run is checked like any other code: every access
    inside the probed range, writes only through a write probe, no call in
    between, no way in but through the probe."""
    tamper_corpus(bins, tmp_path, pattern, replacement)


def tamper_corpus(bins, tmp_path, pattern, replacement):
    _, twin = bins
    src = (twin.parent / "corpus.twin.s").read_text()
    out, n = re.subn(pattern, replacement, src, count=1, flags=re.M)
    assert n == 1, pattern
    f = tmp_path / "tampered.s"
    f.write_text(out)
    p = run([str(ROOT_BIN), "--policy", str(CORPUS / "corpus.policy"), "--verify", str(f)])
    assert p.returncode == 1
    assert "not translated" in p.stderr, p.stderr
