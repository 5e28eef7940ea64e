"""One machine description, rendered twice (issue 13): `tdh machine` prints
what the direct launcher would run (QEMU's argv) and what the libvirt
launcher would hand libvirt (the domain XML); for each option set, both are
read back into the same fields and must agree field by field.  Every
argument of the argv and every element of the XML must be read: an option
one launcher gains and the other does not fails here.  No boots."""
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import BUILD, one_error_line, tdh

QNS = "{http://libvirt.org/schemas/domain/qemu/1.0}"


def render(*args):
    p = tdh("machine", *args, wait_lock=0, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def split_opts(s):
    """QEMU's "a,b=c,d=e,,f": the first item and name -> value ("e,f")."""
    items = re.split(r"(?<!,),(?!,)", s)
    items = [i.replace(",,", ",") for i in items]
    return items[0], dict(i.split("=", 1) if "=" in i else (i, None) for i in items[1:])


def cpu_fields(text):
    base, *feats = text.split(",")
    assert all(f.startswith("-") for f in feats), text
    return base, frozenset(f[1:] for f in feats)


def socket_name(path):
    """The control socket's folder is each tdh process's own /tmp/tdh-XXXXXX."""
    assert re.fullmatch(r"/tmp/tdh-\w{6}/[^/]+", path), path
    return path.rsplit("/", 1)[1]


def argv_fields(text):
    argv = text.splitlines()
    f = {"emulator": argv[0], "trace": []}
    it = iter(argv[1:])
    for opt in it:
        val = next(it) if opt not in ("-nodefaults", "-no-reboot") else None
        if opt == "-machine":
            mtype, props = split_opts(val)
            f["machine"] = mtype
            f["split_irqchip"] = props.get("kernel-irqchip") == "split"
        elif opt == "-accel":
            f["accel"] = val
        elif opt == "-cpu":
            f["cpu"] = cpu_fields(val)
        elif opt == "-smp":
            f["cpus"] = int(val)
        elif opt == "-m":
            f["mem_mb"] = int(val)
        elif opt in ("-nodefaults", "-no-reboot"):
            pass
        elif opt == "-display":
            assert val == "none"
        elif opt == "-chardev":
            kind, props = split_opts(val)
            f[f"chardev_{props['id']}"] = (kind, props["path"])
        elif opt == "-serial":
            f.setdefault("serials", []).append(val)
        elif opt == "-netdev":
            kind, props = split_opts(val)
            assert kind == "tap" and props["script"] == "no", val
        elif opt == "-device":
            model, props = split_opts(val)
            if model in ("intel-iommu", "amd-iommu"):
                f["iommu"] = (model.split("-")[0], props.get("intremap"), props.get("caching-mode"))
            else:
                props.pop("netdev")
                f["nic"] = (model, props.pop("mac"), props.pop("fault-trace", None))
                assert not props, f"unread NIC properties {props}"
        elif opt == "-kernel":
            f["kernel"] = val
        elif opt == "-append":
            f["cmdline"] = val
        elif opt == "-initrd":
            f["initrd"] = val
        elif opt == "-plugin":
            f["plugin"] = val
        elif opt == "-trace":
            f["trace"].append(val)
        else:
            raise AssertionError(f"an argument the test does not read: {opt} {val}")
    # the console on the first serial port, the agent's socket on the second
    assert f.pop("serials") == ["chardev:con", "chardev:ctl"]
    kind, f["console"] = f.pop("chardev_con")
    assert kind == "file"
    kind, sock = f.pop("chardev_ctl")
    assert kind == "socket"
    f["ctl_sock"] = socket_name(sock)
    f.setdefault("iommu", None)
    f.setdefault("plugin", None)
    return f


def xml_fields(text):
    dom = ET.fromstring(text)
    f = {"accel": {"qemu": "tcg", "kvm": "kvm"}[dom.get("type")], "trace": []}
    seen = {"name", "on_poweroff", "on_reboot", "on_crash", "seclabel"}
    f["mem_mb"] = int(dom.find("memory").text)
    assert dom.find("memory").get("unit") == "MiB"
    f["cpus"] = int(dom.find("vcpu").text)
    seen |= {"memory", "vcpu"}
    os_ = dom.find("os")
    f["machine"] = os_.find("type").get("machine")
    f["kernel"] = os_.find("kernel").text
    f["cmdline"] = os_.find("cmdline").text
    if os_.find("initrd") is not None:
        f["initrd"] = os_.find("initrd").text
    assert {e.tag for e in os_} <= {"type", "kernel", "initrd", "cmdline"}
    seen.add("os")
    feats = dom.find("features")
    assert feats.find("acpi") is not None
    ioapic = feats.find("ioapic")
    # libvirt needs the split irqchip for VT-d's interrupt remapping; it
    # means something only under KVM (TCG has no kernel irqchip)
    f["split_irqchip"] = ioapic is not None and ioapic.get("driver") == "qemu" and f["accel"] == "kvm"
    assert {e.tag for e in feats} <= {"acpi", "ioapic"}
    seen.add("features")
    cpu = dom.find("cpu")
    base = {"maximum": "max", "host-passthrough": "host"}[cpu.get("mode")]
    off = frozenset(e.get("name") for e in cpu.findall("feature") if e.get("policy") == "disable")
    assert len(off) == len(cpu.findall("feature"))
    f["cpu"] = (base, off)
    topo = cpu.find("topology")
    assert (topo.get("sockets"), topo.get("threads")) == ("1", "1")
    assert int(topo.get("cores")) == f["cpus"]
    seen.add("cpu")
    dev = dom.find("devices")
    f["emulator"] = dev.find("emulator").text
    serials = {s.find("target").get("port"): s for s in dev.findall("serial")}
    assert serials["0"].get("type") == "file"
    f["console"] = serials["0"].find("source").get("path")
    assert serials["1"].get("type") == "unix" and serials["1"].find("source").get("mode") == "bind"
    f["ctl_sock"] = socket_name(serials["1"].find("source").get("path"))
    nic = dev.find("interface")
    assert nic.get("type") == "ethernet" and nic.find("target").get("managed") == "no"
    fault = None
    for prop in dom.iter(QNS + "property"):
        assert prop.get("name") == "fault-trace", prop.attrib
        fault = prop.get("value")
    f["nic"] = (nic.find("model").get("type"), nic.find("mac").get("address"), fault)
    iommu = dev.find("iommu")
    f["iommu"] = None if iommu is None else (
        iommu.get("model"), iommu.find("driver").get("intremap"), iommu.find("driver").get("caching_mode"))
    assert {e.tag for e in dev} <= {"emulator", "controller", "memballoon", "serial", "interface", "iommu"}
    seen.add("devices")
    args = [a.get("value") for a in dom.find(QNS + "commandline")]
    f["plugin"] = None
    for opt, val in zip(args[::2], args[1::2]):
        if opt == "-initrd":
            assert "initrd" not in f
            f["initrd"] = val
        elif opt == "-plugin":
            f["plugin"] = val
        elif opt == "-trace":
            f["trace"].append(val)
        else:
            raise AssertionError(f"a QEMU argument the test does not read: {opt} {val}")
    seen |= {QNS + "commandline", QNS + "override"}
    unread = {e.tag for e in dom} - seen
    assert not unread, f"elements the test does not read: {unread}"
    return f


CASES = [
    ("xen-tcg", ["--machine", "xen"]),
    ("native-tcg", ["--machine", "native"]),
    ("xen-everything", ["--machine", "xen", "--iommu", "intel", "--trace", "dma", "--cpus", "4",
                        "--mem", "3072", "--kernel-args", "page_poison=1 a=1,2",
                        "--xen-args", "dom0_vcpus_pin", "--xen-fpu", "eager",
                        "--fault-trace", "/tmp/faults,1.txt"]),
    ("native-iommu-trace", ["--machine", "native", "--iommu", "intel", "--trace", "iommu"]),
    ("xen-kvm-iommu", ["--machine", "xen", "--accel", "kvm", "--iommu", "intel"]),
    ("native-kvm", ["--machine", "native", "--accel", "kvm", "--no-plugin"]),
    ("xen-e1000e", ["--machine", "xen", "--nic", "e1000e", "--iommu", "intel"]),
    ("native-e1000e", ["--machine", "native", "--nic", "e1000e"]),
]


@pytest.mark.parametrize("name,args", CASES, ids=[c[0] for c in CASES])
def test_both_launchers_render_the_same_machine(name, args):
    direct = argv_fields(render("--launcher", "direct", *args))
    libvirt = xml_fields(render("--launcher", "libvirt", *args))
    assert sorted(direct) == sorted(libvirt)
    for field in direct:
        assert direct[field] == libvirt[field], f"{name}: {field} differs"


def test_the_options_reach_the_machine():
    """The fields compared above are the options' own: a rendering that
    dropped an option in both launchers alike would still agree."""
    f = argv_fields(render("--machine", "xen", "--iommu", "intel", "--trace", "dma", "--cpus", "3",
                           "--mem", "1536", "--kernel-args", "x=1,2", "--xen-args", "dom0_vcpus_pin",
                           "--xen-fpu", "eager", "--fault-trace", "/tmp/f,t"))
    assert (f["cpus"], f["mem_mb"]) == (3, 1536)
    assert f["iommu"] == ("intel", "on", "on")
    assert f["nic"] == ("e1000", "52:54:00:12:34:56", "/tmp/f,t")
    assert "dom0_vcpus_pin" in f["cmdline"] and "spec-ctrl=eager-fpu" in f["cmdline"]
    assert "iommu=verbose" in f["cmdline"]
    # dom0's own command line is a multiboot module: its commas doubled
    assert " x=1,,2," in f["initrd"]
    assert f["trace"][0].endswith("file=RUNDIR/e1000-xen.simpletrace")
    assert len(f["trace"]) == 2      # with the IOMMU, its translations too
    assert f["cpu"] == ("max", frozenset({"smap", "smep"}))
    plugin = BUILD / "qemu" / "plugins" / "libinsn-regions.so"
    assert (f["plugin"] is not None) == plugin.exists()
    n = argv_fields(render("--machine", "native", "--accel", "kvm", "--no-plugin"))
    assert n["cpu"] == ("host", frozenset({"arch-capabilities"})) and n["plugin"] is None
    assert n["kernel"].endswith("/vmlinuz") and n["initrd"].endswith("/native.img")


def test_the_nic_reaches_qemu_and_the_guests():
    """--nic: QEMU's model, and the driver native Linux's and dom0's /init
    load (tdh.nic on their kernel command lines); e1000 by default."""
    x = argv_fields(render("--machine", "xen", "--nic", "e1000e"))
    assert x["nic"][0] == "e1000e"
    assert " tdh.nic=e1000e" in x["initrd"]          # dom0's command line
    n = argv_fields(render("--machine", "native", "--nic", "e1000e"))
    assert n["nic"][0] == "e1000e" and " tdh.nic=e1000e" in n["cmdline"]
    d = argv_fields(render("--machine", "native"))
    assert d["nic"][0] == "e1000" and " tdh.nic=e1000" in d["cmdline"]


def test_libvirt_refuses_what_it_cannot_model():
    p = tdh("machine", "--launcher", "libvirt", "--iommu", "amd", wait_lock=0, timeout=60)
    assert p.returncode == 2
    assert "--iommu amd" in one_error_line(p)
    assert p.stdout == ""
    assert argv_fields(render("--launcher", "direct", "--iommu", "amd"))["iommu"] == ("amd", None, None)


@pytest.mark.parametrize("args,words", [
    (["--launcher", "vmware"], "--launcher 'vmware'"),
    (["--machine", "arm"], "--machine 'arm'"),
    (["--accel", "auto"], "--accel auto"),
    (["--nic", "rtl8139"], "--nic 'rtl8139'"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_bad_options(args, words):
    p = tdh("machine", *args, wait_lock=0, timeout=60)
    assert p.returncode == 2
    assert words in one_error_line(p)
