"""tdh boot through libvirt with the IOMMU modelled (issue 13): one held
boot, which the libvirt launcher starts from the same machine description
as the direct one (test_machine_render.py checks the renderings).  dom0
sees VT-d, a command's output and status come back through `tdh agent`,
and an interrupt stops it all: no QEMU, domain, tap or namespace left."""
from conftest import assert_no_leftovers, libvirt_domains, run
from guestpath import HeldTestbed


def test_libvirt_boot_with_an_iommu_runs_commands_and_stops_on_interrupt(tmp_path):
    t = HeldTestbed(tmp_path, "--launcher", "libvirt", "--iommu", "intel", domu=False)
    try:
        assert "[VT-D]drhd->address" in t.dom0("xl dmesg")
        p = t.dom0("echo out; echo err >&2; exit 7", check=False)
        assert p.returncode == 7, p.stdout + p.stderr
        assert "out" in p.stdout
        # the QEMU libvirt ran: the same VT-d as the direct launcher's
        cmdline = next(tmp_path.glob("*/qemu-xen.cmdline")).read_text()
        assert '"driver":"intel-iommu"' in cmdline and '"intremap":"on"' in cmdline
        assert '"caching-mode":true' in cmdline
    finally:
        rc = t.stop()
    log = "".join(t.log)
    assert rc == 0, log[-3000:]
    assert "interrupted: stopping the machine" in log
    assert_no_leftovers(tmp_path)
    assert not libvirt_domains(), "a libvirt domain was left behind"
    assert "tdhv" not in run(["ip", "-o", "link"]).stdout, "a tap was left in the host namespace"
