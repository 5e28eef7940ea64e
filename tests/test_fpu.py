"""The platform's FPU switching, checked from inside the guests.

Xen 4.17 switches FPU state lazily on AMD CPUs (QEMU's TCG "max" CPU is
one) and relies on #NM, which Debian's QEMU does not raise for
XSAVE/XSAVEOPT/XRSTOR under CR0.TS; the project's QEMU does
(qemu-e1000-tracing/patches/0006).  tdfpucheck (guest/tools/tdfpucheck)
runs in dom0 and in the domU at once, each process keeping known values
in the vector registers across kernel entries and checking them.

Three boots (about 80 s each): Debian's QEMU with lazy FPU must show
corruption; the project's QEMU with lazy FPU (what tdh runs by default)
must show none; Debian's QEMU under tdh's default (eager FPU, since it is
not the project's QEMU) must show none either.  The last boot also checks
that dom0's kernel printing "comm[pid]: segfault at ..." fails the boot.
"""
import re

from conftest import assert_no_leftovers, tdh

CHECK_S = 25
# dom0's checker runs CHECK_S seconds, then waits for the domU's verdict
# (its checker started when the domU was ready, for CHECK_S + 10 s)
# (a script of several lines: the agent carries it encoded)
DOM0_SCRIPT = f"""tdfpucheck {CHECK_S}
rc=$?
for i in $(seq 40); do
    grep -aq '^tdfpucheck:' /var/log/xen/console/guest-domU.log && break
    sleep 1
done
grep -a '^tdfpucheck:' /var/log/xen/console/guest-domU.log | sed 's/^/domU /'
exit $rc
"""
DOMU_ARGS = f"tdh.fpucheck={CHECK_S + 10}"
VERDICT = re.compile(r"^(domU )?tdfpucheck: procs (\d+), seconds \d+, checks (\d+), corrupted (\d+)",
                     re.M)
# a "segfault at" line of the kernel's, put on dom0's console by its
# command line (the kernel prints it), for the detector
SEGV_MARKER = "tdh.test=x[1]: segfault at 0 ip 0"


DIED = re.compile(r"(\d+) dom0 process\(es\) died of a fault \(SIGSEGV, SIGILL, \.\.\.\) during this boot")


def boot_and_check(tmp_path, *opts):
    # a dom0 the bug corrupts may never answer: tdh gives up first, and cleans up
    p = tdh("boot", "--domu-args", DOMU_ARGS, "--results", tmp_path, "--cmd-timeout", 150,
            *opts, "--", "sh", "-c", DOM0_SCRIPT, timeout=600)
    verdicts = {("domU" if m.group(1) else "dom0"): (int(m.group(3)), int(m.group(4)))
                for m in VERDICT.finditer(p.stdout)}
    assert_no_leftovers(tmp_path)
    return p, verdicts


def check(tmp_path, *opts):
    p, verdicts = boot_and_check(tmp_path, *opts)
    assert set(verdicts) == {"dom0", "domU"}, f"no verdict from both:\n{p.stdout[-3000:]}\n{p.stderr}"
    for who, (checks, _) in verdicts.items():
        assert checks > 100, f"{who}'s checker hardly ran: {checks} checks"
    return p, verdicts


def xen_cmdline(tmp_path):
    (cmd,) = [c for c in tmp_path.glob("*/qemu-xen.cmdline") if c.parent.name != "latest"]
    return cmd.read_text()


def test_debian_qemu_with_lazy_fpu_corrupts_vector_registers(tmp_path):
    # the checkers report corrupted registers, or the corruption killed a
    # process of dom0's first (xl itself, while the domU boots): tdh says so
    p, v = boot_and_check(tmp_path, "--stock-qemu", "--xen-fpu", "lazy")
    assert "spec-ctrl=eager-fpu" not in xen_cmdline(tmp_path)
    corrupted = sum(c for _, c in v.values())
    died = DIED.search(p.stderr)
    assert corrupted > 0 or died, f"the bug did not show with Debian's QEMU and lazy FPU:\n{p.stdout[-2000:]}\n{p.stderr}"
    assert p.returncode != 0


def test_project_qemu_with_lazy_fpu_keeps_vector_registers(tmp_path):
    p, v = check(tmp_path)
    assert "spec-ctrl=eager-fpu" not in xen_cmdline(tmp_path), "lazy FPU is Xen's default here"
    assert v["dom0"][1] == 0 and v["domU"][1] == 0, f"corruption with the project's QEMU: {v}\n{p.stdout}"
    assert p.returncode == 0, p.stderr


def test_debian_qemu_gets_eager_fpu_and_dom0_segfaults_fail_the_boot(tmp_path):
    p, v = check(tmp_path, "--stock-qemu", "--kernel-args", SEGV_MARKER)
    assert "spec-ctrl=eager-fpu" in xen_cmdline(tmp_path)
    assert "Xen gets spec-ctrl=eager-fpu" in p.stdout
    assert v["dom0"][1] == 0 and v["domU"][1] == 0, f"corruption with eager FPU: {v}"
    # the checker passed; the marker's "segfault at" line fails the boot
    assert p.returncode == 1
    assert re.search(r"^tdh: error: " + DIED.pattern, p.stderr, re.M), p.stderr
