"""The nightly run's systemd units and crontab line, rendered for this
checkout and checked by systemd's own verifier."""
import shutil
import subprocess

from conftest import ROOT, run

INSTALL = ROOT / "scripts" / "nightly" / "install.sh"


def test_units_render_for_this_checkout_and_verify(tmp_path):
    p = run([str(INSTALL)], env={"DESTDIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert p.returncode == 0, p.stderr
    unit_dir = tmp_path / "etc" / "systemd" / "system"
    service = (unit_dir / "tdh-regress.service").read_text()
    timer = (unit_dir / "tdh-regress.timer").read_text()
    assert f"WorkingDirectory={ROOT}\n" in service
    assert "ExecStart=/usr/bin/flock /tmp/twin-heavy.lock /usr/bin/make regress" in service
    assert "@REPO@" not in service + timer
    assert "OnCalendar=" in timer and "Unit=tdh-regress.service" in timer
    assert shutil.which("systemd-analyze"), "systemd-analyze (package systemd) is needed to verify the units"
    v = run(["systemd-analyze", "verify", str(unit_dir / "tdh-regress.service"),
             str(unit_dir / "tdh-regress.timer")])
    assert v.returncode == 0, v.stdout + v.stderr


def test_crontab_line_is_the_same_command():
    p = run([str(INSTALL), "--cron", "--print"])
    assert p.returncode == 0, p.stderr
    fields = p.stdout.strip().split(None, 5)
    assert fields[:5] == ["30", "2", "*", "*", "*"]
    assert f"cd {ROOT} && /usr/bin/flock /tmp/twin-heavy.lock /usr/bin/make regress" in fields[5]


def test_make_regress_runs_tdh_regress_with_its_args():
    p = run(["make", "-n", "-C", str(ROOT), "regress", "REGRESS_ARGS=--seed 5"])
    assert p.returncode == 0, p.stderr
    assert "build/bin/tdh regress --seed 5" in p.stdout


def test_bad_install_option():
    p = run([str(INSTALL), "--bogus"])
    assert p.returncode == 2 and "unknown option" in p.stderr
