"""The machine-code verifier (twinc --verify FILE.o, hv/derive/objverify.c).

Every file of the adversarial corpus hv/derive/attacks/*.s names on its
first line the rule that must refuse it (or "accepted"); each is assembled
with `as` and must get exactly that verdict, as one line.  The real e1000
object and the differential corpus objects (every twinc variant) must be
accepted, and byte-level tampering with the real object must be refused."""
import re
import shutil
from pathlib import Path

import pytest

from twinc_lib import CORPUS, ROOT, TWIN, build_corpus, make, run, twinc

ATTACKS = ROOT / "hv" / "derive" / "attacks"
POLICY = ATTACKS / "attacks.policy"
E1000_POLICY = ROOT / "hv" / "derive" / "e1000.policy"


@pytest.fixture(scope="module", autouse=True)
def built():
    make("twin")


def expectation(src):
    m = re.search(r"^# expect: (.+)$", src.read_text(), re.M)
    assert m, f"{src.name} names no expected verdict"
    return m.group(1).strip()


def verify(obj, policy=POLICY):
    p = twinc("--policy", policy, "--verify", obj)
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 1, f"want one line, got: {p.stdout!r} {p.stderr!r}"
    return p.returncode, lines[0]


ATTACK_FILES = sorted(ATTACKS.glob("*.s"))


def test_corpus_is_large():
    refused = [f for f in ATTACK_FILES if expectation(f) != "accepted"]
    assert len(refused) >= 80


@pytest.mark.parametrize("src", ATTACK_FILES, ids=lambda p: p.stem)
def test_attack_verdict(src, tmp_path):
    obj = tmp_path / (src.stem + ".o")
    p = run(["as", "--64", "-I", ATTACKS, "-I", ROOT / "hv" / "svm", "-o", obj, src])
    assert p.returncode == 0, p.stderr
    rc, line = verify(obj)
    want = expectation(src)
    if want == "accepted":
        assert rc == 0 and ": accepted:" in line, line
    else:
        assert rc == 1, line
        assert re.search(r": refused: .*" + re.escape(want), line), \
            f"{src.name}: want a refusal naming '{want}', got: {line}"
        # the place: a section and an offset, or the ELF reader's reason
        assert re.search(r" at \.[\w.]+\+0x[0-9a-f]+|refused: elf: |table: ", line), line


def test_e1000_object_accepted():
    rc, line = verify(TWIN / "e1000_twin.o", E1000_POLICY)
    assert rc == 0, line
    secs = float(re.search(r"([0-9.]+) s$", line).group(1))
    assert secs < 2.0, line


def test_make_twin_recorded_the_accepted_object():
    stamp = TWIN / "e1000_twin.o.accepted"
    p = run(["sha256sum", "--quiet", "-c", stamp.name], cwd=TWIN)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("variant", [
    {}, {"thunks": "off"}, {"thunks": "all", "count_hits": True},
    {"groups": False}, {"windows": False}],
    ids=["default", "thunks-off", "thunks-all-counted", "no-groups", "no-windows"])
def test_corpus_objects_accepted(variant, tmp_path):
    build_corpus(tmp_path, **variant)
    rc, line = verify(tmp_path / "corpus.twin.o", CORPUS / "corpus.policy")
    assert rc == 0, line


def flip(obj, out, off, data):
    b = bytearray(obj.read_bytes())
    b[off:off + len(data)] = data
    out.write_bytes(bytes(b))


def section_offset(obj, name):
    p = run(["readelf", "-SW", obj])
    for l in p.stdout.splitlines():
        m = re.search(r"\]\s+(\S+)\s+PROGBITS\s+\w+\s+(\w+)\s+(\w+)", l)
        if m and m.group(1) == name:
            return int(m.group(2), 16), int(m.group(3), 16)
    raise AssertionError(name)


def find_probe(obj):
    """File offset of the first probe's 'cmpq $K, %r11' in the thunks."""
    off, size = section_offset(obj, ".text.twin_thunks")
    data = obj.read_bytes()[off:off + size]
    i = data.find(bytes.fromhex("4981fb"))        # cmp $imm32, %r11
    assert i >= 0
    return off + i


def test_tampered_probe_bound_refused(tmp_path):
    """A thunk whose bound lets the access leave the page."""
    obj = TWIN / "e1000_twin.o"
    at = find_probe(obj)
    bad = tmp_path / "bound.o"
    flip(obj, bad, at + 3, (0x1000).to_bytes(4, "little"))
    rc, line = verify(bad, E1000_POLICY)
    assert rc == 1 and "refused" in line, line


def test_tampered_ud2_refused(tmp_path):
    obj = TWIN / "e1000_twin.o"
    off, size = section_offset(obj, ".text")
    bad = tmp_path / "ud2.o"
    flip(obj, bad, off, b"\x0f\x0b")
    rc, line = verify(bad, E1000_POLICY)
    assert rc == 1 and "refused" in line, line


def test_every_byte_flip_in_a_thunk_is_refused_or_harmless(tmp_path):
    """Flip each byte of the first thunk's probe: the verifier must refuse
    every variant that no longer checks the page bound it claims."""
    obj = TWIN / "e1000_twin.o"
    at = find_probe(obj)
    refused = 0
    for k in range(at - 20, at + 7):
        bad = tmp_path / f"f{k}.o"
        flip(obj, bad, k, bytes([obj.read_bytes()[k] ^ 0x01]))
        rc, _ = verify(bad, E1000_POLICY)
        refused += rc == 1
    assert refused >= 20


# The shadow return stack's units as twinc emits them (hv/derive/shadow.c),
# relocated fields zero; and the offsets of their opcode, ModRM and
# immediate bytes (not a SIB byte: its scale bits mean nothing without an
# index), whose every bit changes what the unit does.  The push
# unit's leaq -ROOM(%rsp), %r10 (at 20) has an 8- or a 32-bit displacement.
RS_PUSH_HEAD = bytes.fromhex("4c8b1d00000000" "4c3b1d00000000" "0f8300000000" "4c8d")
RS_PUSH_TAIL = bytes.fromhex("4c3b1500000000" "0f8200000000" "4c8b1424" "4d8913" "4883050000000008")
RS_PUSH_KEY = [1, 2, 8, 9, 14, 15, 21, 22]                    # before the displacement
RS_PUSH_TAIL_KEY = [1, 2, 7, 8, 14, 15, 18, 19, 21, 22, 27]
RS_POP_BYTES = bytes.fromhex("48832d0000000008" "4c8b1d00000000" "4d8b1b" "4c391c24"
                             "0f8500000000" "c3")
RS_POP_KEY = [1, 2, 7, 9, 10, 16, 17, 19, 20, 22, 23, 28]


def find_push_unit(data, off, size):
    """The first push unit in [off, off + size): its offset and key bytes."""
    at = data.find(RS_PUSH_HEAD, off, off + size)
    assert at >= 0, "no push unit in e1000's .text"
    disp = 1 if data[at + 22] == 0x54 else 4          # modrm 0x54: disp8, 0x94: disp32
    tail = at + 24 + disp
    assert data[tail:tail + len(RS_PUSH_TAIL)] == RS_PUSH_TAIL
    return at, RS_PUSH_KEY + [tail - at + k for k in RS_PUSH_TAIL_KEY]


@pytest.mark.parametrize("unit", ["push", "pop"])
def test_every_bit_flip_in_a_shadow_stack_unit_is_refused(tmp_path, unit):
    """Each bit of the opcode and ModRM bytes and the immediates of e1000's
    first push unit and first pop unit: the verifier refuses every
    variant (one of them, ret -> lret, 0xc3 -> 0xcb, it accepted)."""
    obj = TWIN / "e1000_twin.o"
    off, size = section_offset(obj, ".text")
    data = obj.read_bytes()
    if unit == "push":
        at, key = find_push_unit(data, off, size)
    else:
        at, key = data.find(RS_POP_BYTES, off, off + size), RS_POP_KEY
        assert at >= 0, "no pop unit in e1000's .text"
    accepted = []
    for k in key:
        for bit in range(8):
            bad = tmp_path / "m.o"
            flip(obj, bad, at + k, bytes([data[at + k] ^ (1 << bit)]))
            if verify(bad, E1000_POLICY)[0] == 0:
                accepted.append((k, bit))
    assert not accepted, accepted


def test_indexed_stack_bound_checked(tmp_path):
    """twinc bounds a local array's index to the frame; two more than
    that bound reach past the return address (which a read may see) and
    are refused."""
    (tmp_path / "arr.c").write_text(
        "long f(long i, long a) { volatile long t[8];\n"
        " for (int k = 0; k < 8; k++) t[k] = a + k; return t[i & 7]; }\n")
    from twinc_lib import CORPUS_CFLAGS
    s = tmp_path / "arr.s"
    assert run(["gcc", *CORPUS_CFLAGS, "-S", "-o", s, tmp_path / "arr.c"]).returncode == 0
    pol = tmp_path / "p.policy"
    pol.write_text("root f\n")
    out, obj = tmp_path / "out.s", tmp_path / "out.o"
    p = twinc("--policy", pol, "-o", out, "--obj", obj, s)
    assert p.returncode == 0, p.stderr
    assert verify(obj, pol)[0] == 0
    text = out.read_text()
    # the store's index comes from movslq (unknown): its bound is all there is
    m = re.search(r"\tcmpq\t\$(\d+), (%r\w+)\n\tja\t\.Lsvm_stk_\d+\n\tmovq\t%\w+, \(%rsp,", text)
    assert m, text
    bad_s = tmp_path / "bad.s"
    bad_s.write_text(text[:m.start(1)] + str(int(m.group(1)) + 1) + text[m.end(1):])
    bad = tmp_path / "bad.o"
    assert run(["as", "--64", "-o", bad, bad_s]).returncode == 0
    rc, line = verify(bad, pol)
    assert rc == 1 and "return address overwritten" in line, line


def test_accepted_mutants_never_fault_outside_svm(tmp_path):
    """Seeded bit flips in the rewritten corpus object's code: whatever
    the verifier accepts must run to the end (any result), be stopped by
    SVM or the runtime, or loop; never die of another signal, which under
    the user-space runtime is an access SVM did not check."""
    import random
    import subprocess
    from twinc_lib import link_twin
    _, twin = build_corpus(tmp_path)
    obj = tmp_path / "corpus.twin.o"
    data = obj.read_bytes()
    secs = [section_offset(obj, n) for n in (".text", ".text.twin_thunks", ".text.twin_miss")]
    rng = random.Random(17)
    accepted = refused = 0
    for n in range(60):
        off, size = rng.choice(secs)
        k = off + rng.randrange(size)
        m = tmp_path / "m.o"
        b = bytearray(data)
        b[k] ^= 1 << rng.randrange(8)
        m.write_bytes(bytes(b))
        if twinc("--policy", CORPUS / "corpus.policy", "--verify", m).returncode:
            refused += 1
            continue
        accepted += 1
        exe = tmp_path / "m"
        link_twin(m, exe)
        try:
            r = run([exe, "run", "1"], timeout=10)
        except subprocess.TimeoutExpired:
            continue
        # the runtime's own stop (a BUG, a return the shadow stack refused)
        # is abort() after "svm: fatal:"; any other signal is not SVM's
        stopped = r.returncode == -6 and "svm: fatal: " in r.stderr
        assert r.returncode >= 0 or stopped, \
            f"flip at file offset {k:#x}: signal {-r.returncode}\n{r.stderr}"
    assert accepted >= 10 and refused >= 10, (accepted, refused)
